import Foundation
import TestSupport
import XCTest

/// The binary copied away from its checkout, as any installation does: it finds its policies
/// and demo from `--policies`, then `CIRCUIT_AUDIT_HOME`, then the share directory beside it,
/// and says where it looked when it finds nothing.
final class InstallationTests: XCTestCase {
    private var directory: URL!
    private let checkout = Corpus.packageRoot
    /// No inherited home: each test says what it sets.
    private let noHome = ["CIRCUIT_AUDIT_HOME": ""]

    override func setUpWithError() throws {
        guard FileManager.default.isExecutableFile(atPath: CommandRunner.binary) else {
            throw XCTSkip("build the executable first (swift build) or set CIRCUIT_AUDIT_BIN")
        }
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("installation-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if let directory { try? FileManager.default.removeItem(at: directory) }
    }

    /// `PREFIX/bin/circuit-audit`, a copy of the built binary (a hard link where the file system allows).
    private func installBinary(under prefix: String) throws -> String {
        let bin = directory.appendingPathComponent(prefix).appendingPathComponent("bin")
        try FileManager.default.createDirectory(at: bin, withIntermediateDirectories: true)
        let target = bin.appendingPathComponent("circuit-audit").path
        if link(CommandRunner.binary, target) != 0 { try FileManager.default.copyItem(atPath: CommandRunner.binary, toPath: target) }
        return target
    }

    /// The tool's files as a package lays them out: `ROOT/policies`, `ROOT/examples`, `ROOT/schemas`.
    private func shareTree(at root: URL) throws {
        try FileManager.default.createDirectory(at: root, withIntermediateDirectories: true)
        for name in ["policies", "examples", "schemas"] {
            try FileManager.default.copyItem(at: checkout.appendingPathComponent(name), to: root.appendingPathComponent(name))
        }
    }

    private func run(_ binary: String, _ arguments: [String], environment: [String: String] = [:]) throws -> ProcessRunner.Result {
        try ProcessRunner.run(binary, arguments, environment: noHome.merging(environment) { $1 }, directory: directory, timeout: 300)
    }

    func testACopiedBinaryAuditsWithTheGivenPoliciesAndNeedsNoCheckout() throws {
        let binary = try installBinary(under: "elsewhere")
        let example = checkout.appendingPathComponent("examples/gateway")
        let out = directory.appendingPathComponent("audit").path
        let result = try run(binary, ["audit", "--policies", checkout.appendingPathComponent("policies").path,
                                      "--org", example.appendingPathComponent("organization.yaml").path,
                                      "--root", example.appendingPathComponent("snapshot").path,
                                      "--pcap", example.appendingPathComponent("traffic.pcap").path, "--out", out])
        XCTAssertEqual(result.status, 1, "the example has HIGH findings\n\(result.stderr)")
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/findings.json"), result.stderr)
        XCTAssertEqual(try run(binary, ["policy", "check", checkout.appendingPathComponent("policies").path]).status, 0)
    }

    func testWithNothingInstalledTheDemoSaysWhereItLookedAndExits2() throws {
        let binary = try installBinary(under: "elsewhere")
        let result = try run(binary, ["audit", "--demo", "--out", directory.appendingPathComponent("out").path])
        XCTAssertEqual(result.status, 2, result.stderr)
        XCTAssertTrue(result.stderr.contains("cannot find the tool's examples/gateway/organization.yaml"), result.stderr)
        XCTAssertTrue(result.stderr.contains(directory.appendingPathComponent("elsewhere/share/circuit-audit").path + " (beside the binary)"), result.stderr)
        XCTAssertEqual(result.stderr.split(separator: "\n").count, 1, "one line: \(result.stderr)")
        let check = try run(binary, ["policy", "check"])
        XCTAssertEqual(check.status, 65, check.stderr)
        XCTAssertTrue(check.stderr.contains("pass --policies DIR"), check.stderr)
    }

    func testAnInstalledLayoutRunsTheDemoFromTheShareDirectoryBesideTheBinary() throws {
        let binary = try installBinary(under: "usr-local")
        try shareTree(at: directory.appendingPathComponent("usr-local/share/circuit-audit"))
        let out = directory.appendingPathComponent("demo").path
        let result = try run(binary, ["audit", "--demo", "--out", out])
        XCTAssertEqual(result.status, 1, result.stderr)
        XCTAssertTrue(result.stdout.contains("for legal review"), result.stdout)
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/findings.json"))
        let check = try run(binary, ["policy", "check"])
        XCTAssertEqual(check.status, 0, check.stderr)
        XCTAssertTrue(check.stdout.hasPrefix(directory.appendingPathComponent("usr-local/share/circuit-audit/policies").path), check.stdout)
    }

    func testCircuitAuditHomeWinsOverTheShareDirectoryAndPoliciesWinsOverBoth() throws {
        let binary = try installBinary(under: "opt")
        // Beside the binary, a broken policy file: it must not be the one read.
        let beside = directory.appendingPathComponent("opt/share/circuit-audit")
        try shareTree(at: beside)
        try "rules: [unclosed\n".write(to: beside.appendingPathComponent("policies/circular32.yaml"), atomically: true, encoding: .utf8)
        let home = directory.appendingPathComponent("home")
        try shareTree(at: home)

        let fromHome = try run(binary, ["policy", "check"], environment: ["CIRCUIT_AUDIT_HOME": home.path])
        XCTAssertEqual(fromHome.status, 0, fromHome.stderr)
        XCTAssertTrue(fromHome.stdout.hasPrefix(home.appendingPathComponent("policies").path), fromHome.stdout)

        let fromBeside = try run(binary, ["policy", "check"])
        XCTAssertEqual(fromBeside.status, 65, "the broken file beside the binary is read when nothing else is named")
        XCTAssertTrue(fromBeside.stderr.contains(beside.appendingPathComponent("policies/circular32.yaml").path), fromBeside.stderr)

        let demo = try run(binary, ["audit", "--demo", "--policies", home.appendingPathComponent("policies").path,
                                    "--out", directory.appendingPathComponent("demo").path])
        XCTAssertEqual(demo.status, 1, "--policies is used although the installation's own file is broken\n\(demo.stderr)")
    }
}
