import FleetStore
import FleetUpload
import Foundation
import Reports
import TestSupport
import XCTest

/// Nothing is lost and nothing is stored twice when the server dies, when PostgreSQL stops, and
/// when two servers share one database.
final class ReliabilityTests: FleetTestCase, @unchecked Sendable {
    /// Spools `count` distinct runs of `gateway`, oldest first.
    func spoolRuns(_ count: Int, of gateway: TestGateway, in spool: Spool) throws -> [String] {
        let start = Date(timeIntervalSinceNow: -Double(count) * 3600)
        return try (0..<count).map { index in
            let id = String(format: "20261201T%06dZ-%06d", index, index + 1)
            try spool.add(try gateway.bundle(FleetFixtures.audit(at: start.addingTimeInterval(Double(index) * 3600), dropping: index % 3), runID: id), runID: id)
            return id
        }
    }

    func uploader(_ url: String) throws -> FleetUploader {
        try FleetUploader(configuration: UploadConfiguration(server: URL(string: url)!, timeout: 10, maxBackoff: 1), logger: FleetFixtures.logger)
    }

    /// Every stored run is whole: all its files, and one finding per circuit of its audit.
    func assertEveryRunWhole(_ expected: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        XCTAssertEqual(try count("runs"), expected.count, "each run stored exactly once", file: file, line: line)
        XCTAssertEqual(Set(try sql("SELECT run_id FROM runs").split(separator: "\n").map(String.init)), Set(expected), file: file, line: line)
        let broken = try sql("""
            SELECT r.run_id FROM runs r
            WHERE (SELECT count(*) FROM run_members m WHERE m.run = r.id) <> (SELECT count(*) FROM run_members m WHERE m.run = (SELECT min(id) FROM runs))
               OR (SELECT count(*) FROM findings f WHERE f.run = r.id) <> r.circuits
            """)
        XCTAssertEqual(broken, "", "no half-stored run", file: file, line: line)
    }

    func testKillingTheServerDuringUploadsLosesNoRunAndStoresNoneTwice() async throws {
        let port = try PostgresHarness.freePort()
        var server = try startServer(extra: "")
        server.kill()
        let listen = "listen: 127.0.0.1:\(port)\n"
        let config = directory.appendingPathComponent("server.yaml")
        try (try String(contentsOf: config, encoding: .utf8)).replacingOccurrences(of: "listen: 127.0.0.1:0\n", with: listen).write(to: config, atomically: true, encoding: .utf8)
        let gateway = try TestGateway("gw", in: directory)
        try enroll(gateway)
        let spool = Spool(directory: directory.appendingPathComponent("spool").path)
        let runs = try spoolRuns(50, of: gateway, in: spool)
        let sender = try uploader("http://127.0.0.1:\(port)")

        server = try restart(config)
        // Ten times: drain while the server is killed (SIGKILL) at a random moment, then start it again.
        var kills = 0
        while !spool.pending().isEmpty && kills < 10 {
            let drain = Task { await sender.drain(spool) }
            try await Task.sleep(for: .milliseconds(Int.random(in: 30...600)))
            server.kill(SIGKILL)
            kills += 1
            _ = await drain.value
            server = try restart(config)
        }
        // Then the gateway goes on as it would, with the server up, until its spool is empty.
        var last = await sender.drain(spool)
        let deadline = Date().addingTimeInterval(300)
        while last.unavailable != nil, Date() < deadline {
            if !server.process.isRunning { server = try restart(config) }
            try await Task.sleep(for: .seconds(1))
            last = await sender.drain(spool)
        }
        await sender.shutdown()
        XCTAssertNil(last.unavailable)
        XCTAssertTrue(spool.pending().isEmpty, "the spool delivered every run")
        XCTAssertTrue((try? FileManager.default.contentsOfDirectory(atPath: spool.rejectedDirectory))?.isEmpty ?? true, "no run was refused")
        XCTAssertGreaterThanOrEqual(kills, 3)
        try assertEveryRunWhole(runs)
    }

    private func restart(_ config: URL) throws -> ServerProcess {
        let server = try ServerProcess.start(configFile: config, in: directory)
        servers.append(server)
        return server
    }

    func testAStoppedDatabaseAnswers503WhileTheGatewaySpoolsThenEveryRunArrivesOnce() async throws {
        let server = try startServer()
        let gateway = try TestGateway("gw", in: directory)
        try enroll(gateway)
        let spool = Spool(directory: directory.appendingPathComponent("spool").path)
        let runs = try spoolRuns(3, of: gateway, in: spool)
        let sender = try uploader(server.url)

        try postgres.stopServer()
        let answer = try send(try Data(contentsOf: URL(fileURLWithPath: spool.pending()[0].path)), to: server)
        XCTAssertEqual(answer.status, 503, answer.body)
        XCTAssertEqual((answer.json as? [String: String])?["error"], "database_unavailable")
        XCTAssertTrue(answer.headers.lowercased().contains("retry-after"), answer.headers)
        XCTAssertEqual(try HTTP.get(server.url + "/healthz").status, 503)
        let during = await sender.drain(spool)
        XCTAssertNotNil(during.unavailable)
        XCTAssertEqual(spool.pending().count, 3, "the gateway keeps every run while the database is down")

        try postgres.startServer()
        var after = await sender.drain(spool)
        // The pool reconnects on its own backoff (up to a minute after a long outage).
        for _ in 0..<120 where after.unavailable != nil {
            try await Task.sleep(for: .seconds(1))
            after = await sender.drain(spool)
        }
        await sender.shutdown()
        XCTAssertNil(after.unavailable)
        XCTAssertTrue(spool.pending().isEmpty)
        try assertEveryRunWhole(runs)
        XCTAssertEqual(try HTTP.get(server.url + "/healthz").status, 200)
    }

    func testTwoServersOnOneDatabaseIngestTheSameRunsConcurrentlyWithoutDuplicates() async throws {
        let first = try startServer("first"), second = try startServer("second")
        let gateway = try TestGateway("gw", in: directory)
        try enroll(gateway)
        let spool = Spool(directory: directory.appendingPathComponent("spool").path)
        let runs = try spoolRuns(20, of: gateway, in: spool)
        let bundles = try spool.pending().map { try Data(contentsOf: URL(fileURLWithPath: $0.path)) }
        let one = try uploader(first.url), other = try uploader(second.url)
        // Every run sent to both at once: one stores it, the other finds it stored.
        let outcomes = await withTaskGroup(of: FleetUploader.Outcome.self) { group in
            for bundle in bundles {
                group.addTask { await one.send(bundle) }
                group.addTask { await other.send(bundle) }
            }
            return await group.reduce(into: []) { $0.append($1) }
        }
        await one.shutdown()
        await other.shutdown()
        let stored = outcomes.filter { if case .stored = $0 { true } else { false } }.count
        let duplicates = outcomes.filter { if case .duplicate = $0 { true } else { false } }.count
        XCTAssertEqual(stored, 20, "\(outcomes)")
        XCTAssertEqual(duplicates, 20, "\(outcomes)")
        try assertEveryRunWhole(runs)
    }
}
