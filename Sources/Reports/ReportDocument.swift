import Audit
import DataExport
import Policy

/// A report as a reader sees it, before any format: titled sections of plain blocks. HTML and
/// Markdown render the same document, so they cannot say different things; a new kind of
/// assessment adds a `ReportSectionProvider` and every format shows it.
public struct ReportDocument: Sendable {
    public var language: ReportLanguage
    public var title: String
    public var subtitle: String
    public var facts: [ReportFact]
    public var notices: [String]
    public var sections: [ReportSection]
}

public struct ReportFact: Sendable, Equatable {
    public var label: String
    public var value: String

    public init(_ label: String, _ value: String) {
        self.label = label
        self.value = value
    }
}

public struct ReportSection: Sendable {
    /// Anchor for links and for tests that look a section up (`finding-C-…`, `map`).
    public var id: String
    public var title: String
    public var blocks: [ReportBlock]
    /// Starts on a new page when printed (each finding does).
    public var pageBreak: Bool

    public init(id: String, title: String, blocks: [ReportBlock], pageBreak: Bool = false) {
        self.id = id
        self.title = title
        self.blocks = blocks
        self.pageBreak = pageBreak
    }
}

public indirect enum ReportBlock: Sendable {
    case paragraph(String)
    /// A paragraph that must stand out: the "for legal review" disclaimer, a waiver.
    case notice(String)
    case facts([ReportFact])
    case list([String])
    case table(header: [String], rows: [[String]])
    case map(CircuitMap)
    case subsection(ReportSection)
    /// A severity badge with its text; formats without colour show the text.
    case severity(Severity, String)
}

/// Contributes sections to a report. The standard providers write the summary, map, findings,
/// the per-circuit data-export assessment and the appendix; a later assessment is one more provider.
public protocol ReportSectionProvider: Sendable {
    func sections(for context: ReportContext) -> [ReportSection]
}

/// What a provider reads: the audit (already pseudonymised when asked), an earlier audit to
/// compare with, and the language.
public struct ReportContext: Sendable {
    public var result: AuditResult
    public var previous: AuditResult?
    public var language: ReportLanguage
    public var pseudonymized: Bool
    /// Counsel's decisions on the circuits, by circuit id (a fleet's console records them).
    public var reviews: [String: FindingReview]

    public init(result: AuditResult, previous: AuditResult? = nil, language: ReportLanguage, pseudonymized: Bool = false,
                reviews: [String: FindingReview] = [:]) {
        self.result = result
        self.previous = previous
        self.language = language
        self.pseudonymized = pseudonymized
        self.reviews = reviews
    }

    func t(_ text: ReportText) -> String { text.text(language) }

    /// Findings most severe first, then by circuit id: the order every format uses.
    public var orderedFindings: [Finding] {
        result.findings.sorted { ($0.severity, $1.circuitID) > ($1.severity, $0.circuitID) }
    }

    func circuit(_ id: String) -> Circuit? { result.circuits.first { $0.id == id } }

    /// Circuits per category in the policy's order, and per severity most severe first; only
    /// those that occur.
    var categoryCounts: [(category: Category, count: Int)] {
        Category.allCases.map { category in (category, result.findings.filter { $0.category == category }.count) }.filter { $0.count > 0 }
    }

    var severityCounts: [(severity: Severity, count: Int)] {
        Severity.allCases.reversed().map { severity in (severity, result.findings.filter { $0.severity == severity }.count) }.filter { $0.count > 0 }
    }
}

extension ReportDocument {
    /// The sections every report has, in order. Insert a provider here to add a section to
    /// every format.
    public static let standardProviders: [any ReportSectionProvider] = [
        SummarySection(), MapSection(), FindingsSection(), DataExportSection(), AppendixSection(),
    ]

    public static func build(_ context: ReportContext, providers: [any ReportSectionProvider] = standardProviders) -> ReportDocument {
        let result = context.result
        var facts = [ReportFact(context.t(.asOf), result.asOf), ReportFact(context.t(.generatedAt), result.generatedAt)]
        if let organization = result.organization { facts.insert(ReportFact(context.t(.organization), organization), at: 0) }
        var notices = [context.language.pick(Finding.forLegalReview)]
        if context.pseudonymized { notices.append(context.t(.pseudonymizedNotice)) }
        return ReportDocument(
            language: context.language, title: context.t(.title), subtitle: context.t(.subtitle), facts: facts, notices: notices,
            sections: providers.flatMap { $0.sections(for: context) })
    }
}

