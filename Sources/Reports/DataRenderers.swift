import Audit
import Crypto
import DataExport
import Foundation
import Policy

/// One row per finding, RFC 4180: CRLF line ends, fields quoted when they hold a comma, quote
/// or line break, quotes doubled. Codes beside labels so a spreadsheet can filter either way.
/// The circuit's data-export assessment is seven more columns on its row (mechanism required
/// and its code, gap and its code, one line per declared transfer, one line per
/// undeclared-transfer candidate marked as inferred, citations), empty when nothing concerns
/// the circuit: a row stays one circuit, as every other format counts them.
enum CSVRenderer {
    static func render(_ context: ReportContext) -> String {
        let language = context.language
        let t = { (text: ReportText) in text.text(language) }
        var rows = [[t(.circuit), t(.circuitName), t(.category), "\(t(.category)) \(t(.code))", t(.severity), "\(t(.severity)) \(t(.code))",
                     t(.confidence), t(.rule), t(.flags), t(.citations), t(.waiver), t(.rationale), t(.action), t(.evidence), t(.sources),
                     t(.dataExportColumnMechanism), "\(t(.dataExportColumnMechanism)) \(t(.code))", t(.dataExportColumnGap), "\(t(.dataExportColumnGap)) \(t(.code))",
                     t(.dataExportColumnTransfers), t(.dataExportColumnCandidates), t(.dataExportColumnCitations)]]
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
        return rows.map { $0.map(CSVField.quote).joined(separator: ",") }.joined(separator: "\r\n") + "\r\n"
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
        var dataExportChanged: [String]
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
        var dataExport: DataExport?
    }

    /// A circuit's data-export assessment in the report's language, codes beside labels.
    struct DataExport: Codable {
        var mechanismRequired: String?
        var mechanismRequiredLabel: String?
        var gap: String
        var gapLabel: String
        var severity: String
        var rationale: String
        var action: String
        var citations: [Citation]
        var transfers: [Transfer]
        var candidates: [Candidate]
    }

    struct Transfer: Codable {
        var dataset: String
        var recipient: String
        var country: String
        var purpose: String
        var personalIndividuals: Int
        var sensitiveIndividuals: Int
        var countedFrom: String
        var importantData: String?
        var importantDataCandidate: Bool
        var exemptionGrounds: [String]
        var row: String?
        var rowLabel: String?
        var mechanismRequired: String
        var mechanismRequiredLabel: String
        var duties: [String]
        var onFile: OnFile?
        var gap: String
        var gapLabel: String
        var gaps: [GapItem]
        var severity: String
        var citations: [Citation]
        var declaredAt: String
        var circuits: [String]

        init(_ transfer: TransferAssessment, _ language: ReportLanguage) {
            dataset = transfer.dataset
            recipient = transfer.recipient
            country = transfer.country
            purpose = transfer.purpose
            personalIndividuals = transfer.personalIndividuals
            sensitiveIndividuals = transfer.sensitiveIndividuals
            countedFrom = transfer.countedFrom
            importantData = transfer.importantData
            importantDataCandidate = transfer.importantDataCandidate
            exemptionGrounds = transfer.exemptionGrounds
            row = transfer.row
            rowLabel = transfer.rowLabel.map(language.pick)
            mechanismRequired = transfer.mechanismRequired.rawValue
            mechanismRequiredLabel = transfer.mechanismRequired.reportText.text(language)
            duties = transfer.duties
            onFile = transfer.onFile.map { OnFile($0, language) }
            gap = transfer.gap.rawValue
            gapLabel = transfer.gap.reportText.text(language)
            gaps = transfer.gaps.map { GapItem(gap: $0.gap.rawValue, label: $0.gap.reportText.text(language), detail: $0.detail) }
            severity = transfer.severity.rawValue
            citations = transfer.citations
            declaredAt = transfer.declaredAt
            circuits = transfer.circuits
        }
    }

