import Audit
import DataExport
import Foundation
import Policy
import Reports
import XCTest

/// The per-circuit data-export assessment in every format and both languages: what each circuit's
/// transfers need, what is on file with its documents, the gap, and the row that applied.
final class DataExportReportTests: XCTestCase {
    private func render(_ format: ReportFormat, _ result: AuditResult, _ language: ReportLanguage) throws -> String {
        String(decoding: try Reports.render(format, ReportContext(result: result, language: language)), as: UTF8.self)
    }

    /// The text between two markers: one section of a document, so a check cannot be met by
    /// the same words elsewhere (the findings' own flags, say).
    private func part(_ text: String, from start: String, to end: String) -> String {
        guard let lower = text.range(of: start), let upper = text.range(of: end, range: lower.upperBound..<text.endIndex) else {
            XCTFail("no part from \(start) to \(end)")
            return ""
        }
        return String(text[lower.lowerBound..<upper.lowerBound])
    }

    /// What a reader must find for one transfer, in `language`.
    private func expectations(_ transfer: TransferAssessment, _ language: ReportLanguage) -> [String] {
        var words = [transfer.dataset, transfer.mechanismRequired.rawValue, transfer.gap.rawValue, transfer.declaredAt,
                     transfer.gap.reportText.text(language),
                     transfer.mechanismRequired.reportText.text(language)]
        if let row = transfer.row { words.append(row) }
        if let first = transfer.citations.first?.article { words.append(first) }
        if let onFile = transfer.onFile { words += [onFile.reference, onFile.date] + onFile.documents + (onFile.validUntil.map { [$0] } ?? []) }
        else { words.append(ReportText.noneOnFile.text(language)) }
        return words
    }

    func testDemoTransfersCoverEachMechanismAndSeveralGaps() throws {
        let transfers = try ReportFixtures.audit().findings.compactMap(\.dataExport).flatMap(\.transfers)
        XCTAssertEqual(Set(transfers.map(\.mechanismRequired)), [.exempt, .sccOrCertification, .securityAssessment])
        XCTAssertEqual(Set(transfers.compactMap(\.onFile?.kind)), [.securityAssessment, .standardContract, .certification])
        XCTAssertEqual(Set(transfers.map(\.gap)), [.none, .beyondScope, .expiring, .needsReview, .missing])
    }

    func testHTMLAndMarkdownGiveEachCircuitItsTransfersMechanismsDocumentsGapsAndRows() throws {
        let result = try ReportFixtures.audit()
        let circuits = result.findings.filter { $0.dataExport != nil }
        XCTAssertGreaterThanOrEqual(circuits.count, 4)
        for language in ReportLanguage.allCases {
            let page = try render(.html, result, language)
            let summary = part(page, from: "<section id=\"by-data-export-gap\"", to: "</section>")
            for gap in Set(circuits.map { $0.dataExport!.gap }) {
                XCTAssertTrue(summary.contains(escapeHTML(gap.reportText.text(language))), "\(language): the summary counts circuits with \(gap)")
            }
            let html = part(page, from: "<section id=\"data-export\"", to: "<section id=\"appendix\"")
            let markdown = part(try render(.md, result, language), from: "<a id=\"data-export\"></a>", to: "<a id=\"appendix\"></a>")
            for label in [ReportText.dataExport, .dataExportIntro, .mechanismRequired, .mechanismOnFile, .gap, .thresholdRow, .transferCitations] {
                XCTAssertTrue(html.contains(escapeHTML(label.text(language))), "\(language) HTML: \(label)")
                XCTAssertTrue(markdown.contains(label.text(language)), "\(language) Markdown: \(label)")
            }
            for finding in circuits {
                XCTAssertTrue(html.contains("id=\"data-export-\(finding.circuitID)\""), finding.circuitID)
                XCTAssertTrue(markdown.contains("<a id=\"data-export-\(finding.circuitID)\"></a>"), finding.circuitID)
                for transfer in finding.dataExport!.transfers {
                    for word in expectations(transfer, language) {
                        XCTAssertTrue(html.contains(escapeHTML(word)), "\(language) HTML, \(finding.circuitID): \(word)")
                        XCTAssertTrue(markdown.replacingOccurrences(of: "\\", with: "").contains(word), "\(language) Markdown, \(finding.circuitID): \(word)")
                    }
                }
            }
        }
    }

