import Audit
import Crypto
import DataExport
import Foundation
import Policy

/// NIST OSCAL assessment results (1.x; validated against the 1.2.3 schema in schemas/vendor/oscal): the audit as one result, each finding an observation
/// (the facts, with their sources as relevant evidence) and a finding (the rule it meets, for
/// legal review) that points at it. UUIDs derive from the audit and circuit ids, so the same
/// audit gives the same document.
enum OSCALRenderer {
    static let oscalVersion = "1.2.3"
    static let namespace = "https://circuitaudit.invalid/ns/oscal"

    static func seedOf(_ result: AuditResult) -> String { "\(result.generatedAt)|\(result.toolVersion)|\(result.asOf)" }

    /// One audit as one OSCAL result: each finding an observation and a finding. With a
    /// subject (a gateway of a fleet), every observation names it.
    static func assessment(_ context: ReportContext, subject: (uuid: String, title: String)? = nil) -> [String: Any] {
        let result = context.result, language = context.language
        // Two gateways can audit at the same second with the same tool: their UUIDs must differ.
        let seed = subject.map { seedOf(result) + "|" + $0.uuid } ?? seedOf(result)
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
            var remarks = "\(ReportText.action.text(language)): \(language.pick(finding.action))\n\(language.pick(finding.disclaimer))"
            if let review = context.reviews[finding.circuitID] {
                props += [prop("review-decision", review.decision), prop("reviewer", review.reviewer), prop("review-date", review.decidedAt)]
                if let until = review.until { props.append(prop("review-until", until)) }
                remarks += "\n\(ReportText.review.text(language)): \(review.label(language)) — \(review.reviewer), \(review.decidedAt)"
                    + (review.until.map { " (\(ReportText.reviewUntil.text(language)) \($0))" } ?? "") + (review.comment.isEmpty ? "" : ": \(review.comment)")
            }
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
                "remarks": remarks,
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
        if let subject, var list = assessment["observations"] as? [[String: Any]] {
            for index in list.indices { list[index]["subjects"] = [["subject-uuid": subject.uuid, "type": "inventory-item", "title": subject.title]] }
            assessment["observations"] = list
        }
        return assessment
    }

    static func render(_ context: ReportContext) throws -> Data {
        let result = context.result, language = context.language
        let seed = seedOf(result)
        let planUUID = uuid(seed, "rule-pack")
        let assessment = self.assessment(context)

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
