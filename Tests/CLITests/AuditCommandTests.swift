import Foundation
import TestSupport
import XCTest

/// `circuit-audit audit` as a user runs it: the demo, the exit codes, bad declarations.
final class AuditCommandTests: XCTestCase {
    private func run(_ arguments: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(arguments)
    }

    private func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("audit-\(UUID().uuidString)").path
    }

    func testDemoShowsEveryCategoryAndFlagAndWritesAValidFindingsFile() throws {
        let out = temporaryDirectory()
        let result = try run(["audit", "--demo", "--out", out, "--as-of", "2026-11-24"])
        XCTAssertEqual(result.status, 1, "the demo has HIGH findings: exit 1 for a scheduler\n\(result.stderr)")
        XCTAssertTrue(result.stdout.contains("for legal review"))
        let data = try Data(contentsOf: URL(fileURLWithPath: out + "/findings.json"))
        let json = try JSONSerialization.jsonObject(with: data) as! [String: Any]
        let findings = json["findings"] as! [[String: Any]]
        let categories = Set(findings.map { $0["category"] as! String })
        XCTAssertEqual(categories, ["C5_SERVICE_TO_OTHERS", "C6_SUBLEASE_OR_SHARED", "C4_DC_PLATFORM_TELECOM_BUSINESS", "C2_SELF_BUILT_UNAPPROVED",
                                    "C3_LEASED_FROM_UNLICENSED", "C1_LICENSED_INTERNAL", "C0_DOMESTIC", "C9_NEEDS_REVIEW"])
        let flags = Set(findings.flatMap { ($0["flags"] as! [[String: Any]]).map { $0["flag"] as! String } })
        XCTAssertEqual(flags, ["F_SUPPLIER_RISK", "F_NO_USER_FILE", "F_AFFILIATE_TRAFFIC", "F_REMOTE_ACCESS", "F_ASN_ONLY_EVIDENCE",
                               "F_DATA_EXPORT", "F_CIRCUMVENTION"])
        let attributes = try FileManager.default.attributesOfItem(atPath: out + "/findings.json")
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        try validate(out + "/findings.json", against: "schemas/findings.schema.json")
    }

    func testDemoShowsEachDataExportMechanismAndGapInFindingsAndSummary() throws {
        let out = temporaryDirectory()
        let result = try run(["audit", "--demo", "--out", out, "--as-of", "2026-11-24"])
        XCTAssertTrue(result.stdout.contains("data export as of 2026-11-24"), result.stdout)
        XCTAssertTrue(result.stdout.contains("candidate: 10.1.5.6 → example-trading-archive.s3.eu-central-1.amazonaws.com (Amazon S3"), result.stdout)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/findings.json"))) as! [String: Any]
        let sections = (json["findings"] as! [[String: Any]]).compactMap { $0["data_export"] as? [String: Any] }
        let transfers = sections.flatMap { $0["transfers"] as! [[String: Any]] }
        XCTAssertEqual(Set(transfers.map { $0["mechanism_required"] as! String }), ["EXEMPT", "SCC_OR_CERTIFICATION", "SECURITY_ASSESSMENT"])
        XCTAssertEqual(Set(transfers.compactMap { ($0["on_file"] as? [String: Any])?["kind"] as? String }), ["security_assessment", "standard_contract", "certification"])
        XCTAssertEqual(Set(sections.map { $0["gap"] as! String }), ["NONE", "BEYOND_SCOPE", "EXPIRING", "NEEDS_REVIEW", "MISSING", "UNDECLARED_CANDIDATE"])
        let evaluation = json["data_export"] as! [String: Any]
        XCTAssertEqual((evaluation["transfers"] as! [Any]).count, 6)
        XCTAssertEqual(evaluation["stage_order"] as? [String], ["assessment_triggers", "exemptions", "volume"])
    }

    /// The findings of `audit` with `arguments` on one thread and on three are the same, flow
    /// ids cited in their evidence included.
    private func assertSameFindingsOnOneAndThreeThreads(_ arguments: [String], file: StaticString = #filePath, line: UInt = #line) throws {
        func findings(threads: Int) throws -> [[String: Any]] {
            let out = temporaryDirectory()
            let result = try run(["audit"] + arguments + ["--out", out, "--as-of", "2026-11-24", "--threads", String(threads)])
            XCTAssertEqual(result.status, 1, result.stderr, file: file, line: line)
            let data = try Data(contentsOf: URL(fileURLWithPath: out + "/findings.json"))
            return (try JSONSerialization.jsonObject(with: data) as! [String: Any])["findings"] as! [[String: Any]]
        }
        let one = try findings(threads: 1)
        let three = try findings(threads: 3)
        XCTAssertFalse(one.isEmpty, file: file, line: line)
        XCTAssertEqual(one as NSArray, three as NSArray, file: file, line: line)
    }

    /// Findings cite flows by id: an audit over worker threads must cite the same ones.
    func testFindingsAreTheSameForAnyNumberOfThreads() throws {
        try assertSameFindingsOnOneAndThreeThreads(["--demo"])
    }

    /// The demo's 853 packets fill no worker's first batch, so there the threads never start: this
    /// reads the demo's traffic 24 times over (20,472 packets, later copies later in time). Its
    /// VXLAN flow alone is then 18,336 packets, whose worker fills batch after batch and so runs
    /// on its own thread; the findings must still cite exactly the flows one thread cites.
    func testFindingsCiteTheSameFlowsWhenWorkerThreadsRun() throws {
        let demo = [UInt8](try Data(contentsOf: Corpus.packageRoot.appendingPathComponent("examples/gateway/traffic.pcap")))
        XCTAssertEqual(Array(demo.prefix(4)), [0xD4, 0xC3, 0xB2, 0xA1], "the demo is a little-endian microsecond pcap")
        var repeated = Array(demo.prefix(24))
        func u32(_ offset: Int) -> UInt32 { demo[offset..<(offset + 4)].reversed().reduce(0) { $0 << 8 | UInt32($1) } }
        for round in 0..<24 {
            var offset = 24
            while offset + 16 <= demo.count {
                let length = Int(u32(offset + 8))
                withUnsafeBytes(of: (u32(offset) + UInt32(round * 7_200)).littleEndian) { repeated += $0 }
                repeated += demo[(offset + 4)..<(offset + 16 + length)]
                offset += 16 + length
            }
        }
        let capture = temporaryDirectory() + ".pcap"
        try Data(repeated).write(to: URL(fileURLWithPath: capture))
        let gateway = Corpus.packageRoot.appendingPathComponent("examples/gateway").path
        try assertSameFindingsOnOneAndThreeThreads(["--root", gateway + "/snapshot", "--org", gateway + "/organization.yaml", "--pcap", capture])
    }

    func testThreadAndFanoutOptionsAreCheckedBeforeAuditing() throws {
        for arguments in [["--threads", "0"], ["--fanout", "2"]] {
            let result = try run(["audit", "--demo", "--out", temporaryDirectory()] + arguments)
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(arguments[0]), result.stderr)
        }
    }

    func testExitCodeSaysWhetherAFindingReachesFailOn() throws {
        XCTAssertEqual(try run(["audit", "--demo", "--out", temporaryDirectory(), "--fail-on", "CRITICAL"]).status, 1)
        // A gateway with no circuit at all: nothing to report, exit 0.
        let organization = Corpus.packageRoot.appendingPathComponent("examples/gateway/organization.yaml").path
        let emptyTree = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: emptyTree, withIntermediateDirectories: true)
        XCTAssertEqual(try run(["audit", "--root", emptyTree, "--org", organization, "--out", temporaryDirectory()]).status, 0)
    }

    func testMalformedOrganizationStopsTheAuditBeforeWritingAndNamesFileLineAndKey() throws {
        let organization = temporaryDirectory() + ".yaml"
        let original = try String(contentsOfFile: Corpus.packageRoot.appendingPathComponent("examples/gateway/organization.yaml").path, encoding: .utf8)
        try original.replacingOccurrences(of: "  external_sources: 10", with: "  external_sources: 10\n  externl_sources: 3")
            .write(toFile: organization, atomically: true, encoding: .utf8)
        let out = temporaryDirectory()
        let result = try run(["audit", "--root", Corpus.packageRoot.appendingPathComponent("examples/gateway/snapshot").path, "--org", organization, "--out", out])
        XCTAssertEqual(result.status, 2)
        XCTAssertTrue(result.stderr.contains("\(organization):"), result.stderr)
        XCTAssertTrue(result.stderr.contains("thresholds.externl_sources: unknown key"), result.stderr)
        XCTAssertFalse(FileManager.default.fileExists(atPath: out + "/findings.json"))
    }

    func testPolicyCheckReportsTheShippedPoliciesAndTheOrganization() throws {
        let result = try run(["policy", "check", "--org", Corpus.packageRoot.appendingPathComponent("examples/gateway/organization.yaml").path])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertTrue(result.stdout.contains("circular32.yaml: version 1"))
        XCTAssertTrue(result.stdout.contains("data-export.yaml: version 1"))
        XCTAssertTrue(result.stdout.contains("9 threshold rows in order T1 T2 T3 T4 T5 T6 T7 T8 T9, validity rules V1 V2 V3"), result.stdout)
    }

    func testShippedPoliciesAndTheExampleOrganizationMatchTheirSchemas() throws {
        let result = try ProcessRunner.run(Corpus.packageRoot.appendingPathComponent("scripts/validate-schemas").path, [])
        if result.stderr.contains("No module named") {
            if Corpus.isRequired { return XCTFail(result.stderr) }
            throw XCTSkip("python3 jsonschema or yaml is not installed")
        }
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    /// Validates with Python's jsonschema (the reference implementation of the spec).
    private func validate(_ file: String, against schema: String) throws {
        let script = "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))"
        let result = try ProcessRunner.run("python3", ["-c", script, file, Corpus.packageRoot.appendingPathComponent(schema).path])
        if result.stderr.contains("No module named 'jsonschema'") {
            if Corpus.isRequired { return XCTFail("python3 jsonschema is required in CI (scripts/setup installs it)") }
            throw XCTSkip("python3 jsonschema is not installed")
        }
        XCTAssertEqual(result.status, 0, result.stderr)
    }
}
