import Audit
import Foundation
import Policy
import Reports
import XCTest

/// What every format says, in both languages, for a real audit and for an empty one.
final class ReportRenderingTests: XCTestCase {
    private func render(_ format: ReportFormat, _ result: AuditResult, _ language: ReportLanguage, previous: AuditResult? = nil) throws -> String {
        String(decoding: try Reports.render(format, ReportContext(result: result, previous: previous, language: language)), as: UTF8.self)
    }

    func testEveryLabelHasEnglishAndChinese() {
        for text in ReportText.allCases {
            let row = ReportText.table[text]
            XCTAssertNotNil(row, "\(text) has no row in the strings table")
            XCTAssertFalse(row?.en.isEmpty ?? true, "\(text) has no English")
            XCTAssertFalse(row?.zh.isEmpty ?? true, "\(text) has no Chinese")
        }
    }

    func testReportWordsNeverCallACircuitLegalOrIllegal() {
        for text in ReportText.allCases {
            let row = text.bilingual
            let english = row.en.lowercased().replacingOccurrences(of: "legal review", with: "")
            XCTAssertFalse(english.contains("legal"), "\(text): \(row.en)")
            for word in ["合法", "违法", "非法"] { XCTAssertFalse(row.zh.contains(word), "\(text): \(row.zh)") }
        }
    }

    func testHTMLAndMarkdownHaveASectionForEveryFindingWithRuleCitationsEvidenceTraceAndAction() throws {
        let result = try ReportFixtures.audit()
        XCTAssertGreaterThan(result.findings.count, 3)
        for language in ReportLanguage.allCases {
            let html = try render(.html, result, language)
            let markdown = try render(.md, result, language)
            for finding in result.findings {
                XCTAssertTrue(html.contains("id=\"finding-\(finding.circuitID)\""), finding.circuitID)
                XCTAssertTrue(markdown.contains("<a id=\"finding-\(finding.circuitID)\"></a>"), finding.circuitID)
                XCTAssertTrue(html.contains("data-circuit=\"\(finding.circuitID)\""), "the map draws \(finding.circuitID)")
                for document in [html, markdown] {
                    XCTAssertTrue(document.contains(finding.rule))
                    XCTAssertTrue(document.contains(language.pick(finding.categoryLabel)))
                    for trace in finding.trace { XCTAssertTrue(document.contains(trace.rule)) }
                }
            }
            let t = { (text: ReportText) in text.text(language) }
            for label in [t(.summary), t(.map), t(.citations), t(.evidence), t(.trace), t(.action), t(.appendix), t(.toolVersion)] {
                XCTAssertTrue(html.contains(label), "HTML lacks \(label)")
                XCTAssertTrue(markdown.contains(label), "Markdown lacks \(label)")
            }
            XCTAssertTrue(html.contains("organization.yaml"), "the appendix names the inputs")
            XCTAssertTrue(html.contains(result.inputs.compactMap(\.sha256).first!), "the appendix gives the inputs' hashes")
        }
    }

    func testHTMLIsSelfContained() throws {
        let html = try render(.html, try ReportFixtures.audit(), .zh)
        XCTAssertTrue(html.contains("<html lang=\"zh-Hans\">"))
        XCTAssertFalse(html.contains("<script"))
        XCTAssertFalse(html.contains("@font-face"))
        XCTAssertFalse(html.contains("src=\"http"))
        XCTAssertFalse(html.contains("href=\"http"))
        XCTAssertTrue(html.contains("default-src 'none'"))
    }

    func testEmptyAuditSaysThereIsNothingToReviewInEveryFormat() throws {
        let result = try ReportFixtures.emptyAudit()
        XCTAssertTrue(result.findings.isEmpty)
        for language in ReportLanguage.allCases {
            XCTAssertTrue(try render(.html, result, language).contains(ReportText.noFindings.text(language)))
            XCTAssertTrue(try render(.md, result, language).contains(ReportText.noFindings.text(language)))
            XCTAssertEqual(try render(.csv, result, language).components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, 1, "the header only")
            let oscal = try JSONSerialization.jsonObject(with: Data(try render(.oscal, result, language).utf8)) as! [String: Any]
            let assessment = (oscal["assessment-results"] as! [String: Any])["results"] as! [[String: Any]]
            XCTAssertNil(assessment[0]["findings"], "OSCAL forbids empty arrays: no findings key at all")
        }
    }

