import Foundation
import TestSupport
import XCTest

/// Runs the built `circuit-audit` as a user would and collects what it says.
struct CommandRunner {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
    }

    static var binary: String {
        ProcessInfo.processInfo.environment["CIRCUIT_AUDIT_BIN"]
            ?? Corpus.packageRoot.appendingPathComponent(".build/debug/circuit-audit").path
    }

    static func run(_ arguments: [String]) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("build the executable first (swift build) or set CIRCUIT_AUDIT_BIN")
        }
        return try execute(binary, arguments)
    }

    /// Runs any program (a path, or a name looked up on PATH) and waits for it, with `environment`
    /// added to this process's own.
    static func execute(_ program: String, _ arguments: [String], environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: program.hasPrefix("/") ? program : "/usr/bin/env")
        process.arguments = program.hasPrefix("/") ? arguments : [program] + arguments
        process.environment = ProcessInfo.processInfo.environment.merging(environment) { $1 }
        let out = Pipe()
        let err = Pipe()
        process.standardOutput = out
        process.standardError = err
        try process.run()
        let stdout = out.fileHandleForReading.readDataToEndOfFile()
        let stderr = err.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdout, as: UTF8.self),
                      stderr: String(decoding: stderr, as: UTF8.self))
    }
}