// MARK: - The standard sections

/// Circuits by category and severity, open and waived counts, and what changed.
struct SummarySection: ReportSectionProvider {
    func sections(for context: ReportContext) -> [ReportSection] {
        let findings = context.result.findings
        let byCategory = context.categoryCounts.map { [context.language.pick($0.category.label), $0.category.rawValue, String($0.count)] }
        let bySeverity = context.severityCounts.map { [context.t($0.severity.reportText), $0.severity.rawValue, String($0.count)] }
        var blocks: [ReportBlock] = [
            .facts([
                ReportFact(context.t(.circuitsAudited), String(findings.count)),
                ReportFact(context.t(.openFindings), String(context.result.openFindings(atLeast: .high).count)),
                ReportFact(context.t(.waivedFindings), String(findings.filter { $0.waiver?.active == true }.count)),
            ]),
        ]
        if findings.isEmpty {
            blocks.append(.paragraph(context.t(.noFindings)))
        } else {
            blocks.append(.subsection(ReportSection(id: "by-category", title: context.t(.byCategory), blocks: [
                .table(header: [context.t(.category), "", context.t(.count)], rows: byCategory),
            ])))
            blocks.append(.subsection(ReportSection(id: "by-severity", title: context.t(.bySeverity), blocks: [
                .table(header: [context.t(.severity), "", context.t(.count)], rows: bySeverity),
            ])))
        }
        let gaps = Dictionary(grouping: context.dataExportFindings, by: \.section.gap)
        if !gaps.isEmpty {
            blocks.append(.subsection(ReportSection(id: "by-data-export-gap", title: context.t(.byDataExportGap), blocks: [
                .table(header: [context.t(.gap), "", context.t(.count)],
                       rows: DataExportGap.allCases.reversed().compactMap { gap in gaps[gap].map { [context.t(gap.reportText), gap.rawValue, String($0.count)] } }),
            ])))
        }
        blocks.append(.subsection(ReportSection(id: "changes", title: context.t(.changes), blocks: changes(context))))
        return [ReportSection(id: "summary", title: context.t(.summary), blocks: blocks)]
    }

    private func changes(_ context: ReportContext) -> [ReportBlock] {
        guard let previous = context.previous else { return [.paragraph(context.t(.changesUnknown))] }
        let change = AuditChange(previous: previous, current: context.result)
        var blocks: [ReportBlock] = [.facts([ReportFact(context.t(.previousAudit), previous.generatedAt)])]
        if change.isEmpty { return blocks + [.paragraph(context.t(.noChanges))] }
        let name = { (finding: Finding) in "\(finding.circuitID) \(finding.circuitName) — \(context.language.pick(finding.categoryLabel))" }
        if !change.added.isEmpty { blocks.append(.subsection(ReportSection(id: "changes-new", title: context.t(.newCircuits), blocks: [.list(change.added.map(name))]))) }
        if !change.removed.isEmpty { blocks.append(.subsection(ReportSection(id: "changes-removed", title: context.t(.removedCircuits), blocks: [.list(change.removed.map(name))]))) }
        if !change.changed.isEmpty {
            blocks.append(.subsection(ReportSection(id: "changes-changed", title: context.t(.changedCircuits), blocks: [
                .list(change.changed.map { before, after in
                    "\(after.circuitID) \(after.circuitName): \(before.category.rawValue) \(before.severity.rawValue) → \(after.category.rawValue) \(after.severity.rawValue)"
                }),
            ])))
        }
        if !change.dataExportChanged.isEmpty {
            let gap = { (section: CircuitDataExport?) in section.map { DataExportWords.gap($0.gap, context.language) } ?? context.t(.none) }
            blocks.append(.subsection(ReportSection(id: "changes-data-export", title: context.t(.changedDataExport), blocks: [
                .list(change.dataExportChanged.map { before, after in
                    "\(after.circuitID) \(after.circuitName): \(gap(before.dataExport)) → \(gap(after.dataExport))"
                }),
            ])))
        }
        return blocks
    }
}

