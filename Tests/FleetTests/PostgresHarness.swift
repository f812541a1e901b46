import Foundation
import TestSupport
import XCTest

/// A real PostgreSQL for the fleet tests: `initdb` in a temporary directory, `pg_ctl` on a free
/// loopback port, trust authentication, removed at the end. As root (CI) the cluster belongs
/// to the `postgres` user, since PostgreSQL refuses to run as root. Each test makes a database
/// of its own.
final class PostgresHarness: @unchecked Sendable {
    let directory: URL
    let port: Int
    let user: String
    private let bin: String
    private var databases = 0

    static let asRoot = geteuid() == 0

    static func start() throws -> PostgresHarness {
        let versions = ((try? FileManager.default.contentsOfDirectory(atPath: "/usr/lib/postgresql")) ?? [])
            .compactMap(Int.init).sorted()
        guard let version = versions.last, FileManager.default.isExecutableFile(atPath: "/usr/lib/postgresql/\(version)/bin/initdb") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("PostgreSQL is not installed: scripts/setup installs it") }
            throw XCTSkip("PostgreSQL is not installed (scripts/setup installs it)")
        }
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("circuit-audit-pg-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o755])
        let harness = PostgresHarness(directory: directory, port: try freePort(), user: asRoot ? "postgres" : NSUserName(),
                                      bin: "/usr/lib/postgresql/\(version)/bin")
        if asRoot { _ = try ProcessRunner.run("/bin/chown", ["postgres:", directory.path]) }
        let initdb = try harness.asOwner("\(harness.bin)/initdb", ["-D", harness.data, "-U", harness.user, "--auth=trust", "-E", "UTF8", "--locale=C.UTF-8"])
        guard initdb.status == 0 else { throw Failure("initdb failed: \(initdb.stdout)\(initdb.stderr)") }
        try harness.startServer()
        return harness
    }

    struct Failure: Error, CustomStringConvertible {
        var description: String
        init(_ description: String) { self.description = description }
    }

    private init(directory: URL, port: Int, user: String, bin: String) {
        self.directory = directory
        self.port = port
        self.user = user
        self.bin = bin
    }

    var data: String { directory.appendingPathComponent("data").path }

    private func asOwner(_ program: String, _ arguments: [String]) throws -> ProcessRunner.Result {
        Self.asRoot ? try ProcessRunner.run("/usr/sbin/runuser", ["-u", "postgres", "--", program] + arguments, timeout: 120)
            : try ProcessRunner.run(program, arguments, timeout: 120)
    }

    /// Starts (or starts again after `stop`) the server on the same port and data. Through a
    /// python `subprocess` with `close_fds`: Foundation's Process learns of its child's exit by a
    /// descriptor the child inherits, and the postmaster, which outlives pg_ctl, would keep it open.
    func startServer() throws {
        let command = (Self.asRoot ? ["/usr/sbin/runuser", "-u", "postgres", "--"] : []) + [
            "\(bin)/pg_ctl", "-D", data, "-l", directory.appendingPathComponent("server.log").path, "-w", "-t", "60",
            "-o", "-c listen_addresses=127.0.0.1 -p \(port) -k \(directory.path) -c max_connections=200", "start"]
        let detached = "import subprocess, sys; sys.exit(subprocess.run(sys.argv[1:], close_fds=True, stdin=subprocess.DEVNULL, "
            + "stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL).returncode)"
        let result = try ProcessRunner.run("python3", ["-c", detached] + command, timeout: 120)
        guard result.status == 0 else {
            let log = (try? String(contentsOf: directory.appendingPathComponent("server.log"), encoding: .utf8)) ?? ""
            throw Failure("pg_ctl start failed (\(result.status)):\n\(log)")
        }
    }

    /// Stops the server at once (fast shutdown: connections are cut, nothing half-committed stays).
    func stopServer() throws {
        _ = try asOwner("\(bin)/pg_ctl", ["-D", data, "-m", "fast", "-w", "stop"])
    }

    /// A new empty database; returns its URL.
    func makeDatabase() throws -> String {
        databases += 1
        let name = "fleet_\(databases)"
        let result = try asOwner("\(bin)/createdb", ["-h", "127.0.0.1", "-p", String(port), "-U", user, name])
        guard result.status == 0 else { throw Failure("createdb failed: \(result.stderr)") }
        return "postgres://\(user)@127.0.0.1:\(port)/\(name)?sslmode=disable"
    }

    /// Runs SQL with psql and returns its unaligned, tuples-only output.
    func psql(_ url: String, _ sql: String) throws -> String {
        let result = try ProcessRunner.run("psql", ["-X", "-A", "-t", "-v", "ON_ERROR_STOP=1", url.replacingOccurrences(of: "?sslmode=disable", with: ""), "-c", sql])
        guard result.status == 0 else { throw Failure("psql failed: \(result.stderr)") }
        return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }

    func shutdown() {
        try? stopServer()
        try? FileManager.default.removeItem(at: directory)
    }

    static func freePort() throws -> Int {
        let descriptor = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(descriptor) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(descriptor, $0, length) == 0 && getsockname(descriptor, $0, &length) == 0 }
        }
        guard bound else { throw Failure("no free port: \(String(cString: strerror(errno)))") }
        return Int(UInt16(bigEndian: address.sin_port))
    }
}
