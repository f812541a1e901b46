import Foundation
import TestSupport
import XCTest

/// Runs the built `circuit-audit` as a user would and collects what it says.
struct CommandRunner {
    typealias Result = ProcessRunner.Result

    static var binary: String {
        ProcessInfo.processInfo.environment["CIRCUIT_AUDIT_BIN"]
            ?? Corpus.packageRoot.appendingPathComponent(".build/debug/circuit-audit").path
    }

    static func run(_ arguments: [String], in directory: String? = nil, timeout: TimeInterval = 600) throws -> Result {
        guard FileManager.default.isExecutableFile(atPath: binary) else {
            throw XCTSkip("build the executable first (swift build) or set CIRCUIT_AUDIT_BIN")
        }
        return try ProcessRunner.run(binary, arguments, directory: directory.map { URL(fileURLWithPath: $0) }, timeout: timeout)
    }
}
