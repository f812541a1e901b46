import Foundation
import TestSupport
import XCTest

/// End to end on real VPN software: `scripts/lab/run` builds every scenario (namespaces, real
/// daemons, real traffic), then each scenario's capture, snapshot and organization file go
/// through `circuit-audit flows`, `inventory` and `audit`, which must find what the scenario's
/// `expected.json` says. Needs root and `scripts/setup --lab`; otherwise every test here is
/// skipped with the reason (under CI=true missing packages fail instead). Set
/// CIRCUIT_AUDIT_LAB_OUT to a finished run's directory to test it without running the lab.
final class LabTests: XCTestCase {
    struct Scenario: Sendable {
        var name: String
        var directory: URL
        var expectedJSON: Data
        var expected: [String: Any] { (try? JSONSerialization.jsonObject(with: expectedJSON)) as? [String: Any] ?? [:] }
        var remotePeer: String { expected["remote_peer"] as? String ?? "" }
    }

    /// The lab, run once for all the tests in this class.
    static let run: Result<[Scenario], LabUnavailable> = runLab()

    struct LabUnavailable: Error, Sendable, CustomStringConvertible {
        var description: String
        var isFailure: Bool
    }

    /// The run's directory is removed after the class's tests unless one failed (then its path
    /// is printed for a look at the logs) or it was given by CIRCUIT_AUDIT_LAB_OUT.
    nonisolated(unsafe) static var anyFailed = false

    override func tearDown() {
        // hasSucceeded is false until the run stops, after tearDown: count the failures instead.
        if (testRun?.totalFailureCount ?? 0) > 0 { Self.anyFailed = true }
        super.tearDown()
    }

    override class func tearDown() {
        if ProcessInfo.processInfo.environment["CIRCUIT_AUDIT_LAB_OUT"] == nil, case .success(let scenarios) = run,
           let directory = scenarios.first?.directory.deletingLastPathComponent() {
            if anyFailed { print("lab: results kept in \(directory.path)") } else { try? FileManager.default.removeItem(at: directory) }
        }
        super.tearDown()
    }

    private func scenarios() throws -> [Scenario] {
        switch Self.run {
        case .success(let scenarios): return scenarios
        case .failure(let reason):
            if reason.isFailure { XCTFail(reason.description); return [] }
            throw XCTSkip("lab skipped: \(reason.description)")
        }
    }

    func testTheLabBuildsAtLeastFifteenScenariosInFiveMinutesAndLeavesNothingBehind() throws {
        let scenarios = try scenarios()
        XCTAssertGreaterThanOrEqual(scenarios.count, 15)
        guard let directory = scenarios.first?.directory.deletingLastPathComponent() else { return }
        let summary = try String(contentsOf: directory.appendingPathComponent("summary.txt"), encoding: .utf8)
        func value(_ key: String) -> Int? {
            summary.split(whereSeparator: \.isWhitespace).first { $0.hasPrefix(key + "=") }.flatMap { Int($0.dropFirst(key.count + 1)) }
        }
        XCTAssertLessThan(try XCTUnwrap(value("seconds"), summary), 300, summary)
        XCTAssertEqual(value("processes_left"), 0, "no process may stay in a lab namespace: \(summary)")
        let namespaces = try Self.shell(["ip", "netns", "list"]).stdout
        XCTAssertFalse(namespaces.split(separator: "\n").contains { $0.hasPrefix("lab-") }, namespaces)
    }

    func testEveryScenarioCarriedRealTrafficThroughItsTunnel() throws {
        for scenario in try scenarios() {
            let checks = try JSONSerialization.jsonObject(with: Data(contentsOf: scenario.directory.appendingPathComponent("checks.json"))) as? [[String: Any]] ?? []
            XCTAssertFalse(checks.isEmpty, "\(scenario.name): no traffic check")
            for check in checks where check["ok"] as? Bool != true {
                XCTFail("\(scenario.name): \(check["check"] ?? "?") failed: \(check["detail"] ?? "")")
            }
            let proofs = Set(checks.compactMap { $0["check"] as? String })
            if scenario.expected["control_plane_only"] as? Bool == true {
                XCTAssertTrue(proofs.contains("control-plane"), scenario.name)
            } else {
                XCTAssertTrue(proofs.contains("download"), "\(scenario.name): a file must cross the tunnel")
            }
        }
    }

