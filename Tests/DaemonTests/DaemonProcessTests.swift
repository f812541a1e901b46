import AuditPipeline
import Foundation
@testable import History
import TestSupport
import XCTest

/// `circuit-audit daemon` run as a process: schedules, history and diff, reload, signals,
/// crashes, full disks, alerts, privileges and interfaces that go away.
final class DaemonProcessTests: XCTestCase {
    func testTwoScheduledRunsMakeAHistoryAndTheDiffShowsDrift() throws {
        let daemon = try DaemonHarness()
        try daemon.writeConfig(interval: 0.2)
        XCTAssertEqual(try daemon.run(["--runs", "2"]), 0, daemon.stderr)
        let history = try daemon.command(["history", "--db", daemon.database])
        XCTAssertEqual(history.status, 0, history.stderr)
        XCTAssertTrue(history.stdout.contains("2 run(s)"), history.stdout)
        let same = try daemon.command(["diff", "--config", daemon.configPath])
        XCTAssertEqual(same.status, 0, same.stdout)
        XCTAssertTrue(same.stdout.contains("run 1 (") && same.stdout.contains("-> run 2 ("), same.stdout)
        XCTAssertTrue(same.stdout.contains("no change"), same.stdout)
        // The traffic goes away: circuits seen only in traffic disappear and their findings resolve.
        try daemon.writeConfig(interval: 0.2, traffic: false)
        XCTAssertEqual(try daemon.run(["--runs", "1"]), 0, daemon.stderr)
        let drift = try daemon.command(["diff", "--db", daemon.database])
        XCTAssertEqual(drift.status, 1, drift.stdout + drift.stderr)
        XCTAssertTrue(drift.stdout.contains("circuits disappeared"), drift.stdout)
        XCTAssertTrue(drift.stdout.contains("findings resolved"), drift.stdout)
        XCTAssertTrue(try daemon.command(["diff", "--db", daemon.database, "1", "2"]).stdout.contains("no change"))
        XCTAssertEqual(try daemon.command(["diff", "--db", daemon.database, "1", "9"]).status, 66)
        // Each run's reports in a directory of its own, 0700, with findings.json 0600.
        let runs = try FileManager.default.contentsOfDirectory(atPath: daemon.output).filter { $0.hasPrefix("run-") }.sorted()
        XCTAssertEqual(runs.count, 3)
        let findings = daemon.output + "/" + runs[0] + "/findings.json"
        XCTAssertEqual((try FileManager.default.attributesOfItem(atPath: findings)[.posixPermissions] as! NSNumber).intValue, 0o600)
        let status = try XCTUnwrap(daemon.status())
        XCTAssertEqual(status["state"] as? String, "stopped")
        XCTAssertEqual(status["runs_completed"] as? Int, 1)
    }

    func testReportsBeyondKeepArePruned() throws {
        let daemon = try DaemonHarness()
        try daemon.writeConfig(interval: 0.05)
        XCTAssertEqual(try daemon.run(["--runs", "5"]), 0, daemon.stderr)
        let runs = try FileManager.default.contentsOfDirectory(atPath: daemon.output).filter { $0.hasPrefix("run-") }.sorted()
        XCTAssertEqual(runs.map { String($0.prefix(10)) }, ["run-000003", "run-000004", "run-000005"])
        XCTAssertEqual(try HistoryStore(path: daemon.database).runs().count, 5, "the history keeps every run")
    }

    func testHistoryBeyondKeepHistoryIsPrunedAfterEachRun() throws {
        let daemon = try DaemonHarness()
        try daemon.writeConfig(interval: 0.05)
        let config = try String(contentsOfFile: daemon.configPath, encoding: .utf8)
            .replacingOccurrences(of: "keep: 3}", with: "keep: 3, keep_history: 2}")
        try config.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        XCTAssertEqual(try daemon.run(["--runs", "4"]), 0, daemon.stderr)
        let store = try HistoryStore(path: daemon.database)
        XCTAssertEqual(try store.runs().map(\.id), [3, 4])
        XCTAssertEqual(try store.integrityCheck(), ["ok"])
    }

