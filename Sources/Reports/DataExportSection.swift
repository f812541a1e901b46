import Audit
import DataExport
import Policy

/// The cross-border data-export assessment, per circuit (issue 10): which mechanism the declared
/// transfers on each circuit need, what is on file with its documents, the gap, the threshold
/// row that applied with its citations, and the undeclared-transfer candidates, which are
/// marked as inference from flow metadata. It follows the findings because it answers a
/// separate question from the circuit's category (R-DX-0).
struct DataExportSection: ReportSectionProvider {
    func sections(for context: ReportContext) -> [ReportSection] {
        let circuits = context.dataExportFindings
        let unplaced = context.transfersWithoutCircuit
        let direct = context.result.dataExport?.candidatesWithoutCircuit ?? []
        var blocks: [ReportBlock] = [.paragraph(context.t(.dataExportIntro))]
        if let evaluation = context.result.dataExport { blocks.append(.facts(processorFacts(evaluation, context))) }
        if circuits.isEmpty && unplaced.isEmpty && direct.isEmpty {
            blocks.append(.paragraph(context.t(.noDataExport)))
            return [ReportSection(id: "data-export", title: context.t(.dataExport), blocks: blocks, pageBreak: true)]
        }
        if !circuits.isEmpty {
            blocks.append(.table(header: [context.t(.circuit), context.t(.mechanismRequired), context.t(.gap), context.t(.severity)], rows: circuits.map { finding, section in
                [finding.circuitID + " " + finding.circuitName, section.mechanismRequired.map { DataExportWords.mechanism($0, context.language) } ?? "—",
                 DataExportWords.gap(section.gap, context.language), "\(context.t(section.severity.reportText)) (\(section.severity.rawValue))"]
            }))
        }
        for (finding, section) in circuits { blocks.append(.subsection(circuitSection(finding, section, context))) }
        if !unplaced.isEmpty {
            blocks.append(.subsection(ReportSection(id: "data-export-no-circuit", title: context.t(.transfersWithoutCircuit), blocks:
                [.paragraph(context.t(.transfersWithoutCircuitNote))] + unplaced.enumerated().map { .subsection(transferSection($1, id: "data-export-no-circuit-\($0 + 1)", context)) })))
        }
        if !direct.isEmpty {
            blocks.append(.subsection(ReportSection(id: "data-export-direct", title: context.t(.candidatesWithoutCircuit), blocks: candidateBlocks(direct, context))))
        }
        return [ReportSection(id: "data-export", title: context.t(.dataExport), blocks: blocks, pageBreak: true)]
    }

    private func processorFacts(_ evaluation: DataExportEvaluation, _ context: ReportContext) -> [ReportFact] {
        let language = context.language
        let processor = evaluation.processor
        var facts = [
            ReportFact(context.t(.asOf), evaluation.asOf),
            ReportFact(context.t(.ciio), context.t(processor.ciio ? .yes : .no) + (processor.ciioSector.map { " (\($0))" } ?? "")),
        ]
        if let zone = processor.freeTradeZone {
            let list = processor.negativeList.map { "; \(context.t(.negativeList)): \($0.name) — \(context.t(processor.negativeListInForce ? .inForce : .notInForce))" } ?? ""
            facts.append(ReportFact(context.t(.freeTradeZone), zone + (processor.ftzRegistration.map { " (\($0))" } ?? "") + list))
        }
        let counts = evaluation.counts
        facts.append(ReportFact(context.t(.individualsCounted),
                                "\(context.t(.personalIndividuals)) \(counts.personal); \(context.t(.sensitiveIndividuals)) \(counts.sensitive); "
                                    + "\(context.t(.speciallySensitiveIndividuals)) \(counts.speciallySensitive) — \(context.t(.countedFrom)) \(counts.countedFrom) (\(counts.basis))"))
        facts.append(ReportFact(context.t(.stageOrder), evaluation.stageOrder.map { DataExportWords.stage($0, language) }.joined(separator: " → ")))
        return facts
    }

