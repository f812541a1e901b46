import Foundation
import TestSupport
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Every command that takes a path, given every form of path a user might type — one
/// character, `.`, `..`, `./x`, a trailing slash, absolute, spaces, 审计, 255- and 4,096-byte
/// names, a directory where a file is expected and the reverse, a missing or unwritable parent,
/// links, `/dev/null`, a FIFO — run as a user runs the binary. None may trap or hang; each exits
/// with a code its help documents; a failure says so in one line naming the path; an ordinary
/// name works.
final class PathMatrixTests: XCTestCase {
    /// Where one command takes a path, what the command line around it is, and what a valid
    /// object at that path is (nil for an output: nothing is there before the command runs).
    private struct Slot {
        var name: String
        var arguments: (String) -> [String]
        var codes: Set<Int32>
        var expects: Expected
        var fixture: String?
        /// False for keygen, which never writes where anything (even a link) already is.
        var overwrites = true

        enum Expected { case file, directory }
        var isOutput: Bool { fixture == nil }
    }

    /// A path form: the text given on the command line (relative to the case's own working
    /// directory unless absolute), how to set it up, and whether an ordinary command must succeed.
    private struct Form {
        var name: String
        var path: (_ caseDirectory: String) -> String
        var setUp: (_ slot: Slot, _ path: String, _ caseDirectory: String) throws -> Void
        var mustWork: Bool
    }

    private static let traps: Set<Int32> = [SIGILL, SIGABRT, SIGSEGV, SIGTRAP, SIGBUS, SIGFPE]

    private var sandbox = ""
    private let manager = FileManager.default