    func testInvalidConfigurationIsRefusedAtStartWithFileLineAndKey() throws {
        let daemon = try DaemonHarness()
        try daemon.writeConfig(extra: "schedul: {interval: 3}\n")
        XCTAssertEqual(try daemon.run(["--runs", "1"]), 78)
        XCTAssertTrue(daemon.stderr.contains("\(daemon.configPath):9: schedul: unknown key"), daemon.stderr)
    }

    func testSIGHUPWithABadConfigurationKeepsTheOldOneAndAGoodOneIsTakenUp() throws {
        let daemon = try DaemonHarness()
        try daemon.writeConfig(interval: 0.3)
        try daemon.start()
        XCTAssertNotNil(daemon.waitForStatus { ($0["runs_completed"] as? Int ?? 0) >= 1 }, daemon.stderr)
        try daemon.writeConfig(interval: 0.3, extra: "alerts_typo: 1\n")
        daemon.signal(SIGHUP)
        let rejected = daemon.waitForStatus { (($0["last_reload"] as? [String: Any])?["message"] as? String)?.hasPrefix("rejected") == true }
        XCTAssertNotNil(rejected, daemon.stderr)
        XCTAssertTrue(daemon.stderr.contains("reload rejected, the previous configuration stays in force: \(daemon.configPath):9: alerts_typo: unknown key"), daemon.stderr)
        // The old configuration goes on running.
        let before = rejected?["runs_completed"] as? Int ?? 0
        XCTAssertNotNil(daemon.waitForStatus { ($0["runs_completed"] as? Int ?? 0) >= before + 2 }, "runs go on after a rejected reload")
        // A broken policy is rejected too.
        try daemon.writeConfig(interval: 0.3, extra: "")
        let brokenRules = daemon.directory + "/rules"
        try FileManager.default.createDirectory(atPath: brokenRules, withIntermediateDirectories: true)
        try "version: 1\nrules: [{id: X, bogus: 1}]\n".write(toFile: brokenRules + "/bad.yaml", atomically: true, encoding: .utf8)
        try (String(contentsOfFile: daemon.configPath, encoding: .utf8).replacingOccurrences(of: "audit:\n", with: "audit:\n  rules: \(brokenRules)\n"))
            .write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        daemon.signal(SIGHUP)
        XCTAssertNotNil(daemon.waitForStatus { (($0["last_reload"] as? [String: Any])?["message"] as? String)?.contains("bad.yaml") == true }, daemon.stderr)
        // A valid one is taken up.
        try daemon.writeConfig(interval: 0.3, extra: "")
        daemon.signal(SIGHUP)
        XCTAssertNotNil(daemon.waitForStatus { (($0["last_reload"] as? [String: Any])?["message"] as? String) == "reloaded" }, daemon.stderr)
        daemon.signal(SIGTERM)
        XCTAssertEqual(daemon.wait(), 0, daemon.stderr)
        XCTAssertEqual(daemon.status()?["state"] as? String, "stopped")
        XCTAssertEqual(try HistoryStore(path: daemon.database).integrityCheck(), ["ok"])
    }

    func testSIGKILLAtRandomPointsNeverCorruptsTheHistory() throws {
        let daemon = try DaemonHarness()
        try daemon.writeConfig(interval: 0.01)
        var generator = SystemRandomNumberGenerator()
        var known: [RunSummary] = []
        var killedMidRun = 0
        for round in 0..<50 {
            try daemon.start()
            usleep(UInt32.random(in: 80_000...450_000, using: &generator))
            daemon.signal(SIGKILL)
            if daemon.status()?["state"] as? String == "running" { killedMidRun += 1 }
            daemon.process?.waitUntilExit()
            guard FileManager.default.fileExists(atPath: daemon.database) else { continue }
            let store = try HistoryStore(path: daemon.database)
            XCTAssertEqual(try store.integrityCheck(), ["ok"], "round \(round)")
            let runs = try store.runs()
            // Every run recorded before is still there, unchanged, and readable in full.
            XCTAssertEqual(Array(runs.prefix(known.count)), known, "round \(round)")
            for run in runs.dropFirst(max(0, known.count - 1)) {
                let findings = try store.storedFindings(run: run.id)
                XCTAssertEqual(findings.count, run.findings, "round \(round) run \(run.id)")
                XCTAssertEqual(try store.circuits(run: run.id).count, run.findings)
            }
            known = runs
        }
        XCTAssertGreaterThanOrEqual(known.count, 10, "the daemon recorded runs between kills")
        // Reports: no half-written run directory is left visible.
        let entries = try FileManager.default.contentsOfDirectory(atPath: daemon.output)
        for entry in entries where entry.hasPrefix("run-") {
            XCTAssertTrue(FileManager.default.fileExists(atPath: daemon.output + "/" + entry + "/findings.json"), entry)
        }
        print("SIGKILL test: \(known.count) runs recorded over 50 kills, \(killedMidRun) of them in the middle of a run")
    }