    private func circuitSection(_ finding: Finding, _ section: CircuitDataExport, _ context: ReportContext) -> ReportSection {
        let language = context.language
        var blocks: [ReportBlock] = [
            .severity(section.severity, context.t(section.severity.reportText)),
            .facts([
                ReportFact(context.t(.mechanismRequired), section.mechanismRequired.map { DataExportWords.mechanism($0, language) } ?? "—"),
                ReportFact(context.t(.gap), DataExportWords.gap(section.gap, language)),
            ]),
            .paragraph("\(context.t(.rationale)): \(language.pick(section.rationale))"),
            .paragraph("\(context.t(.action)): \(language.pick(section.action))"),
        ]
        blocks += section.transfers.enumerated().map { .subsection(transferSection($1, id: "data-export-\(finding.circuitID)-\($0 + 1)", context)) }
        if !section.candidates.isEmpty {
            // Each transfer lists its own citations; the candidates' are the rest of the circuit's.
            let shown = section.transfers.flatMap(\.citations)
            let rest = section.citations.filter { !shown.contains($0) }
            blocks.append(.subsection(ReportSection(id: "data-export-\(finding.circuitID)-candidates", title: context.t(.candidates),
                                                    blocks: candidateBlocks(section.candidates, context) + (rest.isEmpty ? [] : [.list(rest.map(FindingsSection.citation))]))))
        }
        return ReportSection(id: "data-export-\(finding.circuitID)", title: "\(finding.circuitID) — \(finding.circuitName)", blocks: blocks)
    }

    private func transferSection(_ transfer: TransferAssessment, id: String, _ context: ReportContext) -> ReportSection {
        let language = context.language
        var facts = [
            ReportFact(context.t(.recipient), "\(transfer.recipient) — \(RegionNames.name(transfer.country, language))"),
            ReportFact(context.t(.purpose), transfer.purpose),
            ReportFact(context.t(.personalIndividuals), "\(transfer.personalIndividuals) (\(context.t(.countedFrom)) \(transfer.countedFrom))"),
            ReportFact(context.t(.sensitiveIndividuals), String(transfer.sensitiveIndividuals)),
            ReportFact(context.t(.importantData), transfer.importantData.map { "\(context.t(.yes)): \($0)" }
                       ?? context.t(transfer.importantDataCandidate ? .importantDataSuspected : .no)),
            ReportFact(context.t(.exemptionGrounds), transfer.exemptionGrounds.isEmpty ? context.t(.none)
                       : transfer.exemptionGrounds.map { DataExportWords.exemption($0, language) }.joined(separator: "; ")),
            ReportFact(context.t(.thresholdRow), transfer.row.map { row in "\(row): " + (transfer.rowLabel.map(language.pick) ?? "") } ?? context.t(.noRowMatched)),
            ReportFact(context.t(.mechanismRequired), DataExportWords.mechanism(transfer.mechanismRequired, language)),
        ]
        if !transfer.duties.isEmpty {
            facts.append(ReportFact(context.t(.duties), transfer.duties.map { DataExportWords.duty($0, language) }.joined(separator: "; ")))
        }
        facts.append(ReportFact(context.t(.mechanismOnFile), transfer.onFile.map { DataExportWords.onFile($0, language) } ?? context.t(.noneOnFile)))
        if let onFile = transfer.onFile {
            facts.append(ReportFact(context.t(.documents), onFile.documents.isEmpty ? context.t(.none) : onFile.documents.joined(separator: "; ")))
        }
        facts.append(ReportFact(context.t(.gap), DataExportWords.gap(transfer.gap, language)))
        facts.append(ReportFact(context.t(.declaredAt), transfer.declaredAt))
        return ReportSection(id: id, title: "\(context.t(.transfer)): \(transfer.dataset)", blocks: [
            .facts(facts),
            .table(header: [context.t(.gap), context.t(.gapDetail)], rows: transfer.gaps.map { [DataExportWords.gap($0.gap, language), $0.detail] }),
            .subsection(ReportSection(id: id + "-rows", title: context.t(.rowsTried), blocks: [
                .table(header: [context.t(.thresholdRow), "", context.t(.condition), context.t(.because)],
                       rows: transfer.trace.map { [$0.row, context.t($0.matched ? .matched : .notMatched), $0.condition, $0.because] }),
            ])),
            .subsection(ReportSection(id: id + "-citations", title: context.t(.transferCitations), blocks: [.list(transfer.citations.map(FindingsSection.citation))])),
        ])
    }

    private func candidateBlocks(_ candidates: [UndeclaredTransferCandidate], _ context: ReportContext) -> [ReportBlock] {
        [
            .notice(context.t(.candidateInference)),
            .table(header: [context.t(.candidateFlow), context.t(.service), context.t(.matchedBy), context.t(.bytes), context.t(.leavesVia), context.t(.flowsSeen)],
                   rows: candidates.map { candidate in
                       [DataExportWords.candidateEnds(candidate), "\(candidate.service) (\(DataExportWords.storeKind(candidate.kind, context.language)))",
                        candidate.matchedBy, String(candidate.bytes), candidate.destinationPlace, candidate.flows.joined(separator: "\n")]
                   }),
        ]
    }
}

