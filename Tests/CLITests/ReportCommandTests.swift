import Foundation
import TestSupport
import XCTest

/// `report`, `audit --report`, `keygen`, `export` and `verify` as a user runs them: every format
/// for the demo and for an empty audit, the HTML in a real browser, pseudonyms, bundles.
final class ReportCommandTests: XCTestCase {
    private static let formats = ["html", "md", "json", "csv", "oscal"]

    private func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("report-\(UUID().uuidString)").path
    }

    private func file(_ path: String) throws -> String { try String(contentsOfFile: path, encoding: .utf8) }

    /// The demo audited with every report in both languages.
    private func demo() throws -> (directory: String, findings: [[String: Any]]) {
        let out = temporaryDirectory()
        let result = try CommandRunner.run(["audit", "--demo", "--out", out, "--as-of", "2026-11-24", "--report"] + Self.formats + ["--lang", "en", "zh"])
        XCTAssertEqual(result.status, 1, result.stderr)
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: out + "/findings.json"))) as! [String: Any]
        return (out, json["findings"] as! [[String: Any]])
    }

    /// An audit of a gateway with no circuit at all.
    private func emptyAudit() throws -> String {
        let tree = temporaryDirectory(), out = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: tree, withIntermediateDirectories: true)
        let organization = Corpus.packageRoot.appendingPathComponent("examples/gateway/organization.yaml").path
        let result = try CommandRunner.run(["audit", "--root", tree, "--org", organization, "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        return out
    }

    func testAuditWritesEveryFormatInBothLanguagesAndEachValidates() throws {
        let (out, findings) = try demo()
        XCTAssertEqual(findings.count, 12)
        XCTAssertEqual(try mode(out + "/reports"), 0o700)
        for language in ["en", "zh"] {
            let names = ["report.\(language).html", "report.\(language).md", "report.\(language).json", "findings.\(language).csv", "assessment-results.\(language).oscal.json"]
            for name in names { XCTAssertEqual(try mode(out + "/reports/" + name), 0o600, name) }
            let markdown = try file(out + "/reports/report.\(language).md")
            for finding in findings { XCTAssertTrue(markdown.contains(finding["circuit_id"] as! String)) }
            XCTAssertEqual(try csvRows(out + "/reports/findings.\(language).csv"), findings.count + 1, "a header and one row per finding")
            try validate(out + "/reports/report.\(language).json", against: "schemas/report.schema.json")
            try validateOSCAL(out + "/reports/assessment-results.\(language).oscal.json")
        }
        XCTAssertTrue(try file(out + "/reports/report.zh.html").contains("供法务审阅"))
    }

    func testDemoReportShowsEachDataExportMechanismGapAndDocumentInEveryFormatAndLanguage() throws {
        let (out, findings) = try demo()
        let sections = findings.compactMap { $0["data_export"] as? [String: Any] }
        let transfers = sections.flatMap { $0["transfers"] as! [[String: Any]] }
        let candidates = sections.flatMap { $0["candidates"] as! [[String: Any]] }
        let mechanisms = Set(transfers.map { $0["mechanism_required"] as! String })
        XCTAssertEqual(mechanisms, ["EXEMPT", "SCC_OR_CERTIFICATION", "SECURITY_ASSESSMENT"], "the demo exercises each mechanism")
        let gaps = Set(sections.map { $0["gap"] as! String } + transfers.map { $0["gap"] as! String })
        XCTAssertTrue(gaps.isSuperset(of: ["NONE", "MISSING", "EXPIRING", "BEYOND_SCOPE", "NEEDS_REVIEW", "UNDECLARED_CANDIDATE"]), "\(gaps)")
        let onFile = transfers.compactMap { $0["on_file"] as? [String: Any] }
        XCTAssertEqual(Set(onFile.map { $0["kind"] as! String }), ["security_assessment", "standard_contract", "certification"])
        XCTAssertFalse(candidates.isEmpty)
        let words = mechanisms.sorted() + gaps.sorted() + transfers.map { $0["dataset"] as! String } + onFile.map { $0["reference"] as! String }
            + candidates.map { $0["server_name"] as! String }
        for language in ["en", "zh"] {
            let title = language == "en" ? "Cross-border data export, per circuit" : "数据出境评估（按线路）"
            let inference = language == "en" ? "nferred from flow metadata" : "依据流量元数据"
            for name in ["report.\(language).html", "report.\(language).md", "findings.\(language).csv", "report.\(language).json",
                         "assessment-results.\(language).oscal.json"] {
                let text = try file(out + "/reports/" + name).replacingOccurrences(of: "\\", with: "")
                for word in words { XCTAssertTrue(text.contains(word), "\(name) lacks \(word)") }
                XCTAssertTrue(text.contains(inference) || (name.hasSuffix(".json") && text.contains("\"inferred_from_metadata\" : true"))
                              || text.contains("\"value\" : \"flow-metadata\""), "\(name) marks the candidates as inference")
                if name.hasPrefix("report."), !name.hasSuffix(".json") { XCTAssertTrue(text.contains(title), "\(name) has the data-export section") }
            }
        }
    }

    func testReportOfAnEmptyAuditWritesEveryFormatAndTheyValidate() throws {
        let audit = try emptyAudit()
        let out = temporaryDirectory()
        let result = try CommandRunner.run(["report", "--in", audit, "--format"] + Self.formats + ["--lang", "en", "zh", "--out", out])
        XCTAssertEqual(result.status, 0, result.stderr)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 10)
        for language in ["en", "zh"] {
            XCTAssertEqual(try csvRows(out + "/findings.\(language).csv"), 1)
            try validate(out + "/report.\(language).json", against: "schemas/report.schema.json")
            try validateOSCAL(out + "/assessment-results.\(language).oscal.json")
        }
        XCTAssertTrue(try file(out + "/report.en.html").contains("No circuit was found"))
        XCTAssertTrue(try file(out + "/report.zh.md").contains("未发现任何线路"))

        // Without --out: a reports directory beside findings.json; with one format, --out is the file.
        XCTAssertEqual(try CommandRunner.run(["report", "--in", audit, "--format", "md"]).stdout, audit + "/reports/report.en.md\n")
        XCTAssertEqual(try mode(audit + "/reports"), 0o700)
        let single = temporaryDirectory() + ".csv"
        XCTAssertEqual(try CommandRunner.run(["report", "--in", audit, "--format", "csv", "--lang", "zh", "--out", single]).status, 0)
        XCTAssertEqual(try mode(single), 0o600)
    }

    func testOSCALValidatorRejectsADocumentTheSchemaForbids() throws {
        let (out, _) = try demo()
        let path = out + "/reports/assessment-results.en.oscal.json"
        let broken = try file(path).replacingOccurrences(of: "\"state\" : \"not-satisfied\"", with: "\"state\" : \"failed\"")
        XCTAssertNotEqual(broken, try file(path))
        try broken.write(toFile: path, atomically: true, encoding: .utf8)
        XCTAssertNotEqual(try python(["scripts/validate-oscal", path]).status, 0, "the schema check must be able to fail")
    }

    func testHTMLRendersTheMapAndEveryFindingInHeadlessChromiumInEnglishAndChinese() throws {
        let chromium = try browser()
        let (out, findings) = try demo()
        let fonts = try Self.capture("/usr/bin/fc-match", ["sans-serif:lang=zh-cn"])
        XCTAssertTrue(fonts.stdout.contains("Noto Sans CJK"), "CJK fonts (fonts-noto-cjk) are needed for the Chinese report: \(fonts.stdout)")
        let blank = temporaryDirectory() + ".html"
        try "<!DOCTYPE html><html><body></body></html>".write(toFile: blank, atomically: true, encoding: .utf8)
        let blankShot = try screenshot(chromium, blank)
        for language in ["en", "zh"] {
            let page = out + "/reports/report.\(language).html"
            let dom = try Self.capture(chromium, headless + ["--user-data-dir=" + temporaryDirectory(), "--dump-dom", "file://" + page]).stdout
            XCTAssertTrue(dom.contains("<svg") && dom.contains("id=\"circuit-map\""), "the map is in the rendered DOM")
            XCTAssertEqual(dom.components(separatedBy: "class=\"circuit\"").count - 1, findings.count, "one line on the map per circuit")
            XCTAssertEqual(dom.components(separatedBy: "class=\"section page finding\"").count - 1, findings.count, "one section per finding")
            for finding in findings { XCTAssertTrue(dom.contains("id=\"finding-\(finding["circuit_id"] as! String)\"")) }
            XCTAssertTrue(dom.contains(language == "zh" ? "跨境线路审计报告" : "Cross-border circuit audit"))
            XCTAssertTrue(dom.contains("<section id=\"data-export\"") && dom.contains(language == "zh" ? "数据出境评估（按线路）" : "Cross-border data export, per circuit"),
                          "\(language): the data-export section is rendered")
            for finding in findings where finding["data_export"] != nil {
                XCTAssertTrue(dom.contains("id=\"data-export-\(finding["circuit_id"] as! String)\""), "\(language): data export of \(finding["circuit_id"]!)")
            }
            let shot = try screenshot(chromium, page)
            XCTAssertEqual(Array(shot.prefix(4)), [0x89, 0x50, 0x4E, 0x47], "a PNG")
            XCTAssertGreaterThan(shot.count, blankShot.count * 10, "\(language): the screenshot is not blank (\(shot.count) bytes against \(blankShot.count) for an empty page)")
        }
    }

    func testPseudonymisedReportsHoldNoInternalAddressOrHostNameAndTheSameKeyGivesTheSameTokens() throws {
        let (out, _) = try demo()
        let key = temporaryDirectory() + ".key"
        try Data((0..<32).map { UInt8(($0 * 37 + 11) % 256) }).write(to: URL(fileURLWithPath: key))
        let first = temporaryDirectory(), second = temporaryDirectory()
        for target in [first, second] {
            let result = try CommandRunner.run(["report", "--in", out, "--format"] + Self.formats + ["--lang", "en", "zh", "--pseudonymize", "--key", key, "--out", target])
            XCTAssertEqual(result.status, 0, result.stderr)
        }
        // Every internal address of the input: private ranges and the mainland sites' declared ranges.
        let input = try file(out + "/findings.json")
        let inside = Set(addresses(in: input).filter(isInternal))
        XCTAssertGreaterThan(inside.count, 10, "the demo has many internal addresses to hide")
        let names = try FileManager.default.contentsOfDirectory(atPath: first)
        XCTAssertEqual(names.count, 10)
        for name in names {
            let text = try file(first + "/" + name)
            let leaked = Set(addresses(in: text)).intersection(inside)
            XCTAssertTrue(leaked.isEmpty, "\(name) shows \(leaked.sorted())")
            XCTAssertTrue(text.contains("203.0.113.7"), "\(name): the Frankfurt peer is public and stays visible")
            XCTAssertEqual(text, try file(second + "/" + name), "\(name): the same key gives the same tokens")
        }
        // The data-export section's candidate (10.1.5.6 in the input) is shown by its token.
        XCTAssertTrue(input.contains("\"source\" : \"10.1.5.6\""), "the demo's candidate comes from 10.1.5.6")
        let markdown = try file(first + "/report.en.md")
        let section = try XCTUnwrap(markdown.range(of: "<a id=\"data-export\"></a>")).upperBound
        XCTAssertTrue(markdown[section...].contains("→ example-trading-archive.s3"), "the candidate is in the data-export section")
        XCTAssertNotNil(markdown[section...].range(of: "ip-[0-9a-f]{12} → example-trading-archive", options: .regularExpression), "its source is a token")
        try validateOSCAL(first + "/assessment-results.en.oscal.json")
        try validate(first + "/report.zh.json", against: "schemas/report.schema.json")
    }

    func testSignedBundleVerifiesAndNamesAnAlteredFileASignatureMismatchAndAWrongKey() throws {
        let keys = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        XCTAssertEqual(try CommandRunner.run(["keygen", "--out", keys + "/signer.key"]).status, 0)
        XCTAssertEqual(try mode(keys + "/signer.key"), 0o600)
        XCTAssertEqual(try CommandRunner.run(["keygen", "--out", keys + "/signer.key"]).status, 73, "an existing key is never overwritten")
        XCTAssertEqual(try CommandRunner.run(["keygen", "--out", keys + "/other.key"]).status, 0)

        // A snapshot, audited: its redacted files go into the bundle.
        let snapshot = temporaryDirectory(), audit = temporaryDirectory()
        let example = Corpus.packageRoot.appendingPathComponent("examples/gateway")
        XCTAssertEqual(try CommandRunner.run(["snapshot", "--root", example.appendingPathComponent("snapshot").path, "--out", snapshot]).status, 0)
        let audited = try CommandRunner.run(["audit", "--root", snapshot, "--org", example.appendingPathComponent("organization.yaml").path,
                                             "--pcap", example.appendingPathComponent("traffic.pcap").path, "--out", audit])
        XCTAssertEqual(audited.status, 1, audited.stderr)

        let bundle = keys + "/evidence.tar.gz"
        let exported = try CommandRunner.run(["export", "--in", audit, "--bundle", bundle, "--sign", keys + "/signer.key"])
        XCTAssertEqual(exported.status, 0, exported.stderr)
        XCTAssertEqual(try mode(bundle), 0o600)
        let listing = try Self.capture("/usr/bin/tar", ["tzf", bundle]).stdout
        for path in ["MANIFEST.json", "MANIFEST.json.sig", "findings.json", "flows.json", "reports/report.zh.html", "snapshot/manifest.json",
                     "snapshot/etc/wireguard/wg0.conf"] {
            XCTAssertTrue(listing.contains(path + "\n"), "\(path) in the bundle (GNU tar lists it)")
        }
        XCTAssertFalse(listing.contains("pcap"), "never the capture itself")

        let verified = try CommandRunner.run(["verify", bundle, "--pub", keys + "/signer.key.pub"])
        XCTAssertEqual(verified.status, 0, verified.stdout + verified.stderr)
        XCTAssertTrue(verified.stdout.contains("verified"))

        let wrongKey = try CommandRunner.run(["verify", bundle, "--pub", keys + "/other.key.pub"])
        XCTAssertEqual(wrongKey.status, 1)
        XCTAssertTrue(wrongKey.stdout.contains("does not match this public key"), wrongKey.stdout)

        // Repacked by Python's tarfile: one byte of a report changed, then one of the signature.
        let altered = try repack(bundle, change: "reports/report.en.md")
        let alteredResult = try CommandRunner.run(["verify", altered, "--pub", keys + "/signer.key.pub"])
        XCTAssertEqual(alteredResult.status, 1)
        XCTAssertTrue(alteredResult.stdout.contains("reports/report.en.md: altered"), alteredResult.stdout)
        XCTAssertEqual(alteredResult.stdout.split(separator: "\n").count, 2, "only that file is named:\n\(alteredResult.stdout)")

        let signature = try CommandRunner.run(["verify", try repack(bundle, change: "MANIFEST.json.sig"), "--pub", keys + "/signer.key.pub"])
        XCTAssertEqual(signature.status, 1)
        XCTAssertTrue(signature.stdout.contains("MANIFEST.json.sig: "), signature.stdout)
    }

    func testBadInputsAreTypedErrorsNamingTheFile() throws {
        let missing = temporaryDirectory()
        let report = try CommandRunner.run(["report", "--in", missing, "--format", "html"])
        XCTAssertEqual(report.status, 66)
        XCTAssertTrue(report.stderr.contains(missing + "/findings.json"), report.stderr)
        XCTAssertEqual(try CommandRunner.run(["report", "--in", missing, "--format", "pdf"]).status, 64)
        XCTAssertEqual(try CommandRunner.run(["report", "--in", missing, "--format", "html", "--pseudonymize"]).status, 64, "--pseudonymize needs --key")

        let notABundle = temporaryDirectory() + ".tar.gz"
        try Data("not gzip".utf8).write(to: URL(fileURLWithPath: notABundle))
        let keys = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: keys, withIntermediateDirectories: true)
        XCTAssertEqual(try CommandRunner.run(["keygen", "--out", keys + "/k"]).status, 0)
        let verify = try CommandRunner.run(["verify", notABundle, "--pub", keys + "/k.pub"])
        XCTAssertEqual(verify.status, 65)
        XCTAssertTrue(verify.stderr.contains(notABundle), verify.stderr)
    }

    // MARK: - Helpers

    private func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as? NSNumber)?.intValue ?? -1
    }

    private let headless = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--window-size=1200,1800"]

    private func browser() throws -> String {
        for path in ["/usr/bin/chromium", "/usr/bin/chromium-browser"] where FileManager.default.isExecutableFile(atPath: path) { return path }
        if Corpus.isRequired { XCTFail("chromium is not installed (scripts/setup installs it)") }
        throw XCTSkip("chromium is not installed (scripts/setup installs it)")
    }

    private func screenshot(_ chromium: String, _ page: String) throws -> Data {
        let png = temporaryDirectory() + ".png"
        let profile = temporaryDirectory()
        _ = try Self.capture(chromium, headless + ["--user-data-dir=" + profile, "--screenshot=" + png, "file://" + page])
        return try Data(contentsOf: URL(fileURLWithPath: png))
    }

    /// IPv4 literals in `text`.
    private func addresses(in text: String) -> [String] {
        let pattern = try! NSRegularExpression(pattern: "(?<![0-9.])(?:[0-9]{1,3}\\.){3}[0-9]{1,3}(?![0-9])")
        return pattern.matches(in: text, range: NSRange(text.startIndex..., in: text)).map { String(text[Range($0.range, in: text)!]) }
    }

    /// Private ranges, and the demo's mainland sites (organization.yaml: 198.51.100.0/26, 192.0.2.0/26).
    private func isInternal(_ address: String) -> Bool {
        let octets = address.split(separator: ".").compactMap { Int($0) }
        guard octets.count == 4 else { return false }
        switch (octets[0], octets[1], octets[2]) {
        case (10, _, _), (192, 168, _), (127, _, _): return true
        case (172, 16...31, _): return true
        case (198, 51, 100), (192, 0, 2): return octets[3] < 64
        default: return false
        }
    }

    private func csvRows(_ path: String) throws -> Int {
        let result = try python(["-c", "import csv,sys; print(len(list(csv.reader(open(sys.argv[1], newline='', encoding='utf-8')))))", path])
        XCTAssertEqual(result.status, 0, result.stderr)
        return Int(result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)) ?? -1
    }

    private func validate(_ file: String, against schema: String) throws {
        let script = "import json,sys,jsonschema; jsonschema.validate(json.load(open(sys.argv[1])), json.load(open(sys.argv[2])))"
        let result = try python(["-c", script, file, Corpus.packageRoot.appendingPathComponent(schema).path])
        XCTAssertEqual(result.status, 0, "\(file) against \(schema): \(result.stderr)")
    }

    private func validateOSCAL(_ file: String) throws {
        let result = try python(["scripts/validate-oscal", file])
        XCTAssertEqual(result.status, 0, result.stderr)
    }

    /// Rewrites the bundle with Python's tarfile and gzip, one byte of `change` flipped.
    private func repack(_ bundle: String, change: String) throws -> String {
        let out = temporaryDirectory() + ".tar.gz"
        let script = """
            import io, sys, tarfile
            source, target, name = sys.argv[1:4]
            with tarfile.open(source, "r:gz") as inp, tarfile.open(target, "w:gz", format=tarfile.USTAR_FORMAT) as out:
                for member in inp.getmembers():
                    data = bytearray(inp.extractfile(member).read())
                    if member.name == name:
                        data[len(data) // 2] ^= 1
                    member.size = len(data)
                    out.addfile(member, io.BytesIO(bytes(data)))
            """
        let result = try python(["-c", script, bundle, out, change])
        XCTAssertEqual(result.status, 0, result.stderr)
        return out
    }

    private func python(_ arguments: [String]) throws -> CommandRunner.Result {
        let result = try Self.capture("/usr/bin/env", ["python3"] + arguments)
        if result.stderr.contains("No module named") {
            if Corpus.isRequired { XCTFail(result.stderr) }
            throw XCTSkip("python3 jsonschema is not installed")
        }
        return result
    }

    private static func capture(_ executable: String, _ arguments: [String]) throws -> CommandRunner.Result {
        // A browser that hangs must fail the test, not stall the run.
        try ProcessRunner.run(executable, arguments, directory: Corpus.packageRoot, timeout: 120)
    }
}