    struct OnFile: Codable {
        var kind: String
        var kindLabel: String
        var reference: String
        var date: String
        var validityRule: String?
        var validUntil: String?
        var windowOpens: String?
        var extensionApplied: String?
        var extensionApproved: String?
        var coversIndividuals: Int?
        var documents: [String]

        init(_ status: MechanismStatus, _ language: ReportLanguage) {
            kind = status.kind.rawValue
            kindLabel = status.kind.reportText.text(language)
            reference = status.reference
            date = status.date
            validityRule = status.validityRule
            validUntil = status.validUntil
            windowOpens = status.windowOpens
            extensionApplied = status.extensionApplied
            extensionApproved = status.extensionApproved
            coversIndividuals = status.coversIndividuals
            documents = status.documents
        }
    }

    struct GapItem: Codable {
        var gap: String
        var label: String
        var detail: String
    }

    /// An undeclared-transfer candidate: `inferred_from_metadata` is always true, and
    /// `inference` says so in the report's language.
    struct Candidate: Codable {
        var source: String
        var destination: String
        var port: UInt16
        var serverName: String?
        var bytes: UInt64
        var service: String
        var kind: String
        var kindLabel: String
        var matchedBy: String
        var destinationPlace: String
        var flows: [String]
        var inferredFromMetadata = true
        var inference: String

        init(_ candidate: UndeclaredTransferCandidate, _ language: ReportLanguage) {
            source = candidate.source
            destination = candidate.destination
            port = candidate.port
            serverName = candidate.serverName
            bytes = candidate.bytes
            service = candidate.service
            kind = candidate.kind.rawValue
            kindLabel = candidate.kind.reportText.text(language)
            matchedBy = candidate.matchedBy
            destinationPlace = candidate.destinationPlace
            flows = candidate.flows
            inference = ReportText.candidateInference.text(language)
        }
    }

