import Audit
@testable import Daemon
import Foundation
@testable import History
import Logging
import Policy
import TestSupport
import XCTest

/// Which findings alert, and that alerts reach a command and an HTTP endpoint on loopback.
final class AlertTests: XCTestCase {
    private func state(_ finding: Finding, severity: Severity? = nil) -> CircuitState {
        CircuitState(circuitID: finding.circuitID, name: finding.circuitName, technology: "", category: finding.category.rawValue,
                     severity: severity ?? finding.severity, flags: finding.flags.map(\.flag.rawValue), waived: false)
    }

    func testFirstRunAlertsEveryOpenFindingAtOrAboveTheSeverity() throws {
        let findings = try DemoAudit.result().findings
        let alerts = Alert.raised(by: findings, run: 1, previous: nil, previousRun: nil, minSeverity: .high)
        let expected = findings.filter { $0.severity >= .high && $0.waiver?.active != true }
        XCTAssertFalse(expected.isEmpty)
        XCTAssertEqual(alerts.map(\.finding.circuitID), expected.map(\.circuitID))
        XCTAssertTrue(alerts.allSatisfy { $0.reason == .new })
    }

    func testOnlyNewAndWorsenedFindingsAlertLater() throws {
        let findings = try DemoAudit.result().findings.filter { $0.severity >= .high && $0.waiver?.active != true }
        XCTAssertGreaterThanOrEqual(findings.count, 3)
        var previous = Dictionary(uniqueKeysWithValues: findings.map { ($0.circuitID, state($0)) })
        XCTAssertTrue(Alert.raised(by: findings, run: 2, previous: previous, previousRun: 1, minSeverity: .high).isEmpty, "nothing changed: no alert")
        // One circuit was only MEDIUM last run (worsened), one was not there (new), one was HIGH and is now CRITICAL.
        previous[findings[0].circuitID] = state(findings[0], severity: .medium)
        previous[findings[1].circuitID] = nil
        var current = findings
        let critical = current.indices.dropFirst(2).first { current[$0].severity == .high }!
        current[critical].severity = .critical
        previous[current[critical].circuitID] = state(findings[critical], severity: .high)
        let alerts = Alert.raised(by: current, run: 2, previous: previous, previousRun: 1, minSeverity: .high)
        let reasons = Dictionary(uniqueKeysWithValues: alerts.map { ($0.finding.circuitID, $0.reason) })
        XCTAssertEqual(reasons[findings[0].circuitID], .new, "below the alert level last run counts as new at this level")
        XCTAssertEqual(reasons[findings[1].circuitID], .new)
        XCTAssertEqual(reasons[current[critical].circuitID], .worsened)
        XCTAssertEqual(alerts.count, Set([findings[0].circuitID, findings[1].circuitID, current[critical].circuitID]).count)
    }