/// Circuits added, removed or reclassified between two audits, matched by their stable ids.
public struct AuditChange: Sendable {
    public var added: [Finding]
    public var removed: [Finding]
    public var changed: [(before: Finding, after: Finding)]
    /// Circuits in both audits whose data-export gap changed (an assessment that expired, a
    /// filing that now covers the count), whatever their category did.
    public var dataExportChanged: [(before: Finding, after: Finding)]

    public init(previous: AuditResult, current: AuditResult) {
        let before = Dictionary(previous.findings.map { ($0.circuitID, $0) }, uniquingKeysWith: { first, _ in first })
        let after = Dictionary(current.findings.map { ($0.circuitID, $0) }, uniquingKeysWith: { first, _ in first })
        added = current.findings.filter { before[$0.circuitID] == nil }
        removed = previous.findings.filter { after[$0.circuitID] == nil }
        changed = current.findings.compactMap { finding in
            guard let old = before[finding.circuitID], old.category != finding.category || old.severity != finding.severity else { return nil }
            return (old, finding)
        }
        dataExportChanged = current.findings.compactMap { finding in
            guard let old = before[finding.circuitID], old.dataExport?.gap != finding.dataExport?.gap else { return nil }
            return (old, finding)
        }
    }

    public var isEmpty: Bool { added.isEmpty && removed.isEmpty && changed.isEmpty && dataExportChanged.isEmpty }
}

struct MapSection: ReportSectionProvider {
    func sections(for context: ReportContext) -> [ReportSection] {
        [ReportSection(id: "map", title: context.t(.map), blocks: [.paragraph(context.t(.mapCaption)), .map(CircuitMap(context))])]
    }
}

/// One section per finding: rule, citations, rationale, evidence with sources, trace, action.
struct FindingsSection: ReportSectionProvider {
    func sections(for context: ReportContext) -> [ReportSection] {
        let findings = context.orderedFindings
        var sections = [ReportSection(id: "findings", title: context.t(.findings), blocks: findings.isEmpty ? [.paragraph(context.t(.noFindings))] : [
            .table(header: [context.t(.circuit), context.t(.category), context.t(.severity), context.t(.rule)],
                   rows: findings.map { [$0.circuitID + " " + $0.circuitName, context.language.pick($0.categoryLabel), context.t($0.severity.reportText), $0.rule] }),
        ])]
        sections += findings.map { section($0, context) }
        return sections
    }

