import Audit
@preconcurrency import Crypto
import FleetUpload
import Foundation
import Logging
import Reports
import TestSupport
import XCTest

/// `circuit-audit server run` as a real process against a real PostgreSQL, so a test can kill
/// it (SIGKILL) mid-request and start it again.
final class ServerProcess: @unchecked Sendable {
    let process = Process()
    private(set) var url = ""
    let log: URL

    static var binary: String {
        ProcessInfo.processInfo.environment["CIRCUIT_AUDIT_BIN"] ?? Corpus.packageRoot.appendingPathComponent(".build/debug/circuit-audit").path
    }

    /// Starts a server on a free loopback port; returns once it listens.
    static func start(database: String, in directory: URL, name: String = "server", extra: String = "") throws -> ServerProcess {
        let config = directory.appendingPathComponent("\(name).yaml")
        try "listen: 127.0.0.1:0\ndatabase: \"\(database)\"\nstale_grace: 60\n\(extra)".write(to: config, atomically: true, encoding: .utf8)
        return try start(configFile: config, in: directory)
    }

    static func start(configFile config: URL, in directory: URL) throws -> ServerProcess {
        guard FileManager.default.isExecutableFile(atPath: binary) else { throw XCTSkip("build the executable first (swift build) or set CIRCUIT_AUDIT_BIN") }
        let name = config.deletingPathExtension().lastPathComponent
        let server = ServerProcess(log: directory.appendingPathComponent("\(name).log"))
        FileManager.default.createFile(atPath: server.log.path, contents: nil)
        server.process.executableURL = URL(fileURLWithPath: binary)
        server.process.arguments = ["server", "run", "--config", config.path]
        let output = Pipe()
        server.process.standardOutput = output
        server.process.standardError = try FileHandle(forWritingTo: server.log)
        try server.process.run()
        let lines = output.fileHandleForReading
        var buffer = Data()
        let deadline = Date().addingTimeInterval(60)
        while Date() < deadline {
            let chunk = lines.availableData
            if chunk.isEmpty { break }
            buffer.append(chunk)
            if let text = String(data: buffer, encoding: .utf8), let range = text.range(of: "listening on ") {
                server.url = String(text[range.upperBound...].prefix { !$0.isNewline })
                if text[range.upperBound...].contains(where: \.isNewline) { return server }
            }
        }
        server.kill()
        throw PostgresHarness.Failure("the server did not start: \((try? String(contentsOf: server.log, encoding: .utf8)) ?? "")")
    }

    private init(log: URL) { self.log = log }

    func kill(_ signal: Int32 = SIGKILL) {
        guard process.isRunning else { return }
        Foundation.kill(process.processIdentifier, signal)
        process.waitUntilExit()
    }

    var logText: String { (try? String(contentsOf: log, encoding: .utf8)) ?? "" }
}

/// A gateway of the tests: its name, its key (enrolled or not), and the runs it makes.
struct TestGateway: Sendable {
    let name: String
    let key: Curve25519.Signing.PrivateKey
    let directory: URL

    init(_ name: String, in directory: URL) throws {
        self.name = name
        self.directory = directory.appendingPathComponent(name)
        try FileManager.default.createDirectory(at: self.directory, withIntermediateDirectories: true)
        let privatePath = self.directory.appendingPathComponent("key").path
        if !FileManager.default.fileExists(atPath: privatePath) {
            try SigningKeys.generate(privatePath: privatePath, publicPath: privatePath + ".pub")
        }
        key = try SigningKeys.loadPrivate(privatePath)
    }

    var privateKeyPath: String { directory.appendingPathComponent("key").path }
    var publicKeyPath: String { privateKeyPath + ".pub" }

    /// An audit directory holding `audit` as its findings.json.
    func auditDirectory(_ audit: AuditResult, named: String) throws -> String {
        let path = directory.appendingPathComponent(named).path
        _ = try audit.write(to: path)
        return path
    }

    /// A signed run bundle of `audit`, as the daemon makes one.
    func bundle(_ audit: AuditResult, runID: String, signedBy other: Curve25519.Signing.PrivateKey? = nil, nextRunDue: Date? = nil) throws -> Data {
        let directory = try auditDirectory(audit, named: "audit-\(runID)")
        defer { try? FileManager.default.removeItem(atPath: directory) }
        let run = EvidenceBundle.Manifest.Run(gateway: name, id: runID, trigger: "schedule", nextRunDue: nextRunDue.map { ISO8601DateFormatter().string(from: $0) })
        return try EvidenceBundle.export(auditDirectory: directory, signingKey: other ?? key, run: run, toolVersion: "test")
    }
}

enum FleetFixtures {
    /// The demo gateway's audit, made once through the real pipeline.
    static let demo: AuditResult = try! DemoAudit.result()

    /// The demo audit as generated at `date`; `dropping` leaves out that many findings (and their
    /// circuits), so runs differ as a changing gateway's do.
    static func audit(at date: Date, dropping: Int = 0) -> AuditResult {
        var audit = demo
        audit.generatedAt = ISO8601DateFormatter().string(from: date)
        let dropped = Set(audit.findings.prefix(dropping).map(\.circuitID))
        audit.findings.removeAll { dropped.contains($0.circuitID) }
        audit.circuits.removeAll { dropped.contains($0.id) }
        return audit
    }

    static func temporaryDirectory(_ test: String) throws -> URL {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("circuit-audit-fleet-\(test)-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        return directory
    }

    static var logger: Logger {
        var logger = Logger(label: "fleet-tests")
        logger.logLevel = .critical
        return logger
    }
}

/// A small HTTP client for the tests, over curl: status and body of GET and POST.
enum HTTP {
    struct Answer {
        var status: Int
        var body: String
        var headers: String
        var json: Any? { try? JSONSerialization.jsonObject(with: Data(body.utf8)) }
    }

    /// The console account every test database has (`FleetTestCase` adds it), which the API's reads need.
    static let reader = (name: "fleet-tests", password: "a password for the fleet tests")

    static func get(_ url: String, signedIn: Bool = true) throws -> Answer {
        try curl(["-s", "-D", "-"] + (signedIn ? ["-u", "\(reader.name):\(reader.password)"] : []) + [url])
    }

    static func post(_ url: String, file: String, contentType: String = "application/gzip") throws -> Answer {
        try curl(["-s", "-D", "-", "-X", "POST", "-H", "Content-Type: \(contentType)", "--data-binary", "@\(file)", url])
    }

    static func curl(_ arguments: [String]) throws -> Answer {
        let result = try ProcessRunner.run("curl", ["--max-time", "60"] + arguments, timeout: 90)
        let parts = result.stdout.components(separatedBy: "\r\n\r\n")
        let headers = parts.first ?? ""
        let status = headers.split(separator: " ").dropFirst().first.flatMap { Int($0) } ?? 0
        return Answer(status: status, body: parts.dropFirst().joined(separator: "\r\n\r\n"), headers: headers)
    }
}