    func testCommandReceivesTheAlertJSONOnStdin() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("alert-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let output = directory.appendingPathComponent("received.jsonl").path
        let finding = try DemoAudit.result().findings.first { $0.severity >= .high }!
        let alert = Alert(run: 7, previousRun: 6, reason: .new, previousSeverity: nil, finding: finding)
        let configuration = DaemonConfiguration.Alerts(minSeverity: .high, log: false, command: ["/bin/sh", "-c", "cat >> \(output); echo >> \(output)"],
                                                       commandTimeout: 10, http: nil)
        let failures = await AlertDispatcher(configuration: configuration, logger: Logger(label: "test")).send([alert, alert])
        XCTAssertEqual(failures, [])
        let lines = try String(contentsOfFile: output, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let json = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(json["run"] as? Int, 7)
        XCTAssertEqual(json["reason"] as? String, "new")
        XCTAssertEqual((json["finding"] as? [String: Any])?["circuit_id"] as? String, finding.circuitID)
    }

    func testFailingOrHangingCommandIsReportedNotFatal() async throws {
        let finding = try DemoAudit.result().findings[0]
        let alert = Alert(run: 1, previousRun: nil, reason: .new, previousSeverity: nil, finding: finding)
        let failing = DaemonConfiguration.Alerts(minSeverity: .info, log: false, command: ["/bin/sh", "-c", "cat >/dev/null; exit 3"], commandTimeout: 10, http: nil)
        let failures = await AlertDispatcher(configuration: failing, logger: Logger(label: "test")).send([alert])
        XCTAssertEqual(failures, [.commandFailed(command: "/bin/sh -c cat >/dev/null; exit 3", status: 3)])
        let hanging = DaemonConfiguration.Alerts(minSeverity: .info, log: false, command: ["/bin/sleep", "30"], commandTimeout: 0.5, http: nil)
        let started = Date()
        let timedOut = await AlertDispatcher(configuration: hanging, logger: Logger(label: "test")).send([alert])
        XCTAssertEqual(timedOut, [.commandTimedOut(command: "/bin/sleep 30", seconds: 0.5)])
        XCTAssertLessThan(Date().timeIntervalSince(started), 5)
    }

    func testCommandAlertsGiveBackEveryDescriptorTheyOpen() async throws {
        let finding = try DemoAudit.result().findings[0]
        let alert = Alert(run: 1, previousRun: nil, reason: .new, previousSeverity: nil, finding: finding)
        let configuration = DaemonConfiguration.Alerts(minSeverity: .info, log: false, command: ["/bin/sh", "-c", "cat >/dev/null"], commandTimeout: 10, http: nil)
        let dispatcher = AlertDispatcher(configuration: configuration, logger: Logger(label: "test"))
        let leaked = await OpenDescriptors.leaked(by: 25) { _ = await dispatcher.send([alert]) }
        XCTAssertLessThan(leaked, 5, "a daemon alerting for months must not pile up pipes")
    }

    func testHTTPAlertReachesALoopbackServerAfterRetries() async throws {
        let server = try LoopbackServer(failFirst: 2)
        defer { server.stop() }
        let finding = try DemoAudit.result().findings.first { $0.severity >= .high }!
        let alert = Alert(run: 3, previousRun: 2, reason: .worsened, previousSeverity: .medium, finding: finding)
        let target = DaemonConfiguration.HTTPTarget(url: URL(string: "http://127.0.0.1:\(server.port)/alerts")!, retries: 3, backoff: 0.1, timeout: 5,
                                                    headers: ["X-Token": "abc"])
        let configuration = DaemonConfiguration.Alerts(minSeverity: .high, log: false, command: [], commandTimeout: 1, http: target)
        let failures = await AlertDispatcher(configuration: configuration, logger: Logger(label: "test")).send([alert])
        XCTAssertEqual(failures, [])
        let requests = try server.requests()
        XCTAssertEqual(requests.count, 3, "two 503 answers, then success")
        let last = requests.last!
        XCTAssertEqual(last["path"] as? String, "/alerts")
        XCTAssertEqual(last["content_type"] as? String, "application/json")
        XCTAssertEqual(last["token"] as? String, "abc")
        let body = try JSONSerialization.jsonObject(with: Data((last["body"] as! String).utf8)) as! [String: Any]
        XCTAssertEqual(body["reason"] as? String, "worsened")
        XCTAssertEqual(body["previous_severity"] as? String, "MEDIUM")
    }

    func testHTTPAlertGivesUpAfterItsRetries() async throws {
        let server = try LoopbackServer(failFirst: 100)
        defer { server.stop() }
        let finding = try DemoAudit.result().findings[0]
        let alert = Alert(run: 1, previousRun: nil, reason: .new, previousSeverity: nil, finding: finding)
        let target = DaemonConfiguration.HTTPTarget(url: URL(string: "http://127.0.0.1:\(server.port)/")!, retries: 2, backoff: 0.05, timeout: 5, headers: [:])
        let failures = await AlertDispatcher(configuration: .init(minSeverity: .info, log: false, command: [], commandTimeout: 1, http: target),
                                             logger: Logger(label: "test")).send([alert])
        XCTAssertEqual(failures, [.httpFailed(url: "http://127.0.0.1:\(server.port)/", attempts: 3, reason: "HTTP status 503")])
        XCTAssertEqual(try server.requests().count, 3)
    }
}
