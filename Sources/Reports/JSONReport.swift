import Audit
import DataExport
import Foundation
import Policy

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