    func testCSVQuotesFieldsAsRFC4180() {
        XCTAssertEqual(CSVField.quote("plain"), "plain")
        XCTAssertEqual(CSVField.quote("a,b"), "\"a,b\"")
        XCTAssertEqual(CSVField.quote("say \"hi\""), "\"say \"\"hi\"\"\"")
        XCTAssertEqual(CSVField.quote("two\nlines"), "\"two\nlines\"")
    }

    func testCSVHasOneRowPerFindingAndCRLFLineEnds() throws {
        let result = try ReportFixtures.audit()
        let csv = try render(.csv, result, .en)
        XCTAssertTrue(csv.hasSuffix("\r\n"))
        for finding in result.findings { XCTAssertEqual(csv.components(separatedBy: "\r\n" + finding.circuitID + ",").count, 2, finding.circuitID) }
    }

    func testChangesSinceTheLastAuditNameAddedRemovedAndReclassifiedCircuits() throws {
        let current = try ReportFixtures.audit()
        var previous = current
        let removed = previous.findings.removeFirst()
        let other: Category = current.findings[1].category == .c9 ? .c0 : .c9
        previous.findings[0].category = other
        let html = try render(.html, current, .en, previous: previous)
        XCTAssertTrue(html.contains(ReportText.newCircuits.text(.en)))
        XCTAssertTrue(html.contains(removed.circuitID))
        XCTAssertTrue(html.contains("\(other.rawValue) \(previous.findings[0].severity.rawValue) → \(current.findings[1].category.rawValue)"))
        XCTAssertTrue(try render(.html, current, .en).contains(ReportText.changesUnknown.text(.en)))
    }

    func testANewSectionProviderAppearsInEveryDocumentFormat() throws {
        struct ReviewNotesSection: ReportSectionProvider {
            func sections(for context: ReportContext) -> [ReportSection] {
                [ReportSection(id: "review-notes", title: "Review notes", blocks: [.paragraph("notes from counsel here")])]
            }
        }
        let context = ReportContext(result: try ReportFixtures.audit(), language: .en)
        let providers = ReportDocument.standardProviders + [ReviewNotesSection()]
        for format in [ReportFormat.html, .md] {
            XCTAssertTrue(String(decoding: try Reports.render(format, context, providers: providers), as: UTF8.self).contains("notes from counsel here"))
        }
    }

    func testOSCALUUIDsAreStableAndWellFormed() throws {
        let result = try ReportFixtures.audit()
        let first = try render(.oscal, result, .en)
        XCTAssertEqual(first, try render(.oscal, result, .en), "the same audit gives the same document")
        let uuid = try NSRegularExpression(pattern: "\"uuid\" : \"([0-9a-f-]+)\"")
        let matches = uuid.matches(in: first, range: NSRange(first.startIndex..., in: first))
        XCTAssertGreaterThan(matches.count, result.findings.count * 2)
        for match in matches {
            let value = String(first[Range(match.range(at: 1), in: first)!])
            XCTAssertNotNil(value.range(of: "^[0-9a-f]{8}-[0-9a-f]{4}-5[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$", options: .regularExpression), value)
        }
    }

    func testNotAnAuditIsAnErrorNamingTheFileAndKey() throws {
        let directory = ReportFixtures.temporaryDirectory()
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        try Data(#"{"schema_version": 1}"#.utf8).write(to: URL(fileURLWithPath: directory + "/findings.json"))
        XCTAssertThrowsError(try Reports.loadAudit(directory)) { error in
            let text = "\(error)"
            XCTAssertTrue(text.contains(directory + "/findings.json"), text)
            XCTAssertTrue(text.contains("missing key"), text)
        }
        XCTAssertThrowsError(try Reports.loadAudit(directory + "/nowhere")) { error in
            XCTAssertEqual(error as? ReportError, .cannotRead(path: directory + "/nowhere/findings.json", reason: "No such file or directory"))
        }
    }
}