    func testFlowsNameTheExpectedFamilyOnEveryOuterCapture() throws {
        for scenario in try scenarios() {
            let result = try CommandRunner.run(["flows", "--format", "jsonl", scenario.directory.appendingPathComponent("outer.pcap").path])
            XCTAssertEqual(result.status, 0, "\(scenario.name): \(result.stderr)")
            let flows = result.stdout.split(separator: "\n").compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
            let toPeer = flows.filter { ($0["src"] as? String) == scenario.remotePeer || ($0["dst"] as? String) == scenario.remotePeer }
            XCTAssertFalse(toPeer.isEmpty, "\(scenario.name): no flow with \(scenario.remotePeer) in the capture")
            let families = Set(toPeer.compactMap { ($0["tunnel"] as? [String: Any])?["family"] as? String })
            // Families a scenario's software may also show (SoftEther's VPN-over-ICMP probes), by timing.
            let incidental = Set(scenario.expected["incidental_families"] as? [String] ?? [])
            if let family = scenario.expected["outer_family"] as? String {
                XCTAssertTrue(families.contains(family), "\(scenario.name): expected \(family), flows say \(families.sorted())")
                XCTAssertTrue(families.subtracting([family]).isSubset(of: incidental), "\(scenario.name): unexpected families \(families.sorted())")
                // A scenario about how the flow was seen (retried, mid-stream, one way) says what the evidence must tell.
                if let wanted = scenario.expected["outer_evidence"] as? String {
                    let evidence = toPeer.compactMap { $0["tunnel"] as? [String: Any] }.filter { $0["family"] as? String == family }.compactMap { $0["evidence"] as? String }
                    XCTAssertTrue(evidence.contains { $0.contains(wanted) }, "\(scenario.name): no \(family) evidence saying \"\(wanted)\": \(evidence)")
                }
            } else {
                XCTAssertTrue(families.isSubset(of: incidental), "\(scenario.name): expected no tunnel family in its traffic, flows say \(families.sorted())")
            }
        }
    }

