@testable import Daemon
import Foundation
import Policy
import Reports
import XCTest

/// The daemon's YAML: defaults, relative paths, and errors that name file, line and key.
final class DaemonConfigurationTests: XCTestCase {
    private let policies = URL(fileURLWithPath: "/usr/share/circuit-audit/policies")

    private func parse(_ text: String) throws -> DaemonConfiguration {
        try DaemonConfiguration.parse(text, file: "/etc/circuit-audit/daemon.yaml", defaultPolicies: policies)
    }

    private func error(_ text: String) -> String {
        do {
            _ = try parse(text)
            return "accepted"
        } catch {
            return "\(error)"
        }
    }

    func testMinimalFileGetsItsDefaultsAndRelativePathsFromItsDirectory() throws {
        let configuration = try parse("""
            schedule: {interval: 300}
            output: {directory: state}
            audit: {organization: org.yaml}
            """)
        XCTAssertEqual(configuration.schedule, .interval(300))
        XCTAssertEqual(configuration.reportDirectory, "/etc/circuit-audit/state")
        XCTAssertEqual(configuration.database, "/etc/circuit-audit/state/history.sqlite")
        XCTAssertEqual(configuration.statusFile, "/etc/circuit-audit/state/status.json")
        XCTAssertEqual(configuration.organization, "/etc/circuit-audit/org.yaml")
        XCTAssertEqual(configuration.policies, policies)
        XCTAssertEqual(configuration.reportFormats, [], "findings.json alone unless reports are asked for")
        XCTAssertEqual(configuration.reportLanguages, [.en])
        XCTAssertNil(configuration.keepHistory, "the history keeps every run unless told otherwise")
        XCTAssertEqual(configuration.keepReports, 30)
        XCTAssertEqual(configuration.alerts.minSeverity, .high)
        XCTAssertNil(configuration.alerts.http)
        XCTAssertNil(configuration.privileges.user)
    }

    func testFullFileIsRead() throws {
        let configuration = try parse("""
            schedule:
              cron: ["*/15 * * * *", "0 2 * * mon"]
              timezone: Asia/Shanghai
            capture: {interfaces: [eth0, eth1], duration: 30, filter: "not port 22", threads: 3, fanout: 2}
            output: {directory: /var/lib/circuit-audit, keep: 5, database: /var/lib/circuit-audit/h.sqlite}
            alerts:
              min_severity: medium
              command: [/usr/local/bin/notify, --urgent]
              http: {url: "http://127.0.0.1:9000/hook", retries: 2, backoff: 0.5, headers: {Authorization: "Bearer x"}}
            privileges: {user: circuit-audit, keep_capabilities: [CAP_NET_RAW]}
            """)
        guard case .cron(let expressions) = configuration.schedule else { return XCTFail("expected cron") }
        XCTAssertEqual(expressions.map(\.expression), ["*/15 * * * *", "0 2 * * mon"])
        XCTAssertEqual(configuration.timeZone.identifier, "Asia/Shanghai")
        XCTAssertEqual(configuration.interfaces, ["eth0", "eth1"])
        XCTAssertEqual(configuration.captureFilter, "not port 22")
        XCTAssertEqual(configuration.captureDuration, 30)
        XCTAssertEqual(configuration.captureThreads, 3)
        XCTAssertEqual(configuration.captureFanout, 2)
        XCTAssertEqual(configuration.keepReports, 5)
        XCTAssertEqual(configuration.database, "/var/lib/circuit-audit/h.sqlite")
        XCTAssertEqual(configuration.alerts.minSeverity, .medium)
        XCTAssertEqual(configuration.alerts.command, ["/usr/local/bin/notify", "--urgent"])
        XCTAssertEqual(configuration.alerts.http?.retries, 2)
        XCTAssertEqual(configuration.alerts.http?.headers["Authorization"], "Bearer x")
        XCTAssertEqual(configuration.privileges.user, "circuit-audit")
        XCTAssertEqual(configuration.privileges.keepCapabilities, ["CAP_NET_RAW"])
    }