    func section(_ finding: Finding, _ context: ReportContext) -> ReportSection {
        let language = context.language
        var facts = [
            ReportFact(context.t(.category), "\(language.pick(finding.categoryLabel)) (\(finding.category.rawValue))"),
            ReportFact(context.t(.severity), "\(context.t(finding.severity.reportText)) (\(finding.severity.rawValue))"),
            ReportFact(context.t(.confidence), context.t(finding.confidence.reportText)),
            ReportFact(context.t(.rule), finding.rule),
        ]
        if let circuit = context.circuit(finding.circuitID) {
            facts.append(ReportFact(context.t(.technology), "\(circuit.technology) (\(circuit.role.rawValue))"))
            facts.append(ReportFact(context.t(.origin), "\(context.t(circuit.origin.reportText)) (\(circuit.origin.rawValue))"))
            let where_ = circuit.remoteLocation.map { location in
                [location.site, RegionNames.name(location.country, language)].compactMap { $0 }.joined(separator: ", ")
            } ?? RegionNames.name(nil, language)
            facts.append(ReportFact(context.t(.remoteEnd), [circuit.remoteAddress ?? circuit.remote.first?.description, where_].compactMap { $0 }.joined(separator: " — ")))
        }
        facts.append(ReportFact(context.t(.flags), finding.flags.isEmpty ? context.t(.none) : finding.flags.map { "\(language.pick($0.label)) (\($0.flag.rawValue))" }.joined(separator: ", ")))

        var blocks: [ReportBlock] = [.severity(finding.severity, context.t(finding.severity.reportText)), .facts(facts)]
        if let waiver = finding.waiver {
            blocks.append(.notice("\(context.t(.waiver)) \(waiver.rule): \(context.t(waiver.active ? .waiverActive : .waiverExpired)). "
                + "\(context.t(.approver)): \(waiver.approver); \(context.t(.expires)): \(waiver.expires); \(context.t(.justification)): \(waiver.justification)"))
        }
        blocks += [
            .subsection(ReportSection(id: "\(finding.circuitID)-rationale", title: context.t(.rationale), blocks: [.paragraph(language.pick(finding.rationale))])),
            .subsection(ReportSection(id: "\(finding.circuitID)-action", title: context.t(.action), blocks: [.paragraph(language.pick(finding.action))])),
            .subsection(ReportSection(id: "\(finding.circuitID)-citations", title: context.t(.citations), blocks: [.list(finding.citations.map(Self.citation))])),
        ]
        for flag in finding.flags {
            blocks.append(.subsection(ReportSection(id: "\(finding.circuitID)-\(flag.flag.rawValue)", title: "\(context.t(.flag)): \(language.pick(flag.label)) (\(flag.flag.rawValue))", blocks: [
                .facts([ReportFact(context.t(.rule), flag.rule), ReportFact(context.t(.severity), "\(context.t(flag.severity.reportText)) (\(flag.severity.rawValue))")]),
                .paragraph("\(context.t(.rationale)): \(language.pick(flag.rationale))"),
                .paragraph("\(context.t(.action)): \(language.pick(flag.action))"),
                .list(flag.citations.map(Self.citation)),
            ])))
        }
        blocks.append(.subsection(ReportSection(id: "\(finding.circuitID)-evidence", title: context.t(.evidence), blocks: [
            .table(header: [context.t(.predicate), context.t(.fact), context.t(.sources)],
                   rows: finding.evidence.map { [$0.predicate, $0.fact, $0.sources.isEmpty ? context.t(.noSources) : $0.sources.joined(separator: "\n")] }),
        ])))
        blocks.append(.subsection(ReportSection(id: "\(finding.circuitID)-trace", title: context.t(.trace), blocks: [
            .table(header: [context.t(.rule), "", context.t(.condition), context.t(.because)],
                   rows: finding.trace.map { [$0.rule, context.t($0.matched ? .matched : .notMatched), $0.condition, $0.because] }),
        ])))
        blocks.append(.notice(language.pick(finding.disclaimer)))
        return ReportSection(id: "finding-\(finding.circuitID)", title: "\(finding.circuitID) — \(finding.circuitName)", blocks: blocks, pageBreak: true)
    }

    static func citation(_ citation: Citation) -> String {
        [citation.document, citation.issuer, citation.date, citation.article, citation.reference.map { "[\($0)]" }]
            .compactMap { $0 }.joined(separator: ", ")
    }
}

/// Tool version, rule files with their versions and dates, and the inputs with their hashes.
struct AppendixSection: ReportSectionProvider {
    func sections(for context: ReportContext) -> [ReportSection] {
        let result = context.result
        let policies = ReportSection(id: "appendix-policies", title: context.t(.policies), blocks: [
            .table(header: [context.t(.policyFile), context.t(.version), context.t(.asOf), context.t(.policySources)],
                   rows: result.policies.map { [$0.file, String($0.version), $0.asOf, $0.sources.joined(separator: "\n")] }),
        ])
        let inputs = ReportSection(id: "appendix-inputs", title: context.t(.inputs), blocks: [
            result.inputs.isEmpty ? .paragraph(context.t(.none))
                : .table(header: [context.t(.path), context.t(.kind), context.t(.sha256)], rows: result.inputs.map { [$0.path, $0.kind, $0.sha256 ?? "—"] }),
        ])
        let warnings = ReportSection(id: "appendix-warnings", title: context.t(.warnings), blocks: [
            result.warnings.isEmpty ? .paragraph(context.t(.none)) : .list(result.warnings),
        ])
        return [ReportSection(id: "appendix", title: context.t(.appendix), blocks: [
            .facts([ReportFact(context.t(.toolVersion), result.toolVersion), ReportFact(context.t(.generatedAt), result.generatedAt),
                    ReportFact(context.t(.asOf), result.asOf)]),
            .subsection(policies), .subsection(inputs), .subsection(warnings),
        ], pageBreak: true)]
    }
}