    func testInventoryOfEverySnapshotFindsTheTunnelWithItsRemotePeer() throws {
        for scenario in try scenarios() {
            let result = try CommandRunner.run(["inventory", "--root", scenario.directory.appendingPathComponent("snapshot").path, "--format", "json"])
            XCTAssertEqual(result.status, 0, "\(scenario.name): \(result.stderr)")
            XCTAssertEqual(result.stderr, "", "\(scenario.name): the snapshot must read without warnings")
            let inventory = try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any] ?? [:]
            let items = inventory["items"] as? [[String: Any]] ?? []
            let toPeer = items.filter { item in
                (item["remote"] as? [[String: Any]] ?? []).contains { $0["host"] as? String == scenario.remotePeer }
            }
            if let technology = scenario.expected["technology"] as? String {
                XCTAssertTrue(toPeer.contains { $0["technology"] as? String == technology },
                              "\(scenario.name): no \(technology) item toward \(scenario.remotePeer); items toward it: \(toPeer.map { $0["technology"] ?? "?" })")
            } else {
                XCTAssertTrue(toPeer.isEmpty, "\(scenario.name): the gateway's configuration must know nothing of \(scenario.remotePeer)")
            }
        }
    }

    func testAuditClassifiesEveryScenarioAsItsExpectationSays() throws {
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("lab-audit-\(UUID())")
        defer { try? FileManager.default.removeItem(at: output) }
        for scenario in try scenarios() {
            let out = output.appendingPathComponent(scenario.name)
            let result = try CommandRunner.run([
                "audit", "--root", scenario.directory.appendingPathComponent("snapshot").path,
                "--pcap", scenario.directory.appendingPathComponent("outer.pcap").path,
                "--org", scenario.directory.appendingPathComponent("organization.yaml").path, "--out", out.path,
            ])
            XCTAssertTrue([0, 1].contains(result.status), "\(scenario.name): audit exited \(result.status): \(result.stderr)")
            let document = try JSONSerialization.jsonObject(with: Data(contentsOf: out.appendingPathComponent("findings.json"))) as? [String: Any] ?? [:]
            let circuits = document["circuits"] as? [[String: Any]] ?? []
            let findings = document["findings"] as? [[String: Any]] ?? []
            let ids = Set(circuits.filter { $0["remoteAddress"] as? String == scenario.remotePeer }.compactMap { $0["id"] as? String })
            let mine = findings.filter { ids.contains($0["circuit_id"] as? String ?? "") }
            XCTAssertEqual(mine.count, 1, "\(scenario.name): one circuit toward \(scenario.remotePeer), found \(mine.map { $0["circuit_name"] ?? "?" })")
            guard let finding = mine.first else { continue }
            XCTAssertEqual(finding["category"] as? String, scenario.expected["category"] as? String,
                           "\(scenario.name): rule \(finding["rule"] ?? "?")")
            let flags = Set((finding["flags"] as? [[String: Any]] ?? []).compactMap { $0["flag"] as? String })
            XCTAssertEqual(flags, Set(scenario.expected["flags"] as? [String] ?? []), scenario.name)
            // Nothing else is found except what the scenario explains.
            let others = findings.filter { !ids.contains($0["circuit_id"] as? String ?? "") }
                .map { "\($0["circuit_name"] ?? "?") \($0["category"] ?? "?")" }.sorted()
            let explained = (scenario.expected["other_circuits"] as? [[String: Any]] ?? [])
                .map { "\($0["name"] ?? "?") \($0["category"] ?? "?")" }.sorted()
            XCTAssertEqual(others, explained, "\(scenario.name): unexplained circuits")
        }
    }

    // MARK: - Running the lab

    static func runLab() -> Result<[Scenario], LabUnavailable> {
        let environment = ProcessInfo.processInfo.environment
        let directory: URL
        if let given = environment["CIRCUIT_AUDIT_LAB_OUT"] {
            directory = URL(fileURLWithPath: given)
        } else {
            guard getuid() == 0 else { return .failure(LabUnavailable(description: "needs root (network namespaces, tunnels, captures)", isFailure: false)) }
            let lab = Corpus.packageRoot.appendingPathComponent("scripts/lab/run").path
            guard let check = try? shell([lab, "--check"]) else { return .failure(LabUnavailable(description: "cannot run \(lab)", isFailure: true)) }
            guard check.status == 0 else {
                let reason = (check.stdout + check.stderr).trimmingCharacters(in: .whitespacesAndNewlines)
                return .failure(LabUnavailable(description: reason, isFailure: Corpus.isRequired))
            }
            directory = FileManager.default.temporaryDirectory.appendingPathComponent("circuit-audit-lab-\(UUID())")
            guard let run = try? shell([lab, directory.path], environment: ["CIRCUIT_AUDIT_BIN": CommandRunner.binary]) else {
                return .failure(LabUnavailable(description: "cannot run \(lab)", isFailure: true))
            }
            print(run.stdout, terminator: "")
            guard run.status == 0 else {
                return .failure(LabUnavailable(description: "scripts/lab/run failed (\(run.status)):\n\(run.stdout)\(run.stderr)", isFailure: true))
            }
        }
        // Every scenario directory (it has logs/) must say what it expects.
        let names = ((try? FileManager.default.contentsOfDirectory(atPath: directory.path)) ?? []).sorted()
            .filter { FileManager.default.fileExists(atPath: directory.appendingPathComponent($0 + "/logs").path) }
        var scenarios: [Scenario] = []
        for name in names {
            let folder = directory.appendingPathComponent(name)
            guard let data = FileManager.default.contents(atPath: folder.appendingPathComponent("expected.json").path),
                  (try? JSONSerialization.jsonObject(with: data)) is [String: Any] else {
                return .failure(LabUnavailable(description: "\(folder.path)/expected.json is missing or not a JSON object", isFailure: true))
            }
            scenarios.append(Scenario(name: name, directory: folder, expectedJSON: data))
        }
        guard !scenarios.isEmpty else { return .failure(LabUnavailable(description: "no scenario in \(directory.path)", isFailure: true)) }
        return .success(scenarios)
    }

    static func shell(_ command: [String], environment: [String: String] = [:]) throws -> CommandRunner.Result {
        try ProcessRunner.run(command[0], Array(command.dropFirst()), environment: environment)
    }
}