    func testFullDiskFailsCleanlyAndKeepsEarlierRuns() throws {
        try requireRoot()
        let daemon = try DaemonHarness()
        let mount = daemon.directory + "/small"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        guard shell("/bin/mount", "-t", "tmpfs", "-o", "size=1200k", "tmpfs", mount) == 0 else { throw XCTSkip("cannot mount a tmpfs here") }
        defer { _ = shell("/bin/umount", "-l", mount) }
        try daemon.writeConfig(interval: 0.02, output: mount)
        XCTAssertEqual(try daemon.run(["--runs", "25"], timeout: 120), 0, daemon.stderr)
        XCTAssertTrue(daemon.stderr.contains("the disk is full"), daemon.stderr)
        XCTAssertFalse(daemon.stderr.contains("Fatal error"), daemon.stderr)
        let store = try HistoryStore(path: mount + "/history.sqlite")
        XCTAssertEqual(try store.integrityCheck(), ["ok"])
        let runs = try store.runs()
        XCTAssertGreaterThan(runs.count, 0)
        XCTAssertLessThan(runs.count, 25, "the disk filled before every run was recorded")
        for run in runs { XCTAssertEqual(try store.storedFindings(run: run.id).count, run.findings) }
        // No half-written report directory.
        for entry in try FileManager.default.contentsOfDirectory(atPath: mount) where entry.hasPrefix(".partial-") { XCTFail("left \(entry)") }
    }

    func testReadOnlyOutputIsAClearErrorAtStart() throws {
        try requireRoot()
        let daemon = try DaemonHarness()
        let mount = daemon.directory + "/ro"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        guard shell("/bin/mount", "-t", "tmpfs", "-o", "size=1m,ro", "tmpfs", mount) == 0 else { throw XCTSkip("cannot mount a tmpfs here") }
        defer { _ = shell("/bin/umount", "-l", mount) }
        try daemon.writeConfig(output: mount)
        XCTAssertEqual(try daemon.run(["--runs", "1"]), 73)
        XCTAssertTrue(daemon.stderr.contains("\(mount): the directory is not writable (Read-only file system)"), daemon.stderr)
        let history = try daemon.command(["history", "--db", mount + "/history.sqlite"])
        XCTAssertEqual(history.status, 66)
        XCTAssertTrue(history.stderr.contains("no history yet"), history.stderr)
    }

