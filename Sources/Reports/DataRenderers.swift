import Audit
import Crypto
import Foundation
import Policy

/// One row per finding, RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote
/// or line break, quotes doubled. Codes beside labels so a spreadsheet can filter either way.
enum CSVRenderer {
    static func render(_ context: ReportContext) -> String {
        let language = context.language
        let t = { (text: ReportText) in text.text(language) }
        var rows = [[t(.circuit), t(.circuitName), t(.category), "\(t(.category)) \(t(.code))", t(.severity), "\(t(.severity)) \(t(.code))",
                     t(.confidence), t(.rule), t(.flags), t(.citations), t(.waiver), t(.rationale), t(.action), t(.evidence), t(.sources)]]
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
            ])
        }
        return rows.map { $0.map(CSVField.quote).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
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

/// The findings in one language under `schemas/report.schema.json`: what a compliance tool
/// imports. findings.json stays the audit's own record, in both languages.
struct JSONReport: Codable {
    static let schemaVersion = 1

    struct Summary: Codable {
        var circuits: Int
        var open: Int
        var waived: Int
        var byCategory: [Count]
        var bySeverity: [Count]
        var changes: Changes?
    }

    struct Count: Codable {
        var code: String
        var label: String
        var count: Int
    }

    struct Changes: Codable {
        var previousGeneratedAt: String
        var added: [String]
        var removed: [String]
        var changed: [String]
    }

    struct Flag: Codable {
        var flag: String
        var label: String
        var rule: String
        var severity: String
        var rationale: String
        var action: String
        var citations: [Citation]
    }

    struct Item: Codable {
        var circuitID: String
        var circuitName: String
        var category: String
        var categoryLabel: String
        var severity: String
        var severityLabel: String
        var confidence: String
        var rule: String
        var citations: [Citation]
        var rationale: String
        var action: String
        var flags: [Flag]
        var evidence: [EvidenceItem]
        var trace: [TraceStep]
        var waiver: WaiverStatus?
        var remote: Remote?
    }

    struct Remote: Codable {
        var address: String?
        var country: String?
        var site: String?
    }

    struct Appendix: Codable {
        var policies: [PolicyFileHeader]
        var inputs: [AuditResult.Input]
        var warnings: [String]
    }

    var schemaVersion = JSONReport.schemaVersion
    var language: String
    var title: String
    var disclaimer: String
    var toolVersion: String
    var generatedAt: String
    var asOf: String
    var organization: String?
    var pseudonymized: Bool
    var summary: Summary
    var findings: [Item]
    var appendix: Appendix

    init(_ context: ReportContext) {
        let language = context.language, result = context.result
        self.language = language.rawValue
        title = ReportText.title.text(language)
        disclaimer = language.pick(Finding.forLegalReview)
        toolVersion = result.toolVersion
        generatedAt = result.generatedAt
        asOf = result.asOf
        organization = result.organization
        pseudonymized = context.pseudonymized
        let change = context.previous.map { AuditChange(previous: $0, current: result) }
        summary = Summary(
            circuits: result.findings.count, open: result.openFindings(atLeast: .high).count,
            waived: result.findings.filter { $0.waiver?.active == true }.count,
            byCategory: context.categoryCounts.map { Count(code: $0.category.rawValue, label: language.pick($0.category.label), count: $0.count) },
            bySeverity: context.severityCounts.map { Count(code: $0.severity.rawValue, label: $0.severity.reportText.text(language), count: $0.count) },
            changes: change.map { change in
                Changes(previousGeneratedAt: context.previous!.generatedAt, added: change.added.map(\.circuitID),
                        removed: change.removed.map(\.circuitID), changed: change.changed.map(\.after.circuitID))
            })
        findings = context.orderedFindings.map { finding in
            let circuit = context.circuit(finding.circuitID)
            return Item(
                circuitID: finding.circuitID, circuitName: finding.circuitName, category: finding.category.rawValue,
                categoryLabel: language.pick(finding.categoryLabel), severity: finding.severity.rawValue,
                severityLabel: finding.severity.reportText.text(language), confidence: finding.confidence.rawValue, rule: finding.rule,
                citations: finding.citations, rationale: language.pick(finding.rationale), action: language.pick(finding.action),
                flags: finding.flags.map {
                    Flag(flag: $0.flag.rawValue, label: language.pick($0.label), rule: $0.rule, severity: $0.severity.rawValue,
                         rationale: language.pick($0.rationale), action: language.pick($0.action), citations: $0.citations)
                },
                evidence: finding.evidence, trace: finding.trace, waiver: finding.waiver,
                remote: circuit.map { Remote(address: $0.remoteAddress ?? $0.remote.first?.host, country: $0.remoteLocation?.country, site: $0.remoteLocation?.site) })
        }
        appendix = Appendix(policies: result.policies, inputs: result.inputs, warnings: result.warnings)
    }

    static func render(_ context: ReportContext) throws -> Data {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return try encoder.encode(JSONReport(context))
    }
}

/// NIST OSCAL assessment results (1.x; validated against the 1.2.3 schema in schemas/vendor/oscal): the audit as one result, each finding an observation
/// (the facts, with their sources as relevant evidence) and a finding (the rule it meets, for
/// legal review) that points at it. UUIDs derive from the audit and circuit ids, so the same
/// audit gives the same document.
enum OSCALRenderer {
    static let oscalVersion = "1.2.3"
    static let namespace = "https://circuitaudit.invalid/ns/oscal"

    static func render(_ context: ReportContext) throws -> Data {
        let result = context.result, language = context.language
        let seed = "\(result.generatedAt)|\(result.toolVersion)|\(result.asOf)"
        let planUUID = uuid(seed, "rule-pack")
        var observations: [[String: Any]] = []
        var findings: [[String: Any]] = []
        for finding in context.orderedFindings {
            let observationUUID = uuid(seed, "observation", finding.circuitID)
            var observation: [String: Any] = [
                "uuid": observationUUID,
                "title": "\(finding.circuitID) \(finding.circuitName)",
                "description": finding.evidence.map { "\($0.predicate): \($0.fact)" }.joined(separator: "\n"),
                "methods": ["EXAMINE", "TEST"],
                "types": ["finding"],
                "collected": result.generatedAt,
                "props": [
                    prop("circuit-id", finding.circuitID), prop("category", finding.category.rawValue),
                    prop("confidence", finding.confidence.rawValue),
                ],
            ]
            let evidence = finding.evidence.filter { !$0.sources.isEmpty }.map { item -> [String: Any] in
                ["description": "\(item.predicate): \(item.fact)", "remarks": item.sources.joined(separator: "\n")]
            }
            if !evidence.isEmpty { observation["relevant-evidence"] = evidence }
            observations.append(observation)

            let cleared = finding.severity <= .low || finding.waiver?.active == true
            var props = [
                prop("circuit-id", finding.circuitID), prop("category", finding.category.rawValue), prop("severity", finding.severity.rawValue),
                prop("confidence", finding.confidence.rawValue), prop("rule", finding.rule),
            ]
            props += finding.flags.map { prop("flag", $0.flag.rawValue) }
            if let waiver = finding.waiver { props.append(prop("waiver", waiver.active ? "active" : "expired")) }
            findings.append([
                "uuid": uuid(seed, "finding", finding.circuitID),
                "title": "\(finding.circuitID): \(language.pick(finding.categoryLabel)) (\(finding.category.rawValue))",
                "description": language.pick(finding.rationale),
                "props": props,
                "target": [
                    "type": "objective-id",
                    "target-id": finding.rule,
                    "title": finding.citations.map(FindingsSection.citation).joined(separator: "; "),
                    "status": ["state": cleared ? "satisfied" : "not-satisfied"],
                ] as [String: Any],
                "related-observations": [["observation-uuid": observationUUID]],
                "remarks": "\(ReportText.action.text(language)): \(language.pick(finding.action))\n\(language.pick(finding.disclaimer))",
            ])
        }
        var assessment: [String: Any] = [
            "uuid": uuid(seed, "result"),
            "title": ReportText.title.text(language),
            "description": ReportText.subtitle.text(language) + " " + language.pick(Finding.forLegalReview),
            "start": result.generatedAt,
            "end": result.generatedAt,
            "reviewed-controls": [
                "description": "The rules of the policy files listed in back-matter, as of \(result.asOf).",
                "control-selections": [["include-all": [String: Any]()]],
            ] as [String: Any],
            "props": [prop("as-of", result.asOf), prop("circuits", String(result.findings.count))],
        ]
        if !observations.isEmpty { assessment["observations"] = observations }
        if !findings.isEmpty { assessment["findings"] = findings }

        var metadataProps = [prop("tool", "circuit-audit"), prop("tool-version", result.toolVersion), prop("language", language.rawValue),
                             prop("pseudonymized", context.pseudonymized ? "true" : "false")]
        if let organization = result.organization { metadataProps.append(prop("organization", organization)) }
        let resources: [[String: Any]] = [[
            "uuid": planUUID,
            "title": "Rule files of circuit-audit \(result.toolVersion)",
            "description": "The rule files the audit applied; each row names a file, its version, its as-of date and its sources.",
            "citation": ["text": result.policies.map { "\($0.file) version \($0.version) as of \($0.asOf)" }.joined(separator: "; ").ifEmpty("none")],
        ]] + result.inputs.enumerated().map { index, input in
            var resource: [String: Any] = ["uuid": uuid(seed, "input", String(index)), "title": input.path, "description": input.kind]
            if let digest = input.sha256 { resource["rlinks"] = [["href": input.path, "hashes": [["algorithm": "SHA-256", "value": digest]]]] }
            return resource
        }
        let document: [String: Any] = ["assessment-results": [
            "uuid": uuid(seed, "assessment-results"),
            "metadata": [
                "title": ReportText.title.text(language),
                "last-modified": result.generatedAt,
                "version": result.toolVersion,
                "oscal-version": oscalVersion,
                "props": metadataProps,
                "remarks": language.pick(Finding.forLegalReview),
            ] as [String: Any],
            "import-ap": ["href": "#\(planUUID)", "remarks": "The audit's plan is its rule pack (back-matter)."],
            "results": [assessment],
            "back-matter": ["resources": resources],
        ] as [String: Any]]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }

    static func prop(_ name: String, _ value: String) -> [String: Any] {
        ["name": name, "ns": namespace, "value": value]
    }

    /// A name-based UUID (RFC 9562 version 5 layout, over SHA-256 rather than SHA-1).
    static func uuid(_ parts: String...) -> String {
        var bytes = Array(SHA256.hash(data: Data(parts.joined(separator: "|").utf8)).prefix(16))
        bytes[6] = (bytes[6] & 0x0F) | 0x50
        bytes[8] = (bytes[8] & 0x3F) | 0x80
        let hex = bytes.map { String(format: "%02x", $0) }.joined()
        let characters = Array(hex)
        return [0..<8, 8..<12, 12..<16, 16..<20, 20..<32].map { String(characters[$0]) }.joined(separator: "-")
    }
}

extension String {
    func ifEmpty(_ replacement: String) -> String { isEmpty ? replacement : self }
}