    override func setUpWithError() throws {
        sandbox = manager.temporaryDirectory.appendingPathComponent("paths-\(UUID().uuidString)").path
        try manager.createDirectory(atPath: sandbox, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        if geteuid() != 0 { chmod(sandbox + "/unwritable", 0o700) }
        try? manager.removeItem(atPath: sandbox)
        XCTAssertEqual(try manager.attributesOfItem(atPath: "/dev/null")[.type] as? FileAttributeType, .typeCharacterSpecial,
                       "/dev/null is still the device")
    }

    private func copy(_ source: String, to destination: String) throws {
        let parent = (destination.hasSuffix("/") ? String(destination.dropLast()) : destination)
        try manager.copyItem(atPath: source, toPath: parent)
    }

    private func run(_ arguments: [String], in directory: String? = nil) throws -> CommandRunner.Result {
        try CommandRunner.run(arguments, in: directory, timeout: 60)
    }

    /// The inputs every slot reads: an audit, a key pair, a pseudonymisation key, a bundle, a
    /// daemon configuration and a history, all made by the binary itself.
    private func fixtures() throws -> [Slot] {
        let root = Corpus.packageRoot.path
        let snapshot = root + "/examples/gateway/snapshot", organization = root + "/examples/gateway/organization.yaml"
        let capture = root + "/examples/gateway/traffic.pcap", policies = root + "/policies"
        let database = root + "/Tests/GeoTests/Fixtures/test-country-asn.mmdb"
        let f = sandbox + "/fixtures"
        try manager.createDirectory(atPath: f + "/rules", withIntermediateDirectories: true)
        let audit = try run(["audit", "--root", snapshot, "--org", organization, "--out", f + "/audit"])
        XCTAssertEqual(audit.status, 1, audit.stderr)
        XCTAssertEqual(try run(["keygen", "--out", f + "/key.pem"]).status, 0)
        try Data((0..<32).map { UInt8($0) }).write(to: URL(fileURLWithPath: f + "/pseudonym.key"))
        XCTAssertEqual(try run(["export", "--in", f + "/audit", "--sign", f + "/key.pem", "--bundle", f + "/bundle.tar.gz"]).status, 0)
        try """
            schedule:
              interval: 0.01
            audit:
              organization: \(organization)
              root: \(snapshot)
            output:
              directory: \(f)/daemon-out
            """.write(toFile: f + "/daemon.yaml", atomically: true, encoding: .utf8)
        // Two scheduled runs, so `diff` has two to compare.
        let daemon = try run(["daemon", "--config", f + "/daemon.yaml", "--runs", "2"])
        XCTAssertEqual(daemon.status, 0, daemon.stderr)
        try manager.copyItem(atPath: f + "/daemon-out/history.sqlite", toPath: f + "/history.sqlite")

        let report: Set<Int32> = [0, 65, 66, 73]
        let slots = [
            Slot(name: "flows FILE", arguments: { ["flows", "--format", "jsonl", "--no-detection", $0] }, codes: [0, 64, 65, 66], expects: .file, fixture: capture),
            Slot(name: "inventory --root", arguments: { ["inventory", "--format", "json", "--root", $0] }, codes: [0, 66], expects: .directory, fixture: snapshot),
            Slot(name: "snapshot --out", arguments: { ["snapshot", "--root", snapshot, "--out", $0] }, codes: [0, 66, 73], expects: .directory, fixture: nil),
            Slot(name: "audit --out", arguments: { ["audit", "--root", snapshot, "--org", organization, "--out", $0] }, codes: [0, 1, 2], expects: .directory, fixture: nil),
            Slot(name: "audit --org", arguments: { ["audit", "--root", snapshot, "--org", $0, "--out", "out"] }, codes: [0, 1, 2], expects: .file, fixture: organization),
            Slot(name: "audit --root", arguments: { ["audit", "--root", $0, "--org", organization, "--out", "out"] }, codes: [0, 1, 2], expects: .directory, fixture: snapshot),
            Slot(name: "audit --pcap", arguments: { ["audit", "--root", snapshot, "--org", organization, "--pcap", $0, "--out", "out"] }, codes: [0, 1, 2], expects: .file, fixture: capture),
            Slot(name: "audit --rules", arguments: { ["audit", "--root", snapshot, "--org", organization, "--rules", $0, "--out", "out"] }, codes: [0, 1, 2], expects: .directory, fixture: f + "/rules"),
            Slot(name: "audit --policies", arguments: { ["audit", "--root", snapshot, "--org", organization, "--policies", $0, "--out", "out"] }, codes: [0, 1, 2], expects: .directory, fixture: policies),
            Slot(name: "audit --geo-database", arguments: { ["audit", "--root", snapshot, "--org", organization, "--geo-database", $0, "--out", "out"] }, codes: [0, 1, 2], expects: .file, fixture: database),
            Slot(name: "report --in", arguments: { ["report", "--in", $0, "--format", "md", "--out", "out.md"] }, codes: report, expects: .directory, fixture: f + "/audit"),
            Slot(name: "report --out", arguments: { ["report", "--in", f + "/audit", "--format", "md", "--out", $0] }, codes: report, expects: .file, fixture: nil),
            Slot(name: "report --key", arguments: { ["report", "--in", f + "/audit", "--format", "md", "--pseudonymize", "--key", $0, "--org", organization, "--out", "out.md"] },
                 codes: report, expects: .file, fixture: f + "/pseudonym.key"),
            Slot(name: "report --previous", arguments: { ["report", "--in", f + "/audit", "--format", "md", "--previous", $0, "--out", "out.md"] }, codes: report, expects: .directory, fixture: f + "/audit"),
            Slot(name: "keygen --out", arguments: { ["keygen", "--out", $0] }, codes: [0, 73], expects: .file, fixture: nil, overwrites: false),
            Slot(name: "export --in", arguments: { ["export", "--in", $0, "--sign", f + "/key.pem", "--bundle", "out.tar.gz"] }, codes: report, expects: .directory, fixture: f + "/audit"),
            Slot(name: "export --bundle", arguments: { ["export", "--in", f + "/audit", "--sign", f + "/key.pem", "--bundle", $0] }, codes: report, expects: .file, fixture: nil),
            Slot(name: "export --sign", arguments: { ["export", "--in", f + "/audit", "--sign", $0, "--bundle", "out.tar.gz"] }, codes: report, expects: .file, fixture: f + "/key.pem"),
            Slot(name: "export --key", arguments: { ["export", "--in", f + "/audit", "--sign", f + "/key.pem", "--pseudonymize", "--key", $0, "--org", organization, "--bundle", "out.tar.gz"] },
                 codes: report, expects: .file, fixture: f + "/pseudonym.key"),
            Slot(name: "verify FILE", arguments: { ["verify", $0, "--pub", f + "/key.pem.pub"] }, codes: [0, 1, 65, 66], expects: .file, fixture: f + "/bundle.tar.gz"),
            Slot(name: "verify --pub", arguments: { ["verify", f + "/bundle.tar.gz", "--pub", $0] }, codes: [0, 1, 65, 66], expects: .file, fixture: f + "/key.pem.pub"),
            Slot(name: "policy check DIR", arguments: { ["policy", "check", $0] }, codes: [0, 65], expects: .directory, fixture: policies),
            Slot(name: "policy check --org", arguments: { ["policy", "check", policies, "--org", $0] }, codes: [0, 65], expects: .file, fixture: organization),
            Slot(name: "policy check --rules", arguments: { ["policy", "check", policies, "--rules", $0] }, codes: [0, 65], expects: .directory, fixture: f + "/rules"),
            Slot(name: "daemon --config", arguments: { ["daemon", "--check", "--config", $0] }, codes: [0, 73, 77, 78], expects: .file, fixture: f + "/daemon.yaml"),
            Slot(name: "history --db", arguments: { ["history", "--db", $0] }, codes: [0, 66, 78], expects: .file, fixture: f + "/history.sqlite"),
            Slot(name: "diff --db", arguments: { ["diff", "--db", $0] }, codes: [0, 1, 66, 78], expects: .file, fixture: f + "/history.sqlite"),
        ]
        return slots
    }

    private func forms() -> [Form] {
        let place: (Slot, String, String) throws -> Void = { slot, path, directory in
            guard let fixture = slot.fixture else { return }
            let target = path.hasPrefix("/") ? path : directory + "/" + path
            try self.copy(fixture, to: target)
        }
        let unwritable = geteuid() == 0 ? "/sys/circuit-audit-unwritable" : sandbox + "/unwritable"
        return [
            Form(name: "one character", path: { _ in "k" }, setUp: place, mustWork: true),
            Form(name: "one non-ASCII character", path: { _ in "审" }, setUp: place, mustWork: true),
            Form(name: ".", path: { _ in "." }, setUp: { slot, _, directory in
                // The working directory itself holds the input when a directory is expected.
                guard let fixture = slot.fixture, slot.expects == .directory else { return }
                for name in try self.manager.contentsOfDirectory(atPath: fixture) { try self.copy(fixture + "/" + name, to: directory + "/" + name) }
            }, mustWork: false),
            Form(name: "..", path: { _ in ".." }, setUp: { _, _, _ in }, mustWork: false),
            Form(name: "./x", path: { _ in "./x" }, setUp: place, mustWork: true),
            Form(name: "trailing slash", path: { _ in "x/" }, setUp: place, mustWork: false),
            Form(name: "absolute", path: { $0 + "/absolute" }, setUp: place, mustWork: true),
            Form(name: "spaces", path: { _ in "with some spaces" }, setUp: place, mustWork: true),
            Form(name: "non-ASCII", path: { _ in "审计" }, setUp: place, mustWork: true),
            Form(name: "255-byte name", path: { _ in String(repeating: "n", count: 255) }, setUp: place, mustWork: false),
            Form(name: "4096-byte name", path: { _ in String(repeating: "m", count: 4096) }, setUp: { _, _, _ in }, mustWork: false),
            Form(name: "the other kind", path: { _ in "other" }, setUp: { slot, path, directory in
                if slot.expects == .file {
                    try self.manager.createDirectory(atPath: directory + "/" + path, withIntermediateDirectories: false)
                } else {
                    XCTAssertTrue(self.manager.createFile(atPath: directory + "/" + path, contents: Data("not a directory\n".utf8)))
                }
            }, mustWork: false),
            Form(name: "missing parent", path: { _ in "missing/parent/x" }, setUp: { _, _, _ in }, mustWork: false),
            Form(name: "parent is a file", path: { _ in "file/x" }, setUp: { _, _, directory in
                XCTAssertTrue(self.manager.createFile(atPath: directory + "/file", contents: Data()))
            }, mustWork: false),
            Form(name: "unwritable parent", path: { _ in unwritable + "/x" }, setUp: { _, _, _ in
                if geteuid() != 0 {
                    try? self.manager.createDirectory(atPath: unwritable, withIntermediateDirectories: false)
                    chmod(unwritable, 0o500)
                }
            }, mustWork: false),
            Form(name: "symbolic link", path: { _ in "link" }, setUp: { slot, path, directory in
                // To the input; for an output, to the directory to write in or the file to replace.
                if let fixture = slot.fixture {
                    try self.copy(fixture, to: directory + "/target")
                } else if slot.expects == .directory {
                    try self.manager.createDirectory(atPath: directory + "/target", withIntermediateDirectories: false)
                } else {
                    XCTAssertTrue(self.manager.createFile(atPath: directory + "/target", contents: Data("old\n".utf8)))
                }
                try self.manager.createSymbolicLink(atPath: directory + "/" + path, withDestinationPath: "target")
            }, mustWork: true),
            Form(name: "dangling link", path: { _ in "dangling" }, setUp: { _, path, directory in
                try self.manager.createSymbolicLink(atPath: directory + "/" + path, withDestinationPath: directory + "/nowhere/none")
            }, mustWork: false),
            Form(name: "/dev/null", path: { _ in "/dev/null" }, setUp: { _, _, _ in }, mustWork: false),
            Form(name: "FIFO", path: { _ in "fifo" }, setUp: { _, path, directory in
                XCTAssertEqual(mkfifo(directory + "/" + path, 0o600), 0)
            }, mustWork: false),
        ]
    }

    /// Whether `message` names `path` — as given, or made absolute — as a path, not merely
    /// containing its letters inside a word (`k` names `k`, `k/findings.json` or `k.pub`).
    static func names(_ message: String, _ path: String, from directory: String) -> Bool {
        let trimmed = path.count > 1 && path.hasSuffix("/") ? String(path.dropLast()) : path
        if contains(message, trimmed) { return true }
        let absolute = URL(fileURLWithPath: trimmed, relativeTo: URL(fileURLWithPath: directory)).standardizedFileURL.path
        return contains(message, absolute)
    }

    private static func contains(_ message: String, _ trimmed: String) -> Bool {
        var search = message.startIndex
        while let range = message.range(of: trimmed, range: search..<message.endIndex) {
            let before = range.lowerBound == message.startIndex ? " " : message[message.index(before: range.lowerBound)]
            let after = range.upperBound == message.endIndex ? " " : message[range.upperBound]
            if " \"'(/".contains(before), " \"'):/,.".contains(after) { return true }
            search = message.index(after: range.lowerBound)
        }
        return false
    }

    private struct Outcome: Sendable {
        var slot: String
        var form: String
        var problems: [String]
    }

    func testEveryCommandTakingAPathHandlesEveryFormOfPath() throws {
        let slots = try fixtures()
        var cases: [(Slot, Form, Int)] = []
        for slot in slots { for form in forms() { cases.append((slot, form, cases.count)) } }
        let outcomes = OutcomeBox()
        // Each case has its own directory and writes its own outcome: the workers share nothing else.
        nonisolated(unsafe) let work = cases
        nonisolated(unsafe) let test = self
        DispatchQueue.concurrentPerform(iterations: 3) { worker in
            for (slot, form, index) in work where index % 3 == worker {
                do {
                    outcomes.set(index, try test.check(slot, form, index: index))
                } catch {
                    outcomes.set(index, Outcome(slot: slot.name, form: form.name, problems: ["could not run: \(error)"]))
                }
            }
        }
        var failed = 0
        for outcome in outcomes.all() where !outcome.problems.isEmpty {
            failed += 1
            XCTFail("\(outcome.slot) × \(outcome.form): " + outcome.problems.joined(separator: "; "))
        }
        XCTAssertEqual(outcomes.all().count, cases.count, "every case ran")
        print("path matrix: \(cases.count) cases (\(slots.count) paths × \(forms().count) forms), \(failed) failed")
    }

    private func check(_ slot: Slot, _ form: Form, index: Int) throws -> Outcome {
        let directory = sandbox + "/case-\(index)"
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: false)
        let path = form.path(directory)
        try form.setUp(slot, path, directory)
        let result = try run(slot.arguments(path), in: directory)
        var problems: [String] = []
        let output = "exit \(result.status); stderr: \(result.stderr.prefix(600))"
        if let signal = result.signal {
            problems.append(Self.traps.contains(signal) ? "trapped (signal \(signal)): \(output)" : "killed by signal \(signal) (hung?): \(output)")
            return Outcome(slot: slot.name, form: form.name, problems: problems)
        }
        if [132, 134, 139].contains(result.status) { problems.append("trapped: \(output)") }
        if !slot.codes.contains(result.status) { problems.append("exit \(result.status) is not one of \(slot.codes.sorted()): \(output)") }
        let succeeded = result.status == 0 || (result.status == 1 && (slot.name.hasPrefix("audit") || slot.name.hasPrefix("diff")))
        if succeeded {
            if slot.isOutput && form.mustWork {
                let written = path.hasPrefix("/") ? path : directory + "/" + path
                if !manager.fileExists(atPath: written) { problems.append("succeeded but wrote nothing at \(path)") }
            }
        } else {
            if form.mustWork && (slot.overwrites || form.name != "symbolic link") { problems.append("an ordinary name must work: \(output)") }
            let lines = result.stderr.split(separator: "\n").filter { !$0.hasPrefix("warning: ") && !$0.hasPrefix("note: ") }
            if lines.count != 1 { problems.append("the failure is said in \(lines.count) lines, not one: \(output)") }
            if let line = lines.first, !Self.names(String(line), path, from: directory) { problems.append("the message does not name \(path): \(output)") }
        }
        return Outcome(slot: slot.name, form: form.name, problems: problems)
    }