    func testCSVAddsTheDataExportColumnsToEachCircuitsRow() throws {
        let result = try ReportFixtures.audit()
        for language in ReportLanguage.allCases {
            let csv = try render(.csv, result, language)
            let records = csv.components(separatedBy: "\r\n")
            XCTAssertTrue(records[0].contains(ReportText.dataExportColumnGap.text(language)))
            XCTAssertTrue(records[0].contains(ReportText.dataExportColumnCandidates.text(language)))
            for finding in result.findings {
                let row = try XCTUnwrap(records.first { $0.hasPrefix(finding.circuitID + ",") }, finding.circuitID)
                guard let section = finding.dataExport else {
                    XCTAssertTrue(row.hasSuffix(",,,,,,,"), "\(finding.circuitID): empty data-export columns")
                    continue
                }
                XCTAssertTrue(row.contains("," + section.gap.rawValue + ","), finding.circuitID)
                for transfer in section.transfers {
                    for word in expectations(transfer, language) where !word.hasPrefix("organization.yaml") {
                        XCTAssertTrue(row.contains(word.replacingOccurrences(of: "\"", with: "\"\"")), "\(language) CSV, \(finding.circuitID): \(word)")
                    }
                }
            }
        }
    }

    func testJSONCarriesEachCircuitsAssessmentWithLabelsInTheReportsLanguage() throws {
        let result = try ReportFixtures.audit()
        for language in ReportLanguage.allCases {
            let json = try JSONSerialization.jsonObject(with: Data(try render(.json, result, language).utf8)) as! [String: Any]
            let items = json["findings"] as! [[String: Any]]
            for finding in result.findings {
                let item = items.first { $0["circuit_id"] as? String == finding.circuitID }!
                guard let section = finding.dataExport else {
                    XCTAssertNil(item["data_export"], finding.circuitID)
                    continue
                }
                let exported = try XCTUnwrap(item["data_export"] as? [String: Any], finding.circuitID)
                XCTAssertEqual(exported["gap"] as? String, section.gap.rawValue)
                XCTAssertEqual(exported["gap_label"] as? String, section.gap.reportText.text(language))
                let transfers = exported["transfers"] as! [[String: Any]]
                XCTAssertEqual(transfers.map { $0["dataset"] as! String }, section.transfers.map(\.dataset))
                for (json, transfer) in zip(transfers, section.transfers) {
                    XCTAssertEqual(json["row"] as? String, transfer.row)
                    XCTAssertEqual(json["row_label"] as? String, transfer.rowLabel.map(language.pick))
                    XCTAssertEqual(json["mechanism_required"] as? String, transfer.mechanismRequired.rawValue)
                    XCTAssertEqual((json["on_file"] as? [String: Any])?["documents"] as? [String], transfer.onFile?.documents)
                    XCTAssertEqual((json["citations"] as? [[String: Any]])?.count, transfer.citations.count)
                }
            }
            let overview = try XCTUnwrap(json["data_export"] as? [String: Any])
            XCTAssertEqual(overview["stage_order"] as? [String], ["assessment_triggers", "exemptions", "volume"])
        }
    }

    func testOSCALHasADataExportFindingPerCircuitPointingAtItsObservations() throws {
        let result = try ReportFixtures.audit()
        let circuits = result.findings.filter { $0.dataExport != nil }
        for language in ReportLanguage.allCases {
            let document = try JSONSerialization.jsonObject(with: Data(try render(.oscal, result, language).utf8)) as! [String: Any]
            let assessment = ((document["assessment-results"] as! [String: Any])["results"] as! [[String: Any]])[0]
            let findings = assessment["findings"] as! [[String: Any]]
            let observations = assessment["observations"] as! [[String: Any]]
            let dataFindings = findings.filter { (($0["target"] as? [String: Any])?["target-id"] as? String) == "F_DATA_EXPORT" }
            XCTAssertEqual(dataFindings.count, circuits.count)
            XCTAssertEqual(findings.count, result.findings.count + circuits.count)
            for finding in circuits {
                let section = finding.dataExport!
                let match = try XCTUnwrap(dataFindings.first { props($0)["circuit-id"] == [finding.circuitID] }, finding.circuitID)
                XCTAssertEqual(props(match)["data-export-gap"], [section.gap.rawValue])
                XCTAssertEqual(Set(props(match)["data-export-row"] ?? []), Set(section.transfers.compactMap(\.row)))
                let state = ((match["target"] as! [String: Any])["status"] as! [String: Any])["state"] as! String
                XCTAssertEqual(state, section.gap == .none ? "satisfied" : "not-satisfied", finding.circuitID)
                let linked = Set((match["related-observations"] as! [[String: Any]]).map { $0["observation-uuid"] as! String })
                let evidence = observations.filter { linked.contains($0["uuid"] as! String) }.flatMap { $0["relevant-evidence"] as! [[String: Any]] }
                XCTAssertEqual(evidence.count, section.transfers.count + section.candidates.count)
                for transfer in section.transfers {
                    XCTAssertTrue(evidence.contains { ($0["description"] as! String).contains(transfer.dataset) && ($0["description"] as! String).contains(transfer.gap.rawValue) })
                    if let onFile = transfer.onFile {
                        XCTAssertTrue(evidence.contains { ($0["description"] as! String).contains(onFile.reference) }, onFile.reference)
                    }
                }
            }
        }
    }

