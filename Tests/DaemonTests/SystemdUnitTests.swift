import Foundation
import TestSupport
import XCTest

/// The shipped systemd units: `systemd-analyze verify` accepts them, and they keep their hardening.
final class SystemdUnitTests: XCTestCase {
    private let units = ["circuit-audit.service", "circuit-audit-oneshot.service", "circuit-audit.timer"]

    private func text(_ unit: String) throws -> String {
        try String(contentsOf: Corpus.packageRoot.appendingPathComponent("scripts/systemd/\(unit)"), encoding: .utf8)
    }

    func testSystemdAnalyzeVerifyAcceptsTheUnits() throws {
        let analyzer = ["/usr/bin/systemd-analyze", "/bin/systemd-analyze"].first { FileManager.default.isExecutableFile(atPath: $0) }
        guard let analyzer else {
            if Corpus.isRequired { return XCTFail("systemd-analyze is missing: scripts/setup installs systemd") }
            throw XCTSkip("systemd-analyze is not installed")
        }
        // The units name the installed binary; verify them against the one just built.
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("units-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        for unit in units {
            try text(unit).replacingOccurrences(of: "/usr/local/bin/circuit-audit", with: DaemonHarness.binary)
                .write(to: directory.appendingPathComponent(unit), atomically: true, encoding: .utf8)
        }
        let result = try ProcessRunner.run(analyzer, ["verify"] + units.map { directory.appendingPathComponent($0).path })
        let message = result.stderr
        // Lines about the machine's own units (not ours) are not ours to judge.
        let ours = message.split(separator: "\n").filter { line in units.contains { line.contains($0) } }
        XCTAssertEqual(result.status, 0, message)
        XCTAssertEqual(ours, [], message)
    }

    func testServiceIsHardened() throws {
        for unit in ["circuit-audit.service", "circuit-audit-oneshot.service"] {
            let text = try text(unit)
            for setting in ["ProtectSystem=strict", "NoNewPrivileges=yes", "CapabilityBoundingSet=CAP_NET_RAW", "PrivateTmp=yes",
                            "ReadWritePaths=/var/lib/circuit-audit", "AmbientCapabilities=", "UMask=0077"] {
                XCTAssertTrue(text.contains(setting), "\(unit) lacks \(setting)")
            }
        }
        XCTAssertTrue(try text("circuit-audit.service").contains("ExecReload=/bin/kill -HUP $MAINPID"))
        XCTAssertTrue(try text("circuit-audit-oneshot.service").contains("--runs 1"))
        XCTAssertTrue(try text("circuit-audit.timer").contains("Unit=circuit-audit-oneshot.service"))
    }
}