extension ReportContext {
    /// Findings that carry a data-export assessment, in report order.
    var dataExportFindings: [(finding: Finding, section: CircuitDataExport)] {
        orderedFindings.compactMap { finding in finding.dataExport.map { (finding, $0) } }
    }

    /// Declared transfers whose path no audited circuit matched.
    var transfersWithoutCircuit: [TransferAssessment] {
        (result.dataExport?.transfers ?? []).filter(\.circuits.isEmpty)
    }
}

/// The words for data-export codes, kept beside the code in every format (`label (CODE)`), so a
/// reader sees the words and a tool can still filter on the code.
enum DataExportWords {
    static func mechanism(_ mechanism: DataExportMechanism, _ language: ReportLanguage) -> String {
        "\(mechanism.reportText.text(language)) (\(mechanism.rawValue))"
    }

    static func gap(_ gap: DataExportGap, _ language: ReportLanguage) -> String {
        "\(gap.reportText.text(language)) (\(gap.rawValue))"
    }

    static func stage(_ stage: DataExportStage, _ language: ReportLanguage) -> String {
        "\(stage.reportText.text(language)) (\(stage.rawValue))"
    }

    static func storeKind(_ kind: DataStoreService.Kind, _ language: ReportLanguage) -> String {
        kind.reportText.text(language)
    }

    static func exemption(_ ground: String, _ language: ReportLanguage) -> String {
        OrganizationProfile.ExemptionGround(rawValue: ground).map { "\($0.reportText.text(language)) (\(ground))" } ?? ground
    }

    static func duty(_ duty: String, _ language: ReportLanguage) -> String {
        switch duty {
        case "LOCALISATION_DUTY": "\(ReportText.dutyLocalisation.text(language)) (\(duty))"
        case "PIPL_NOTICE_AND_CONSENT": "\(ReportText.dutyNoticeAndConsent.text(language)) (\(duty))"
        default: duty
        }
    }

    /// The mechanism on file in one line: kind, reference, date, and its validity on the audit date.
    static func onFile(_ status: MechanismStatus, _ language: ReportLanguage) -> String {
        let t = { (text: ReportText) in text.text(language) }
        var parts = ["\(status.kind.reportText.text(language)) \(status.reference), \(t(.dated)) \(status.date)"]
        if let rule = status.validityRule { parts.append("\(t(.validityRule)) \(rule)") }
        if let until = status.validUntil { parts.append("\(t(.validUntil)) \(until)") }
        if let opens = status.windowOpens { parts.append("\(t(.windowOpens)) \(opens)") }
        if let applied = status.extensionApplied { parts.append("\(t(.extensionApplied)) \(applied)") }
        if let approved = status.extensionApproved { parts.append("\(t(.extensionApproved)) \(approved)") }
        if let covers = status.coversIndividuals { parts.append("\(t(.coversIndividuals)) \(covers)") }
        return parts.joined(separator: "; ")
    }

    /// One transfer in one line, for a spreadsheet cell or an OSCAL evidence description.
    static func transferLine(_ transfer: TransferAssessment, _ language: ReportLanguage) -> String {
        let t = { (text: ReportText) in text.text(language) }
        let filed = transfer.onFile.map { status in
            onFile(status, language) + (status.documents.isEmpty ? "" : "; \(t(.documents)): " + status.documents.joined(separator: ", "))
        } ?? t(.noneOnFile)
        return "\(transfer.dataset) → \(transfer.recipient) (\(transfer.country)): \(t(.thresholdRow)) \(transfer.row ?? t(.noRowMatched)); "
            + "\(t(.mechanismRequired)) \(mechanism(transfer.mechanismRequired, language)); \(t(.mechanismOnFile)) \(filed); \(t(.gap)) \(gap(transfer.gap, language))"
            + (transfer.gaps.isEmpty ? "" : ": " + transfer.gaps.map(\.detail).joined(separator: "; "))
    }

    /// Who talked to whom: `source → server name or destination:port`.
    static func candidateEnds(_ candidate: UndeclaredTransferCandidate) -> String {
        "\(candidate.source) → \(candidate.serverName.map { "\($0) (\(candidate.destination))" } ?? candidate.destination):\(candidate.port)"
    }

    /// One candidate in one line, with the inference marked.
    static func candidateLine(_ candidate: UndeclaredTransferCandidate, _ language: ReportLanguage) -> String {
        "\(ReportText.inferredMark.text(language)) \(candidateEnds(candidate)), \(candidate.service) (\(storeKind(candidate.kind, language))), "
            + "\(candidate.bytes) \(ReportText.bytes.text(language)), \(ReportText.matchedBy.text(language)) \(candidate.matchedBy)"
    }
}
