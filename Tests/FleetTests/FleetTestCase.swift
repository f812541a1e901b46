import Foundation
import TestSupport
import XCTest

/// A test case with a PostgreSQL of its class, a database and a working directory per test,
/// and the servers it started stopped at the end.
class FleetTestCase: XCTestCase, @unchecked Sendable {
    nonisolated(unsafe) static var postgres: PostgresHarness?
    var database = ""
    var directory: URL!
    var servers: [ServerProcess] = []

    override class func tearDown() {
        postgres?.shutdown()
        postgres = nil
        super.tearDown()
    }

    override func setUpWithError() throws {
        if Self.postgres == nil { Self.postgres = try PostgresHarness.start() }
        database = try Self.postgres!.makeDatabase()
        directory = try FleetFixtures.temporaryDirectory(String(describing: type(of: self)))
        try addUser(HTTP.reader.name, password: HTTP.reader.password, role: "admin")
    }

    /// Adds a console account through the command an administrator runs.
    func addUser(_ name: String, password: String, role: String) throws {
        let file = directory.appendingPathComponent("password-\(name)")
        try Data((password + "\n").utf8).write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        let result = try ProcessRunner.run(ServerProcess.binary, ["server", "user", "add", "--database-url", database, "--name", name, "--role", role,
                                                                  "--password-file", file.path], timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    override func tearDownWithError() throws {
        for server in servers { server.kill() }
        servers = []
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    var postgres: PostgresHarness { Self.postgres! }

    func startServer(_ name: String = "server", extra: String = "") throws -> ServerProcess {
        let server = try ServerProcess.start(database: database, in: directory, name: name, extra: extra)
        servers.append(server)
        return server
    }

    /// Enrols through the command a user runs.
    func enroll(_ gateway: TestGateway, site: String? = nil, schedule: Int = 3600) throws {
        var arguments = ["server", "enroll", "--database-url", database, "--name", gateway.name, "--pub", gateway.publicKeyPath, "--schedule", String(schedule)]
        if let site { arguments += ["--site", site] }
        let result = try ProcessRunner.run(ServerProcess.binary, arguments, timeout: 120)
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    func sql(_ statement: String) throws -> String { try postgres.psql(database, statement) }

    func count(_ table: String, _ condition: String = "true") throws -> Int { Int(try sql("SELECT count(*) FROM \(table) WHERE \(condition)")) ?? -1 }

    /// POSTs a bundle as a gateway would.
    func send(_ bundle: Data, to server: ServerProcess) throws -> HTTP.Answer {
        let file = directory.appendingPathComponent("body-\(UUID().uuidString.prefix(8)).tar.gz")
        try bundle.write(to: file)
        defer { try? FileManager.default.removeItem(at: file) }
        return try HTTP.post(server.url + "/api/v1/runs", file: file.path)
    }
}
