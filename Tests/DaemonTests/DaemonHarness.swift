import Foundation
import TestSupport
import XCTest

/// Runs `circuit-audit daemon` as systemd would, in a scratch directory with its own config.
final class DaemonHarness {
    let directory: String
    var configPath: String { directory + "/daemon.yaml" }
    var output: String { directory + "/out" }
    var statusPath: String { output + "/status.json" }
    var database: String { output + "/history.sqlite" }
    private(set) var process: Process?
    private var stderrPath: String { directory + "/stderr.log" }

    static var binary: String {
        ProcessInfo.processInfo.environment["CIRCUIT_AUDIT_BIN"] ?? Corpus.packageRoot.appendingPathComponent(".build/debug/circuit-audit").path
    }

    init(directory: String? = nil) throws {
        guard FileManager.default.isExecutableFile(atPath: Self.binary) else {
            throw XCTSkip("build the executable first (swift build) or set CIRCUIT_AUDIT_BIN")
        }
        self.directory = directory ?? FileManager.default.temporaryDirectory.appendingPathComponent("daemon-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: self.directory, withIntermediateDirectories: true)
    }

    /// The demo gateway's configuration with `extra` YAML appended (alerts, privileges...).
    func writeConfig(interval: Double = 0.2, traffic: Bool = true, output: String? = nil, extra: String = "") throws {
        let example = Corpus.packageRoot.appendingPathComponent("examples/gateway").path
        let text = """
            schedule: {interval: \(interval)}
            audit:
              organization: \(example)/organization.yaml
              root: \(example)/snapshot
              captures: [\(traffic ? example + "/traffic.pcap" : "")]
              policies: \(Corpus.packageRoot.appendingPathComponent("policies").path)
            output: {directory: \(output ?? self.output), keep: 3}
            alerts: {log: false}

            """ + extra
        try text.write(toFile: configPath, atomically: true, encoding: .utf8)
    }

    /// Starts the daemon in the background.
    func start(_ arguments: [String] = []) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: Self.binary)
        process.arguments = ["daemon", "--config", configPath] + arguments
        FileManager.default.createFile(atPath: stderrPath, contents: nil)
        process.standardError = try FileHandle(forWritingTo: URL(fileURLWithPath: stderrPath))
        process.standardOutput = FileHandle.nullDevice
        try process.run()
        self.process = process
    }

    /// Runs the daemon to its end (`--runs N`) and returns its exit status.
    @discardableResult
    func run(_ arguments: [String], timeout: Double = 60) throws -> Int32 {
        try start(arguments)
        return wait(timeout: timeout)
    }

    func signal(_ number: Int32) {
        if let process { kill(process.processIdentifier, number) }
    }

    /// Waits for the daemon to exit; kills it after `timeout` seconds.
    @discardableResult
    func wait(timeout: Double = 30) -> Int32 {
        guard let process else { return -1 }
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < deadline { usleep(20_000) }
        if process.isRunning {
            kill(process.processIdentifier, SIGKILL)
            XCTFail("the daemon did not stop within \(timeout) s")
        }
        process.waitUntilExit()
        return process.terminationStatus
    }

    var stderr: String { (try? String(contentsOfFile: stderrPath, encoding: .utf8)) ?? "" }

    func status() -> [String: Any]? {
        guard let data = FileManager.default.contents(atPath: statusPath) else { return nil }
        return try? JSONSerialization.jsonObject(with: data) as? [String: Any]
    }

    /// Waits until `condition` holds on the status file.
    func waitForStatus(timeout: Double = 30, _ condition: ([String: Any]) -> Bool) -> [String: Any]? {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if let status = status(), condition(status) { return status }
            usleep(20_000)
        }
        return nil
    }

    /// Runs another `circuit-audit` subcommand and returns its status and stdout.
    func command(_ arguments: [String]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(Self.binary, arguments)
    }

    deinit {
        if let process, process.isRunning { kill(process.processIdentifier, SIGKILL) }
    }
}

/// Tests that mount file systems, create interfaces or change users need root.
func requireRoot() throws {
    if getuid() != 0 {
        if Corpus.isRequired { XCTFail("CI runs as root: this test must run") }
        throw XCTSkip("needs root")
    }
}