    func testAnAuditWithNoFindingAndNoTransferStillRendersTheSectionInEveryFormat() throws {
        let result = try ReportFixtures.emptyAudit()
        XCTAssertTrue(result.findings.isEmpty)
        XCTAssertEqual(result.dataExport?.transfers.count ?? 0, 0)
        for language in ReportLanguage.allCases {
            for format in [ReportFormat.html, .md] {
                let text = try render(format, result, language)
                XCTAssertTrue(text.contains(ReportText.dataExport.text(language)), "\(format) \(language)")
                XCTAssertTrue(text.contains(ReportText.noDataExport.text(language)), "\(format) \(language)")
            }
            let json = try JSONSerialization.jsonObject(with: Data(try render(.json, result, language).utf8)) as! [String: Any]
            if let overview = json["data_export"] as? [String: Any] {
                XCTAssertEqual((overview["transfers_without_circuit"] as? [Any])?.count, 0)
                XCTAssertEqual((overview["candidates_without_circuit"] as? [Any])?.count, 0)
            }
            XCTAssertEqual(try render(.csv, result, language).components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, 1)
        }
    }

    func testTransfersOnNoAuditedCircuitAreListedInEveryFormat() throws {
        let result = try ReportFixtures.emptyAudit(declaringTransfers: true)
        let transfers = try XCTUnwrap(result.dataExport?.transfers)
        XCTAssertFalse(transfers.isEmpty)
        XCTAssertTrue(transfers.allSatisfy(\.circuits.isEmpty))
        for language in ReportLanguage.allCases {
            for format in [ReportFormat.html, .md] {
                let text = try render(format, result, language)
                XCTAssertTrue(text.contains(ReportText.transfersWithoutCircuit.text(language)), "\(format) \(language)")
                for transfer in transfers { XCTAssertTrue(text.contains(transfer.dataset), "\(format) \(language): \(transfer.dataset)") }
            }
            let json = try JSONSerialization.jsonObject(with: Data(try render(.json, result, language).utf8)) as! [String: Any]
            let overview = try XCTUnwrap(json["data_export"] as? [String: Any])
            XCTAssertEqual((overview["transfers_without_circuit"] as? [[String: Any]])?.map { $0["dataset"] as! String }, transfers.map(\.dataset))
            let oscal = try JSONSerialization.jsonObject(with: Data(try render(.oscal, result, language).utf8)) as! [String: Any]
            let findings = ((oscal["assessment-results"] as! [String: Any])["results"] as! [[String: Any]])[0]["findings"] as! [[String: Any]]
            XCTAssertEqual(findings.count, 1, "one finding for what no circuit carries")
        }
    }

    func testCandidatesAreMarkedAsInferenceFromMetadataInEveryFormat() throws {
        var result = try ReportFixtures.audit()
        let index = try XCTUnwrap(result.findings.firstIndex { $0.dataExport == nil && $0.category != .c0 })
        let candidate = UndeclaredTransferCandidate(
            source: "10.1.5.6", destination: "52.219.170.9", port: 443, serverName: "bucket.s3.eu-central-1.amazonaws.com", bytes: 2_000_000,
            service: "Amazon S3", kind: .objectStorage, matchedBy: "TLS server name", destinationPlace: "over the circuit", flows: ["traffic.pcap flow 3"],
            inference: UndeclaredTransferCandidate.inferenceNote)
        result.findings[index].dataExport = CircuitDataExport(
            mechanismRequired: nil, gap: .undeclaredCandidate, severity: .medium, transfers: [], candidates: [candidate],
            rationale: Bilingual(en: "flows look like data leaving", zh: "疑似数据出境"), action: Bilingual(en: "ask the owner", zh: "询问负责人"), citations: [])
        let circuit = result.findings[index].circuitID
        for language in ReportLanguage.allCases {
            let mark = ReportText.candidateInference.text(language)
            let html = part(try render(.html, result, language), from: "id=\"data-export-\(circuit)\"", to: "</section>\n</section>")
            XCTAssertTrue(html.contains(mark) && html.contains("bucket.s3.eu-central-1.amazonaws.com"), "\(language) HTML")
            let markdown = try render(.md, result, language)
            XCTAssertTrue(markdown.contains(mark), "\(language) Markdown")
            let row = try render(.csv, result, language).components(separatedBy: "\r\n").first { $0.hasPrefix(circuit + ",") } ?? ""
            XCTAssertTrue(row.contains(ReportText.inferredMark.text(language) + " 10.1.5.6 → bucket.s3"), "\(language) CSV: \(row)")
            let json = try render(.json, result, language)
            XCTAssertTrue(json.contains("\"inferred_from_metadata\" : true") && json.contains(mark), "\(language) JSON")
            let oscal = try render(.oscal, result, language)
            XCTAssertTrue(oscal.contains("\"value\" : \"flow-metadata\"") && oscal.contains(mark), "\(language) OSCAL")
        }
    }