    /// The processor, the counts and what concerns no circuit.
    struct DataExportOverview: Codable {
        var asOf: String
        var stageOrder: [String]
        var ciio: Bool
        var freeTradeZone: String?
        var negativeList: String?
        var negativeListInForce: Bool
        var personal: Int
        var sensitive: Int
        var speciallySensitive: Int
        var countedFrom: String
        var countBasis: String
        var transfersWithoutCircuit: [Transfer]
        var candidatesWithoutCircuit: [Candidate]
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
    var dataExport: DataExportOverview?
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
                        removed: change.removed.map(\.circuitID), changed: change.changed.map(\.after.circuitID),
                        dataExportChanged: change.dataExportChanged.map(\.after.circuitID))
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
                remote: circuit.map { Remote(address: $0.remoteAddress ?? $0.remote.first?.host, country: $0.remoteLocation?.country, site: $0.remoteLocation?.site) },
                dataExport: finding.dataExport.map { section in
                    DataExport(mechanismRequired: section.mechanismRequired?.rawValue, mechanismRequiredLabel: section.mechanismRequired?.reportText.text(language),
                               gap: section.gap.rawValue, gapLabel: section.gap.reportText.text(language), severity: section.severity.rawValue,
                               rationale: language.pick(section.rationale), action: language.pick(section.action), citations: section.citations,
                               transfers: section.transfers.map { Transfer($0, language) }, candidates: section.candidates.map { Candidate($0, language) })
                })
        }
        dataExport = result.dataExport.map { evaluation in
            DataExportOverview(
                asOf: evaluation.asOf, stageOrder: evaluation.stageOrder.map(\.rawValue), ciio: evaluation.processor.ciio,
                freeTradeZone: evaluation.processor.freeTradeZone, negativeList: evaluation.processor.negativeList?.name,
                negativeListInForce: evaluation.processor.negativeListInForce, personal: evaluation.counts.personal, sensitive: evaluation.counts.sensitive,
                speciallySensitive: evaluation.counts.speciallySensitive, countedFrom: evaluation.counts.countedFrom, countBasis: evaluation.counts.basis,
                transfersWithoutCircuit: context.transfersWithoutCircuit.map { Transfer($0, language) },
                candidatesWithoutCircuit: evaluation.candidatesWithoutCircuit.map { Candidate($0, language) })
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
            if let section = finding.dataExport {
                let (more, dataFinding) = dataExport(section, finding, seed: seed, context)
                observations += more
                findings.append(dataFinding)
            }
        }
        let unplaced = context.transfersWithoutCircuit, direct = result.dataExport?.candidatesWithoutCircuit ?? []
        if !unplaced.isEmpty || !direct.isEmpty {
            let (more, dataFinding) = dataExportWithoutCircuit(unplaced, direct, seed: seed, context)
            observations += more
            findings.append(dataFinding)
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

    /// A circuit's data-export assessment: an observation of the declared transfers (examined
    /// declarations, each transfer a piece of evidence with its documents), one of the
    /// undeclared-transfer candidates (tested traffic, marked `inference: flow-metadata`), and a
    /// finding against `F_DATA_EXPORT` that points at both.
    static func dataExport(_ section: CircuitDataExport, _ finding: Finding, seed: String, _ context: ReportContext) -> ([[String: Any]], [String: Any]) {
        let language = context.language, result = context.result
        var observations = [[String: Any]]()
        var props = [prop("circuit-id", finding.circuitID), prop("data-export-gap", section.gap.rawValue), prop("severity", section.severity.rawValue)]
        if let mechanism = section.mechanismRequired { props.append(prop("data-export-mechanism-required", mechanism.rawValue)) }
        props += Array(Set(section.transfers.compactMap(\.row))).sorted().map { prop("data-export-row", $0) }
        if !section.transfers.isEmpty {
            observations.append(transfersObservation(section.transfers, uuid: uuid(seed, "data-export-transfers", finding.circuitID),
                                                     title: "\(finding.circuitID) \(finding.circuitName): \(ReportText.transfer.text(language))",
                                                     props: [prop("circuit-id", finding.circuitID)], context))
        }
        if !section.candidates.isEmpty {
            observations.append(candidatesObservation(section.candidates, uuid: uuid(seed, "data-export-candidates", finding.circuitID),
                                                      title: "\(finding.circuitID) \(finding.circuitName): \(ReportText.candidates.text(language))",
                                                      props: [prop("circuit-id", finding.circuitID)], collected: result.generatedAt, language))
        }
        let dataFinding: [String: Any] = [
            "uuid": uuid(seed, "data-export-finding", finding.circuitID),
            "title": "\(finding.circuitID): \(ReportText.dataExport.text(language)) — \(DataExportWords.gap(section.gap, language))",
            "description": language.pick(section.rationale),
            "props": props,
            "target": [
                "type": "objective-id",
                "target-id": CircuitFlag.dataExport.rawValue,
                "title": section.citations.map(FindingsSection.citation).joined(separator: "; ").ifEmpty(ReportText.dataExport.text(language)),
                "status": ["state": section.severity <= .low ? "satisfied" : "not-satisfied"],
            ] as [String: Any],
            "related-observations": observations.map { ["observation-uuid": $0["uuid"]!] },
            "remarks": "\(ReportText.action.text(language)): \(language.pick(section.action))\n\(language.pick(finding.disclaimer))",
        ]
        return (observations, dataFinding)
    }

    /// Declared transfers no circuit carries and candidates on direct Internet egress.
    static func dataExportWithoutCircuit(_ transfers: [TransferAssessment], _ candidates: [UndeclaredTransferCandidate], seed: String,
                                         _ context: ReportContext) -> ([[String: Any]], [String: Any]) {
        let language = context.language
        var observations = [[String: Any]]()
        if !transfers.isEmpty {
            observations.append(transfersObservation(transfers, uuid: uuid(seed, "data-export-transfers", "no-circuit"),
                                                     title: ReportText.transfersWithoutCircuit.text(language), props: [prop("circuit-id", "none")], context))
        }
        if !candidates.isEmpty {
            observations.append(candidatesObservation(candidates, uuid: uuid(seed, "data-export-candidates", "direct"),
                                                      title: ReportText.candidatesWithoutCircuit.text(language), props: [prop("circuit-id", "none")],
                                                      collected: context.result.generatedAt, language))
        }
        let gap = (transfers.map(\.gap) + (candidates.isEmpty ? [] : [.undeclaredCandidate])).max() ?? .none
        // Candidates always call for review; transfers count by their own gap's severity.
        let cleared = candidates.isEmpty && transfers.allSatisfy { $0.severity <= .low }
        let dataFinding: [String: Any] = [
            "uuid": uuid(seed, "data-export-finding", "no-circuit"),
            "title": "\(ReportText.dataExport.text(language)) — "
                + [transfers.isEmpty ? nil : ReportText.transfersWithoutCircuit, candidates.isEmpty ? nil : .candidatesWithoutCircuit]
                    .compactMap { $0?.text(language) }.joined(separator: " / "),
            "description": [transfers.isEmpty ? nil : ReportText.transfersWithoutCircuitNote, candidates.isEmpty ? nil : .candidateInference]
                .compactMap { $0?.text(language) }.joined(separator: "\n"),
            "props": [prop("data-export-gap", gap.rawValue)] + (transfers.map(\.severity).max().map { [prop("severity", $0.rawValue)] } ?? []),
            "target": [
                "type": "objective-id", "target-id": CircuitFlag.dataExport.rawValue, "title": ReportText.dataExport.text(language),
                "status": ["state": cleared ? "satisfied" : "not-satisfied"],
            ] as [String: Any],
            "related-observations": observations.map { ["observation-uuid": $0["uuid"]!] },
            "remarks": language.pick(Finding.forLegalReview),
        ]
        return (observations, dataFinding)
    }

    private static func transfersObservation(_ transfers: [TransferAssessment], uuid: String, title: String, props: [[String: Any]],
                                             _ context: ReportContext) -> [String: Any] {
        let language = context.language
        return [
            "uuid": uuid, "title": title,
            "description": transfers.map { DataExportWords.transferLine($0, language) }.joined(separator: "\n"),
            "methods": ["EXAMINE"], "types": ["finding"], "collected": context.result.generatedAt, "props": props,
            "relevant-evidence": transfers.map { transfer -> [String: Any] in
                var evidence: [String: Any] = [
                    "description": DataExportWords.transferLine(transfer, language),
                    "props": [prop("data-export-mechanism-required", transfer.mechanismRequired.rawValue), prop("data-export-gap", transfer.gap.rawValue)]
                        + (transfer.row.map { [prop("data-export-row", $0)] } ?? [])
                        + (transfer.onFile.map { [prop("data-export-on-file", $0.kind.rawValue), prop("data-export-reference", $0.reference)] } ?? []),
                ]
                let remarks = transfer.gaps.map { "\(DataExportWords.gap($0.gap, language)): \($0.detail)" }
                    + transfer.citations.map(FindingsSection.citation) + ["\(ReportText.declaredAt.text(language)): \(transfer.declaredAt)"]
                evidence["remarks"] = remarks.joined(separator: "\n")
                return evidence
            },
        ]
    }

    private static func candidatesObservation(_ candidates: [UndeclaredTransferCandidate], uuid: String, title: String, props: [[String: Any]],
                                              collected: String, _ language: ReportLanguage) -> [String: Any] {
        [
            "uuid": uuid, "title": title,
            "description": ReportText.candidateInference.text(language),
            "methods": ["TEST"], "types": ["finding"], "collected": collected,
            "props": props + [prop("inference", "flow-metadata")],
            "relevant-evidence": candidates.map { candidate -> [String: Any] in
                [
                    "description": DataExportWords.candidateLine(candidate, language),
                    "props": [prop("inference", "flow-metadata"), prop("data-store-kind", candidate.kind.rawValue)],
                    "remarks": ([candidate.destinationPlace] + candidate.flows).joined(separator: "\n"),
                ]
            },
        ]
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
