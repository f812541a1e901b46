import Audit
import DataExport
import Foundation

/// One row per finding, RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote
/// or line break, quotes doubled. Codes beside labels so a spreadsheet can filter either way.
/// The circuit's data-export assessment is seven more columns on its row (mechanism required
/// and its code, gap and its code, one line per declared transfer, one line per
/// undeclared-transfer candidate marked as inferred, citations), empty when nothing concerns
/// the circuit: a row stays one circuit, as every other format counts them.
enum CSVRenderer {
    static func render(_ context: ReportContext) -> String {
        encode(rows(context))
    }

    static func encode(_ rows: [[String]]) -> String {
        rows.map { $0.map(CSVField.quote).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
    }

    /// The header row, then one row per finding.
    static func rows(_ context: ReportContext) -> [[String]] {
        let language = context.language
        let t = { (text: ReportText) in text.text(language) }
        var rows = [header(language)]
        for finding in context.orderedFindings {
            let waiver = finding.waiver.map { "\($0.rule): \(t($0.active ? .waiverActive : .waiverExpired)) (\($0.expires))" } ?? ""
            rows.append([
                finding.circuitID, finding.circuitName, language.pick(finding.categoryLabel), finding.category.rawValue,
                t(finding.severity.reportText), finding.severity.rawValue, t(finding.confidence.reportText), finding.rule,
                finding.flags.map { "\($0.flag.rawValue) \(language.pick($0.label))" }.joined(separator: "; "),
                finding.citations.map(FindingsSection.citation).joined(separator: "; "), waiver,
                language.pick(finding.rationale), language.pick(finding.action),
                finding.evidence.filter { !$0.sources.isEmpty }.map { "\($0.predicate): \($0.fact)" }.joined(separator: "\n"),
                Array(Set(finding.evidence.flatMap(\.sources))).sorted().joined(separator: "\n"),
            ] + dataExportColumns(finding.dataExport, language))
        }
        return rows
    }

    static func header(_ language: ReportLanguage) -> [String] {
        let t = { (text: ReportText) in text.text(language) }
        return [t(.circuit), t(.circuitName), t(.category), "\(t(.category)) \(t(.code))", t(.severity), "\(t(.severity)) \(t(.code))",
                t(.confidence), t(.rule), t(.flags), t(.citations), t(.waiver), t(.rationale), t(.action), t(.evidence), t(.sources),
                t(.dataExportColumnMechanism), "\(t(.dataExportColumnMechanism)) \(t(.code))", t(.dataExportColumnGap), "\(t(.dataExportColumnGap)) \(t(.code))",
                t(.dataExportColumnTransfers), t(.dataExportColumnCandidates), t(.dataExportColumnCitations)]
    }

    private static func dataExportColumns(_ section: CircuitDataExport?, _ language: ReportLanguage) -> [String] {
        guard let section else { return ["", "", "", "", "", "", ""] }
        return [
            section.mechanismRequired.map { $0.reportText.text(language) } ?? "", section.mechanismRequired?.rawValue ?? "",
            section.gap.reportText.text(language), section.gap.rawValue,
            section.transfers.map { DataExportWords.transferLine($0, language) }.joined(separator: "\n"),
            section.candidates.map { DataExportWords.candidateLine($0, language) }.joined(separator: "\n"),
            section.citations.map(FindingsSection.citation).joined(separator: "; "),
        ]
    }
}

/// RFC 4180 field quoting.
public enum CSVField {
    /// The field as written: quoted when it holds a comma, quote or line break, quotes doubled.
    public static func quote(_ text: String) -> String {
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