    func testUnknownKeyNamesFileLineAndKey() {
        let message = error("""
            schedule: {interval: 60}
            output:
              directory: /tmp/x
              kepe: 3
            """)
        XCTAssertTrue(message.hasPrefix("/etc/circuit-audit/daemon.yaml:4: output.kepe: unknown key"), message)
    }

    func testInvalidValuesAreRefusedWithTheirPlace() {
        XCTAssertTrue(error("schedule: {cron: \"61 * * * *\"}\noutput: {directory: /x}").contains(":1: schedule.cron: minute field '61': 61 is outside 0-59"),
                      error("schedule: {cron: \"61 * * * *\"}\noutput: {directory: /x}"))
        XCTAssertTrue(error("schedule: {interval: 60, cron: \"* * * * *\"}\noutput: {directory: /x}").contains("either interval or cron"))
        XCTAssertTrue(error("schedule: {}\noutput: {directory: /x}").contains("give interval"))
        XCTAssertTrue(error("schedule: {interval: -1}\noutput: {directory: /x}").contains("schedule.interval: must be at least"))
        XCTAssertTrue(error("schedule: {interval: 60}").contains("output: missing"))
        XCTAssertTrue(error("schedule: {interval: 60}\noutput: {directory: /x, formats: [pdf]}").contains("unknown report format 'pdf'"))
        XCTAssertTrue(error("schedule: {interval: 60}\noutput: {directory: /x, languages: [fr]}").contains("output.languages[0]: unknown language 'fr'"))
        XCTAssertTrue(error("schedule: {interval: 60}\noutput: {directory: /x, keep_history: 0}").contains("output.keep_history: must be at least 1"))
        XCTAssertEqual(try parse("schedule: {interval: 60}\noutput: {directory: /x, keep_history: 500}").keepHistory, 500)
        XCTAssertTrue(error("schedule: {interval: 60}\noutput: {directory: /x}\nalerts: {min_severity: urgent}").contains("alerts.min_severity: must be one of"))
        XCTAssertTrue(error("schedule: {interval: 60}\noutput: {directory: /x}\nalerts: {http: {url: \"ftp://x\"}}").contains("alerts.http.url"))
        XCTAssertTrue(error("schedule: {interval: 60}\noutput: {directory: /x}\nalerts: {command: notify}").contains("absolute path"))
        XCTAssertTrue(error("schedule: {interval: 60}\noutput: {directory: /x}\nprivileges: {keep_capabilities: [CAP_SYS_ADMIN]}").contains("unknown capability"))
        XCTAssertTrue(error("schedule: {interval: 60, timezone: Mars/Olympus}\noutput: {directory: /x}").contains("unknown time zone"))
        XCTAssertTrue(error("schedule: [").contains("not valid YAML"))
    }

    func testTheShippedExampleIsValid() throws {
        let file = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("../../examples/daemon/daemon.yaml").standardizedFileURL.path
        let configuration = try DaemonConfiguration.load(file: file, defaultPolicies: policies)
        XCTAssertEqual(configuration.schedule, .interval(300))
        XCTAssertTrue(FileManager.default.fileExists(atPath: configuration.organization!))
    }

    func testNextRunFollowsTheScheduleKind() throws {
        let start = Date(timeIntervalSince1970: 1_800_000_000)
        XCTAssertEqual(try parse("schedule: {interval: 90}\noutput: {directory: /x}").nextRun(after: start), start.addingTimeInterval(90))
        let cron = try parse("schedule: {cron: [\"0 * * * *\", \"30 * * * *\"]}\noutput: {directory: /x}")
        let next = cron.nextRun(after: start)!
        XCTAssertEqual(Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: next).minute.map { [0, 30].contains($0) }, true)
        XCTAssertLessThanOrEqual(next.timeIntervalSince(start), 1800)
    }
}
