import Foundation
import TestSupport
import XCTest

/// The gateway's side as a user runs it: the daemon sends each run, spools while the server is
/// away, keeps the spool across a restart; `circuit-audit upload` does the same for one audit.
final class GatewayUploadTests: FleetTestCase, @unchecked Sendable {
    func daemonConfig(server: String, gateway: TestGateway, output: URL) throws -> URL {
        let example = Corpus.packageRoot.appendingPathComponent("examples/gateway").path
        let config = directory.appendingPathComponent("daemon.yaml")
        try """
            schedule: {interval: 0.5}
            audit:
              organization: \(example)/organization.yaml
              root: \(example)/snapshot
              captures: [\(example)/traffic.pcap]
              policies: \(Corpus.packageRoot.appendingPathComponent("policies").path)
            output: {directory: \(output.path), keep: 3}
            alerts: {log: false}
            upload:
              server: \(server)
              signing_key: \(gateway.privateKeyPath)
              gateway: \(gateway.name)
              timeout: 5
              max_backoff: 1

            """.write(to: config, atomically: true, encoding: .utf8)
        return config
    }

    func runDaemon(_ config: URL, runs: Int) throws -> ProcessRunner.Result {
        try ProcessRunner.run(ServerProcess.binary, ["daemon", "--config", config.path, "--runs", String(runs)], timeout: 120)
    }

    func testTheDaemonSpoolsWhileTheServerIsAwayAndSendsEveryRunOnceItIsBack() throws {
        let port = try PostgresHarness.freePort()
        let gateway = try TestGateway("branch-gw", in: directory)
        let output = directory.appendingPathComponent("out")
        let config = try daemonConfig(server: "http://127.0.0.1:\(port)", gateway: gateway, output: output)

        // The server is not there: both runs are recorded on the gateway and wait in the spool.
        let away = try runDaemon(config, runs: 2)
        XCTAssertEqual(away.status, 0, away.stderr)
        let spool = output.appendingPathComponent("spool")
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: spool.path).filter { $0.hasSuffix(".tar.gz") }.count, 2, away.stderr)
        XCTAssertTrue(away.stderr.contains("fleet server unavailable"), away.stderr)

        // The server comes up on that port; the restarted daemon sends the spool first, then its own run.
        let serverConfig = directory.appendingPathComponent("server.yaml")
        try "listen: 127.0.0.1:\(port)\ndatabase: \"\(database)\"\n".write(to: serverConfig, atomically: true, encoding: .utf8)
        servers.append(try ServerProcess.start(configFile: serverConfig, in: directory))
        try enroll(gateway)
        let back = try runDaemon(config, runs: 1)
        XCTAssertEqual(back.status, 0, back.stderr)
        let deadline = Date().addingTimeInterval(20)
        while try count("runs") < 3, Date() < deadline { Thread.sleep(forTimeInterval: 0.3) }
        XCTAssertEqual(try count("runs"), 3, back.stderr)
        XCTAssertEqual(try count("runs", "trigger = 'schedule' AND next_run_due IS NOT NULL"), 3)
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: spool.path).filter { $0.hasSuffix(".tar.gz") }.count, 0)
    }

    func testUploadSendsAOneShotAuditOnceAndExits75WhileTheServerIsAway() throws {
        let gateway = try TestGateway("laptop-audit", in: directory)
        let audit = try gateway.auditDirectory(FleetFixtures.audit(at: Date()), named: "audit")
        let spool = directory.appendingPathComponent("spool").path
        let port = try PostgresHarness.freePort()
        let arguments = ["upload", "--in", audit, "--server", "http://127.0.0.1:\(port)", "--sign", gateway.privateKeyPath, "--gateway", gateway.name,
                         "--spool", spool, "--attempts", "1"]
        let away = try ProcessRunner.run(ServerProcess.binary, arguments, timeout: 60)
        XCTAssertEqual(away.status, 75, away.stderr)
        XCTAssertTrue(away.stderr.contains("stay in \(spool)"), away.stderr)

        let serverConfig = directory.appendingPathComponent("server.yaml")
        try "listen: 127.0.0.1:\(port)\ndatabase: \"\(database)\"\n".write(to: serverConfig, atomically: true, encoding: .utf8)
        servers.append(try ServerProcess.start(configFile: serverConfig, in: directory))
        try enroll(gateway)
        let sent = try ProcessRunner.run(ServerProcess.binary, arguments, timeout: 60)
        XCTAssertEqual(sent.status, 0, sent.stderr)
        XCTAssertEqual(try count("runs"), 1, "the audit spooled twice is one run: \(sent.stdout)")
        XCTAssertEqual(try count("runs", "trigger = 'manual'"), 1)

        // A gateway the server does not know: refused for good, set aside, exit 65.
        let stranger = try TestGateway("stranger", in: directory)
        let refused = try ProcessRunner.run(ServerProcess.binary, ["upload", "--in", audit, "--server", "http://127.0.0.1:\(port)", "--sign", stranger.privateKeyPath,
                                                                   "--gateway", "stranger", "--spool", spool], timeout: 60)
        XCTAssertEqual(refused.status, 65, refused.stderr)
        XCTAssertTrue(refused.stderr.contains("not enrolled"), refused.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: spool + "/rejected"))
    }
}
