import Foundation
import Inventory
import TestSupport
import XCTest

/// A gateway tree in a temporary directory: files at their gateway paths, command outputs in state/.
struct GatewayTree {
    let root: String

    init() throws {
        root = FileManager.default.temporaryDirectory.appendingPathComponent("gateway-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: root, withIntermediateDirectories: true)
    }

    func write(_ gatewayPath: String, _ text: String) throws {
        let path = root + gatewayPath
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(text.utf8).write(to: URL(fileURLWithPath: path))
    }

    func state(_ name: String, _ text: String) throws { try write("/state/" + name, text) }

    var system: SystemView { SystemView(.tree(root: root)) }
}

/// Runs a real tool (wg, openvpn, pki...) and returns its standard output.
enum RealTool {
    static func path(_ name: String) -> String? {
        ["/usr/bin/", "/usr/sbin/", "/bin/", "/sbin/"].map { $0 + name }.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    /// Skips the test when the tool is missing, except in CI where scripts/setup installs it.
    static func require(_ name: String) throws -> String {
        if name.hasPrefix("/") { return name }
        if let path = path(name) { return path }
        if Corpus.isRequired { XCTFail("\(name) is not installed: scripts/setup installs it"); throw XCTSkip() }
        throw XCTSkip("\(name) is not installed (scripts/setup installs it)")
    }

    @discardableResult
    static func run(_ name: String, _ arguments: [String], input: String? = nil) throws -> String {
        try ProcessRunner.run(try require(name), arguments, input: input ?? "").stdout.trimmingCharacters(in: .whitespacesAndNewlines)
    }
}

extension Inventory {
    func items(_ technology: String) -> [ConfigItem] { items.filter { $0.technology == technology } }
}

/// What every collector owes the secrets in its files.
enum SecretChecks {
    /// None of `secrets` is in `inventory` (what `collector` found in `tree`) nor in the snapshot
    /// it writes, and the snapshot's redacted `files` read back to the same items. Returns the
    /// snapshot's text, for checks of what it must keep.
    @discardableResult
    static func assertKept(_ secrets: [String], by collector: any Collector, in tree: GatewayTree, inventory: Inventory, files: [String],
                           file: StaticString = #filePath, line: UInt = #line) throws -> String {
        let json = String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self)
        let out = try Scratch.directory() + "/snapshot"
        try Snapshot.write(from: tree.system, collectors: [collector], to: out, toolVersion: "test")
        let snapshot = GatewayTree.text(under: out)
        for secret in secrets {
            XCTAssertFalse(json.contains(secret), "the inventory holds \(secret)", file: file, line: line)
            XCTAssertFalse(snapshot.contains(secret), "the snapshot holds \(secret)", file: file, line: line)
        }
        let copied = try GatewayTree()
        for path in files { try copied.write(path, try Scratch.read(out + path)) }
        XCTAssertEqual(Inventory.collect(from: copied.system, collectors: [collector]).items, inventory.items,
                       "the redacted copy reads to the same items", file: file, line: line)
        return snapshot
    }
}