    /// Outcomes written by the workers, each to its own index, read once all have finished.
    private final class OutcomeBox: @unchecked Sendable {
        private let lock = NSLock()
        private var items: [Int: Outcome] = [:]
        func set(_ index: Int, _ outcome: Outcome) { lock.withLock { items[index] = outcome } }
        func all() -> [Outcome] { lock.withLock { items.keys.sorted().map { items[$0]! } } }
    }

    func testTheIssuesThreeCommandsWriteTheirFiles() throws {
        let directory = sandbox + "/issue"
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: false)
        XCTAssertEqual(try run(["keygen", "--out", "k"], in: directory).status, 0)
        XCTAssertEqual(try run(["audit", "--demo", "--out", "audit-demo"], in: directory).status, 1)
        XCTAssertEqual(try run(["report", "--in", "audit-demo", "--format", "md", "--out", "r"], in: directory).status, 0)
        XCTAssertEqual(try run(["report", "--in", "audit-demo", "--format", "csv", "--out", "审"], in: directory).status, 0)
        for name in ["k", "k.pub", "r", "审"] {
            let mode = (try manager.attributesOfItem(atPath: directory + "/" + name)[.posixPermissions] as! NSNumber).intValue
            XCTAssertEqual(mode, 0o600, name)
        }
        XCTAssertTrue(try String(contentsOfFile: directory + "/r", encoding: .utf8).contains("for legal review"))
        XCTAssertEqual(try manager.contentsOfDirectory(atPath: directory).filter { $0.hasPrefix(".") }, [], "no temporary file is left")
    }

    func testABundleBombIsRefusedInOneLineSayingWhichLimit() throws {
        XCTAssertEqual(try run(["keygen", "--out", sandbox + "/key"]).status, 0)
        let bomb = sandbox + "/bomb.tar.gz"
        try Self.writeDeflatedZeros(mebibytes: 2048, to: bomb)
        XCTAssertLessThan(try manager.attributesOfItem(atPath: bomb)[.size] as! Int, 4 << 20)
        let result = try run(["verify", bomb, "--pub", sandbox + "/key.pub"])
        XCTAssertEqual(result.status, 65, result.stderr)
        XCTAssertEqual(result.stderr, "circuit-audit: \(bomb): bundle refused: it inflates to more than 1073741824 bytes "
                       + "(the limit on inflated size, maximumInflatedBytes); refused as a possible gzip bomb\n")
    }

    /// `mebibytes` MiB of zeros gzipped by Python's zlib module (not the tool's own code): each
    /// MiB after a full flush deflates to the same bytes, so they are written again and again.
    static func writeDeflatedZeros(mebibytes: Int, to path: String) throws {
        let script = """
            import sys, zlib
            c = zlib.compressobj(9, zlib.DEFLATED, 31)
            block = bytes(1 << 20)
            first = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
            again = c.compress(block) + c.flush(zlib.Z_FULL_FLUSH)
            crc = zlib.crc32(block, zlib.crc32(block))
            with open(sys.argv[1], "wb") as out:
                out.write(first + again)
                for _ in range(\(mebibytes) - 2):
                    out.write(again)
                    crc = zlib.crc32(block, crc)
                end = c.flush(zlib.Z_FINISH)
                out.write(end[:-8] + crc.to_bytes(4, "little") + ((\(mebibytes) << 20) % (1 << 32)).to_bytes(4, "little"))
            """
        let result = try ProcessRunner.run("python3", ["-c", script, path])
        XCTAssertEqual(result.status, 0, result.stderr)
    }
}