    func testDirectoryTurnedReadOnlyBetweenRunsIsReportedAndTheDaemonGoesOn() throws {
        try requireRoot()
        let daemon = try DaemonHarness()
        let mount = daemon.directory + "/rw"
        try FileManager.default.createDirectory(atPath: mount, withIntermediateDirectories: true)
        guard shell("/bin/mount", "-t", "tmpfs", "-o", "size=8m", "tmpfs", mount) == 0 else { throw XCTSkip("cannot mount a tmpfs here") }
        defer { _ = shell("/bin/umount", "-l", mount) }
        try daemon.writeConfig(interval: 0.3, output: mount)
        try daemon.start()
        let first = Date().addingTimeInterval(30)
        while ((try? HistoryStore(path: mount + "/history.sqlite", create: false).runs().count) ?? 0) < 1 && Date() < first { usleep(50_000) }
        // A file system cannot become read-only while a file on it is open for writing: retry
        // until the daemon is between runs.
        let remount = Date().addingTimeInterval(20)
        while shell("/bin/mount", "-o", "remount,ro", mount) != 0 && Date() < remount { usleep(20_000) }
        XCTAssertEqual(shell("/bin/mount", "-o", "remount,ro", mount), 0, "read-only between runs")
        let deadline = Date().addingTimeInterval(20)
        while !daemon.stderr.contains("run not recorded") && Date() < deadline { usleep(50_000) }
        XCTAssertTrue(daemon.stderr.contains("run not recorded: \(mount)/history.sqlite: cannot write the history database"), daemon.stderr)
        XCTAssertTrue(daemon.process?.isRunning == true, "the daemon goes on")
        XCTAssertEqual(shell("/bin/mount", "-o", "remount,rw", mount), 0)
        let recorded = try HistoryStore(path: mount + "/history.sqlite").runs().count
        let later = Date().addingTimeInterval(20)
        while (try HistoryStore(path: mount + "/history.sqlite").runs().count) <= recorded && Date() < later { usleep(50_000) }
        XCTAssertGreaterThan(try HistoryStore(path: mount + "/history.sqlite").runs().count, recorded, "writable again: runs are recorded again")
        daemon.signal(SIGTERM)
        XCTAssertEqual(daemon.wait(), 0)
        XCTAssertEqual(try HistoryStore(path: mount + "/history.sqlite").integrityCheck(), ["ok"])
    }

    func testAlertsFromAScheduledRunReachAnHTTPServerAndACommand() throws {
        let server = try LoopbackServer(failFirst: 1)
        defer { server.stop() }
        let daemon = try DaemonHarness()
        let received = daemon.directory + "/alerts.jsonl"
        try daemon.writeConfig(interval: 0.2, extra: """
            """)
        let config = try String(contentsOfFile: daemon.configPath, encoding: .utf8).replacingOccurrences(of: "alerts: {log: false}\n", with: """
            alerts:
              min_severity: HIGH
              command: [/bin/sh, -c, "cat >> \(received); echo >> \(received)"]
              http: {url: "http://127.0.0.1:\(server.port)/hook", retries: 3, backoff: 0.1}

            """)
        try config.write(toFile: daemon.configPath, atomically: true, encoding: .utf8)
        XCTAssertEqual(try daemon.run(["--runs", "2"]), 0, daemon.stderr)
        // One alert per open finding at HIGH or above in the first run; the second, identical
        // run raises none.
        var request = DemoAudit.request
        request.asOf = .today  // as the daemon audits: as of the day it runs
        let expected = try AuditPipeline.run(request).result.openFindings(atLeast: .high).count
        XCTAssertGreaterThan(expected, 0)
        let lines = try String(contentsOfFile: received, encoding: .utf8).split(separator: "\n")
        XCTAssertEqual(lines.count, expected)
        let posted = try server.requests()
        XCTAssertEqual(posted.count, expected + 1, "\(expected) alerts, the first retried once after a 503")
        let body = try JSONSerialization.jsonObject(with: Data((posted.last!["body"] as! String).utf8)) as! [String: Any]
        XCTAssertEqual(body["run"] as? Int, 1)
        XCTAssertEqual(body["reason"] as? String, "new")
        XCTAssertNotNil((body["finding"] as? [String: Any])?["rule"])
        XCTAssertEqual((daemon.status()?["last_run"] as? [String: Any])?["alerts"] as? Int, 0)
    }

    func testDropsToAnUnprivilegedUserThatCannotRegainRoot() throws {
        try requireRoot()
        let daemon = try DaemonHarness()
        try daemon.writeConfig(extra: "privileges: {user: nobody}\n")
        XCTAssertEqual(try daemon.run(["--runs", "1"]), 0, daemon.stderr)
        let privileges = try XCTUnwrap(daemon.status()?["privileges"] as? [String: Any])
        XCTAssertEqual(privileges["uid"] as? Int, 65534)
        XCTAssertEqual(privileges["can_regain_root"] as? Bool, false)
        XCTAssertEqual(privileges["capabilities"] as? [String], [])
        let owner = try FileManager.default.attributesOfItem(atPath: daemon.database)[.ownerAccountID] as? Int
        XCTAssertEqual(owner, 65534)
        XCTAssertEqual(try HistoryStore(path: daemon.database).runs().count, 1)
        // Kept capabilities stay, and only those.
        try daemon.writeConfig(extra: "privileges: {user: nobody, keep_capabilities: [CAP_NET_RAW]}\n")
        XCTAssertEqual(try daemon.run(["--runs", "1"]), 0, daemon.stderr)
        XCTAssertEqual((daemon.status()?["privileges"] as? [String: Any])?["capabilities"] as? [String], ["CAP_NET_RAW"])
    }

