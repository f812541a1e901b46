import Audit
import Foundation

/// One gateway's latest audit, as a fleet report takes it.
public struct GatewayAudit: Sendable {
    public var gateway: String
    public var site: String?
    public var result: AuditResult
    /// Counsel's decisions on its circuits, by circuit id.
    public var reviews: [String: FindingReview]

    public init(gateway: String, site: String?, result: AuditResult, reviews: [String: FindingReview] = [:]) {
        self.gateway = gateway
        self.site = site
        self.result = result
        self.reviews = reviews
    }
}

/// Reports over many gateways, made by the same renderers as one gateway's: CSV with the
/// gateway and site before each row, the JSON report once per gateway, and OSCAL assessment
/// results with one result and one subject (an inventory item) per gateway.
public enum FleetReports {
    public static let formats: [ReportFormat] = [.csv, .json, .oscal]

    public static func render(_ format: ReportFormat, _ audits: [GatewayAudit], language: ReportLanguage, pseudonymized: Bool = false,
                              generatedAt: Date = Date()) throws(ReportError) -> Data {
        let contexts = audits.map { ReportContext(result: $0.result, language: language, pseudonymized: pseudonymized, reviews: $0.reviews) }
        do {
            switch format {
            case .csv:
                var rows: [[String]] = [[ReportText.gateway.text(language), ReportText.site.text(language)] + CSVRenderer.header(language)
                    + FindingReview.header(language)]
                for (audit, context) in zip(audits, contexts) {
                    rows += zip(context.orderedFindings, CSVRenderer.rows(context).dropFirst()).map { finding, row in
                        [audit.gateway, audit.site ?? ""] + row + FindingReview.columns(audit.reviews[finding.circuitID], language)
                    }
                }
                return Data(CSVRenderer.encode(rows).utf8)
            case .json:
                let encoder = JSONEncoder()
                encoder.keyEncodingStrategy = .convertToSnakeCase
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                let fleet = FleetJSON(schemaVersion: JSONReport.schemaVersion, generatedAt: ISO8601DateFormatter().string(from: generatedAt),
                                      language: language.rawValue,
                                      gateways: zip(audits, contexts).map { audit, context in
                                          FleetJSON.Gateway(gateway: audit.gateway, site: audit.site, report: JSONReport(context),
                                                            reviews: audit.reviews.sorted { $0.key < $1.key }.map { FleetJSON.Review(circuitId: $0.key, review: $0.value) })
                                      })
                return try encoder.encode(fleet)
            case .oscal:
                return try oscal(audits, contexts, language: language, pseudonymized: pseudonymized, generatedAt: generatedAt)
            case .html, .md:
                throw ReportError.cannotRender(format: format.rawValue, reason: "fleet reports are csv, json or oscal; open one gateway's run for html or md")
            }
        } catch let error as ReportError {
            throw error
        } catch {
            throw .cannotRender(format: format.rawValue, reason: "\(error)")
        }
    }

    struct FleetJSON: Encodable {
        struct Gateway: Encodable {
            var gateway: String
            var site: String?
            var report: JSONReport
            var reviews: [Review]
        }

        /// Counsel's decision on one circuit of the gateway.
        struct Review: Encodable {
            var circuitId: String
            var review: FindingReview
        }

        var schemaVersion: Int
        var generatedAt: String
        var language: String
        var gateways: [Gateway]
    }

    private static func oscal(_ audits: [GatewayAudit], _ contexts: [ReportContext], language: ReportLanguage, pseudonymized: Bool,
                              generatedAt: Date) throws -> Data {
        let stamp = ISO8601DateFormatter().string(from: generatedAt)
        let seed = "fleet|" + audits.map { "\($0.gateway)@\($0.result.generatedAt)" }.joined(separator: ",")
        var results: [[String: Any]] = []
        for (audit, context) in zip(audits, contexts) {
            let subject = OSCALRenderer.uuid("gateway", audit.gateway)
            var result = OSCALRenderer.assessment(context, subject: (subject, audit.gateway))
            result["title"] = "\(ReportText.gateway.text(language)) \(audit.gateway)"
            var item: [String: Any] = [
                "uuid": subject,
                "description": "\(ReportText.gateway.text(language)) \(audit.gateway)" + (audit.site.map { " (\($0))" } ?? ""),
                "props": [OSCALRenderer.prop("gateway", audit.gateway)] + (audit.site.map { [OSCALRenderer.prop("site", $0)] } ?? []),
            ]
            if let organization = audit.result.organization { item["remarks"] = organization }
            result["local-definitions"] = ["inventory-items": [item]]
            results.append(result)
        }
        let planUUID = OSCALRenderer.uuid(seed, "rule-pack")
        let policies = Set(audits.flatMap { $0.result.policies.map { "\($0.file) version \($0.version) as of \($0.asOf)" } }).sorted()
        let document: [String: Any] = ["assessment-results": [
            "uuid": OSCALRenderer.uuid(seed, "assessment-results"),
            "metadata": [
                "title": ReportText.title.text(language) + " — " + ReportText.gateway.text(language) + " × \(audits.count)",
                "last-modified": stamp,
                "version": audits.first?.result.toolVersion ?? "unknown",
                "oscal-version": OSCALRenderer.oscalVersion,
                "props": [OSCALRenderer.prop("tool", "circuit-audit"), OSCALRenderer.prop("language", language.rawValue),
                          OSCALRenderer.prop("gateways", String(audits.count)), OSCALRenderer.prop("pseudonymized", pseudonymized ? "true" : "false")],
                "remarks": language.pick(Finding.forLegalReview),
            ] as [String: Any],
            "import-ap": ["href": "#\(planUUID)", "remarks": "Each gateway's plan is its rule pack (back-matter)."],
            "results": results.isEmpty ? [[
                "uuid": OSCALRenderer.uuid(seed, "empty"), "title": ReportText.noFindings.text(language),
                "description": "No gateway has reported.", "start": stamp,
                "reviewed-controls": ["control-selections": [["include-all": [String: Any]()]]] as [String: Any],
            ] as [String: Any]] : results,
            "back-matter": ["resources": [[
                "uuid": planUUID, "title": "Rule files of the gateways' audits",
                "description": "The rule files the gateways applied; each row names a file, its version and its as-of date.",
                "citation": ["text": policies.joined(separator: "; ").ifEmpty("none")],
            ] as [String: Any]]],
        ] as [String: Any]]
        return try JSONSerialization.data(withJSONObject: document, options: [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes])
    }
}
