import Foundation
import Inventory
import TestSupport
import XCTest

/// Sample configuration files that Debian packages ship, read as installed.
enum DebianSample {
    /// The text of `path` (gunzipped when it ends in `.gz`); skips the test when the package is
    /// missing, except in CI where scripts/setup installs it.
    static func text(_ path: String, package: String) throws -> String {
        for candidate in [path, path + ".gz"] where FileManager.default.fileExists(atPath: candidate) {
            if candidate.hasSuffix(".gz") { return try RealTool.run("gzip", ["-dc", candidate]) + "\n" }
            return try String(contentsOfFile: candidate, encoding: .utf8)
        }
        if Corpus.isRequired { XCTFail("\(path) is missing: scripts/setup installs \(package)") }
        throw XCTSkip("\(path) is not installed (package \(package))")
    }

    /// The sample with the commented-out lines that start with each of `lines` turned on.
    static func enabling(_ text: String, _ lines: [String]) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            for wanted in lines {
                for marker in ["#", ";", "# ", "; "] where line.hasPrefix(marker + wanted) {
                    return String(line.dropFirst(marker.count))
                }
            }
            return String(line)
        }.joined(separator: "\n")
    }
}

enum Scratch {
    /// A new empty directory for a tool to write into.
    static func directory() throws -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tool-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
        return path
    }

    static func read(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }
}

extension Inventory {
    /// The warnings' descriptions, for `contains` checks.
    var warningTexts: [String] { warnings.map(\.description) }
}

/// Whether tests may create network namespaces (root with iproute2).
enum NetworkNamespace {
    static func run<T>(_ body: (_ namespace: String, _ ip: String) throws -> T) throws -> T {
        guard getuid() == 0, let ip = RealTool.path("ip") else { throw XCTSkip("needs root and iproute2") }
        let namespace = "ca-inv-\(getpid())-\(Int.random(in: 0..<100_000))"
        try RealTool.run(ip, ["netns", "add", namespace])
        defer { _ = try? RealTool.run(ip, ["netns", "del", namespace]) }
        return try body(namespace, ip)
    }
}