    func testCaptureInterfaceThatDisappearsIsReportedAndTheNextRunGoesOn() throws {
        try requireRoot()
        let name = "ca\(UInt16.random(in: 1000...9999))"
        guard shell("/sbin/ip", "link", "add", name, "type", "veth", "peer", "name", name + "p") == 0 else { throw XCTSkip("cannot create a veth pair") }
        defer { _ = shell("/sbin/ip", "link", "del", name) }
        _ = shell("/sbin/ip", "link", "set", name, "up")
        _ = shell("/sbin/ip", "link", "set", name + "p", "up")
        let daemon = try DaemonHarness()
        try daemon.writeConfig(interval: 0.2, extra: "capture: {interfaces: [\(name)], duration: 1.5, filter: \"udp\"}\n")
        try daemon.start()
        XCTAssertNotNil(daemon.waitForStatus { ($0["runs_completed"] as? Int ?? 0) >= 1 }, daemon.stderr)
        XCTAssertEqual((daemon.status()?["interfaces"] as? [String: String])?[name], "open")
        // Delete it during a capture window.
        XCTAssertNotNil(daemon.waitForStatus { $0["state"] as? String == "running" })
        usleep(300_000)
        XCTAssertEqual(shell("/sbin/ip", "link", "del", name), 0)
        let later = daemon.waitForStatus(timeout: 20) { ($0["runs_completed"] as? Int ?? 0) >= 4 }
        XCTAssertNotNil(later, "runs go on without the interface\n\(daemon.stderr)")
        let interfaces = later?["interfaces"] as? [String: String]
        XCTAssertTrue(interfaces?[name]?.contains("cannot open") == true, "\(String(describing: interfaces))")
        XCTAssertTrue(daemon.stderr.contains("\(name): capture") , daemon.stderr)
        let warnings = (later?["last_run"] as? [String: Any])?["warnings"] as? [String]
        XCTAssertTrue(warnings?.contains { $0.contains(name) } == true, "\(String(describing: warnings))")
        daemon.signal(SIGTERM)
        XCTAssertEqual(daemon.wait(), 0)
    }

    func testSIGTERMDuringACaptureWindowStopsPromptlyAndRecordsNothingHalfDone() throws {
        try requireRoot()
        let daemon = try DaemonHarness()
        try daemon.writeConfig(interval: 0.2, extra: "capture: {interfaces: [lo], duration: 30, filter: \"udp port 9\"}\n")
        try daemon.start()
        XCTAssertNotNil(daemon.waitForStatus { $0["state"] as? String == "running" }, daemon.stderr)
        let started = Date()
        daemon.signal(SIGTERM)
        XCTAssertEqual(daemon.wait(timeout: 10), 0, daemon.stderr)
        XCTAssertLessThan(Date().timeIntervalSince(started), 5, "the 30 s window is ended, not waited out")
        XCTAssertEqual(daemon.status()?["runs_abandoned"] as? Int, 1)
        XCTAssertTrue(daemon.stderr.contains("run abandoned"), daemon.stderr)
        XCTAssertEqual(try HistoryStore(path: daemon.database).runs().count, 0)
    }
}

/// Runs a program and returns its exit status (output discarded).
@discardableResult
func shell(_ arguments: String...) -> Int32 {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: arguments[0])
    process.arguments = Array(arguments.dropFirst())
    process.standardOutput = FileHandle.nullDevice
    process.standardError = FileHandle.nullDevice
    do { try process.run() } catch { return -1 }
    process.waitUntilExit()
    return process.terminationStatus
}
