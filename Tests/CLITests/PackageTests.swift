import Foundation
import TestSupport
import XCTest

/// The Debian package as an administrator meets it (`scripts/package`): lintian finds no error;
/// `dpkg -i` installs it on this machine, makes the system user and a 0700 state directory and
/// enables nothing; the installed binary audits the demo from the installed paths; an upgrade
/// keeps the administrator's edited configuration; `dpkg --purge` leaves nothing behind.
final class PackageTests: XCTestCase {
    func run(_ program: String, _ arguments: [String], in directory: URL? = nil) throws -> ProcessRunner.Result {
        try ProcessRunner.run(program, arguments, environment: ["DEBIAN_FRONTEND": "noninteractive"], directory: directory, timeout: 600)
    }

    func testThePackageInstallsRunsUpgradesKeepingTheAdministratorsEditsAndPurgesClean() throws {
        let tools = ["/usr/bin/dpkg-deb", "/usr/bin/lintian", "/usr/bin/help2man"]
        guard geteuid() == 0, tools.allSatisfy(FileManager.default.isExecutableFile(atPath:)) else {
            if Corpus.isRequired && geteuid() == 0 { XCTFail("dpkg-dev, lintian or help2man is missing: scripts/setup installs them") }
            throw XCTSkip("installing a package needs root and dpkg-dev, lintian, help2man (scripts/setup)")
        }
        guard try run("/usr/bin/dpkg-query", ["-W", "circuit-audit"]).status != 0 else {
            throw XCTSkip("circuit-audit is installed on this machine; the test would replace it")
        }
        let work = FileManager.default.temporaryDirectory.appendingPathComponent("package-\(UUID().uuidString.prefix(8))")
        try FileManager.default.createDirectory(at: work, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: work) }
        let script = Corpus.packageRoot.appendingPathComponent("scripts/package").path
        func build(_ version: String, daemonYAML: String? = nil) throws -> String {
            var arguments = ["--binary", CommandRunner.binary, "--version", version, "--out", work.path]
            if let daemonYAML { arguments += ["--daemon-yaml", daemonYAML] }
            let result = try run(script, arguments)
            XCTAssertEqual(result.status, 0, result.stderr)
            return result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)
        }

        let first = try build("1.0.0")
        // The debug binary the tests package keeps the toolchain's RUNPATH (/opt/swift); the release
        // package (static Swift runtime) has none, and lintian finds nothing in it at all.
        let lint = try run("/usr/bin/lintian", ["--fail-on", "error", "--suppress-tags", "custom-library-search-path", first])
        XCTAssertEqual(lint.status, 0, "lintian errors:\n\(lint.stdout)\(lint.stderr)")
        XCTAssertFalse(lint.stdout.contains("E: "), lint.stdout)

        let install = try run("/usr/bin/dpkg", ["-i", first])
        XCTAssertEqual(install.status, 0, install.stdout + install.stderr)
        defer { _ = try? run("/usr/bin/dpkg", ["--purge", "circuit-audit"]) }
        for path in ["/usr/bin/circuit-audit", "/usr/share/circuit-audit/policies/circular32.yaml", "/usr/share/circuit-audit/examples/gateway/traffic.pcap",
                     "/etc/circuit-audit/daemon.yaml", "/lib/systemd/system/circuit-audit.service", "/usr/share/man/man1/circuit-audit-audit.1.gz",
                     "/usr/share/bash-completion/completions/circuit-audit", "/usr/share/doc/circuit-audit/copyright"] {
            XCTAssertTrue(FileManager.default.fileExists(atPath: path), "\(path) is installed")
        }
        XCTAssertEqual(try run("/usr/bin/getent", ["passwd", "circuit-audit"]).status, 0, "the system user exists")
        let state = try FileManager.default.attributesOfItem(atPath: "/var/lib/circuit-audit")
        XCTAssertEqual((state[.posixPermissions] as? Int) ?? 0, 0o700)
        XCTAssertEqual(state[.ownerAccountName] as? String, "circuit-audit")
        for wants in ["multi-user.target.wants/circuit-audit.service", "timers.target.wants/circuit-audit.timer"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: "/etc/systemd/system/" + wants), "\(wants): nothing is enabled unasked")
        }
        let manual = try run("/bin/gzip", ["-dc", "/usr/share/man/man1/circuit-audit-audit.1.gz"]).stdout
        XCTAssertTrue(manual.contains(".TH CIRCUIT-AUDIT-AUDIT") && manual.contains("demo"), "the man page is the command's help")

        // The installed binary, from a directory that is not a checkout, finds its installed files.
        let audit = try run("/usr/bin/circuit-audit", ["audit", "--demo", "--out", work.appendingPathComponent("audit").path], in: work)
        XCTAssertTrue([0, 1].contains(audit.status), audit.stderr)
        XCTAssertTrue(FileManager.default.fileExists(atPath: work.appendingPathComponent("audit/findings.json").path), audit.stderr)

        // The administrator edits the configuration; the next version ships another default.
        let config = "/etc/circuit-audit/daemon.yaml"
        let edited = try String(contentsOfFile: config, encoding: .utf8).replacingOccurrences(of: "keep: 48", with: "keep: 12") + "# edited by the administrator\n"
        try edited.write(toFile: config, atomically: false, encoding: .utf8)
        let newDefault = work.appendingPathComponent("daemon.yaml")
        try (try String(contentsOfFile: Corpus.packageRoot.appendingPathComponent("packaging/debian/daemon.yaml").path, encoding: .utf8)
            + "# a new default in 1.0.1\n").write(to: newDefault, atomically: true, encoding: .utf8)
        let second = try build("1.0.1", daemonYAML: newDefault.path)
        let upgrade = try run("/usr/bin/dpkg", ["--force-confdef", "--force-confold", "-i", second])
        XCTAssertEqual(upgrade.status, 0, upgrade.stdout + upgrade.stderr)
        XCTAssertEqual(try run("/usr/bin/dpkg-query", ["-W", "-f=${Version}", "circuit-audit"]).stdout, "1.0.1")
        XCTAssertEqual(try String(contentsOfFile: config, encoding: .utf8), edited, "the administrator's edit is kept")
        XCTAssertTrue(try String(contentsOfFile: config + ".dpkg-dist", encoding: .utf8).contains("a new default in 1.0.1"), "the new default waits beside it")

        let purge = try run("/usr/bin/dpkg", ["--purge", "circuit-audit"])
        XCTAssertEqual(purge.status, 0, purge.stdout + purge.stderr)
        for path in ["/usr/bin/circuit-audit", "/usr/share/circuit-audit", "/etc/circuit-audit", "/var/lib/circuit-audit", "/lib/systemd/system/circuit-audit.service"] {
            XCTAssertFalse(FileManager.default.fileExists(atPath: path), "\(path) is gone after purge")
        }
        XCTAssertNotEqual(try run("/usr/bin/getent", ["passwd", "circuit-audit"]).status, 0, "the system user is gone")
        XCTAssertNotEqual(try run("/usr/bin/dpkg-query", ["-W", "circuit-audit"]).status, 0)
    }
}