    func testPseudonymisedDataExportSectionShowsNoInternalAddressOfACandidate() throws {
        var result = try ReportFixtures.audit()
        let index = try XCTUnwrap(result.findings.firstIndex { $0.dataExport != nil })
        result.findings[index].dataExport!.candidates.append(UndeclaredTransferCandidate(
            source: "10.1.5.6", destination: "10.200.0.80", port: 5432, serverName: nil, bytes: 3_000_000, service: "PostgreSQL", kind: .database,
            matchedBy: "port 5432", destinationPlace: "over circuit from laptop-7.corp", flows: ["traffic.pcap flow 9: TCP 10.1.5.6:51000 -> 10.200.0.80:5432"],
            inference: UndeclaredTransferCandidate.inferenceNote))
        // An FTPS server inside the organization, found by its port: its name is an inside host's.
        result.findings[index].dataExport!.candidates.append(UndeclaredTransferCandidate(
            source: "10.1.5.7", destination: "10.200.0.81", port: 990, serverName: "files-sg01", bytes: 5_000_000, service: "FTP and FTPS",
            kind: .fileTransfer, matchedBy: "destination port 990", destinationPlace: "over the circuit", flows: [], inference: UndeclaredTransferCandidate.inferenceNote))
        let hidden = try Pseudonymizer(key: Data(repeating: 7, count: 32)).apply(to: result)
        for format in ReportFormat.allCases {
            let text = String(decoding: try Reports.render(format, ReportContext(result: hidden, language: .en, pseudonymized: true)), as: UTF8.self)
            for secret in ["10.1.5.6", "10.200.0.80", "laptop-7.corp", "10.1.5.7", "files-sg01"] { XCTAssertFalse(text.contains(secret), "\(format) shows \(secret)") }
            XCTAssertTrue(text.contains("ip-") && text.contains("host-"), "\(format): the addresses and names became tokens")
        }
    }

    func testChangesSinceTheLastAuditNameCircuitsWhoseDataExportGapChanged() throws {
        let current = try ReportFixtures.audit()
        var previous = current
        let index = try XCTUnwrap(previous.findings.firstIndex { $0.dataExport?.gap == .expiring })
        previous.findings[index].dataExport!.gap = .none
        let circuit = current.findings[index].circuitID
        for language in ReportLanguage.allCases {
            let context = ReportContext(result: current, previous: previous, language: language)
            let expected = "\(circuit) \(current.findings[index].circuitName): \(ReportText.gapNone.text(language)) (NONE) → \(ReportText.gapExpiring.text(language)) (EXPIRING)"
            let markdown = String(decoding: try Reports.render(.md, context), as: UTF8.self)
            let changes = part(markdown, from: "<a id=\"changes-data-export\"></a>", to: "<a id=\"map\"></a>")
            XCTAssertTrue(changes.contains(ReportText.changedDataExport.text(language)), "\(language)")
            XCTAssertTrue(changes.contains(expected), "\(language): \(changes)")
            XCTAssertEqual(changes.components(separatedBy: "\n- ").count - 1, 1, "only that circuit")
            let json = try JSONSerialization.jsonObject(with: try Reports.render(.json, context)) as! [String: Any]
            let summary = (json["summary"] as! [String: Any])["changes"] as! [String: Any]
            XCTAssertEqual(summary["data_export_changed"] as? [String], [circuit])
        }
        XCTAssertFalse(String(decoding: try Reports.render(.md, ReportContext(result: current, previous: current, language: .en)), as: UTF8.self)
            .contains("changes-data-export"), "no change, no list")
    }

    private func props(_ object: [String: Any]) -> [String: [String]] {
        Dictionary(grouping: (object["props"] as? [[String: Any]]) ?? [], by: { $0["name"] as! String }).mapValues { $0.map { $0["value"] as! String } }
    }

    private func escapeHTML(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;").replacingOccurrences(of: "'", with: "&#39;")
    }
}
