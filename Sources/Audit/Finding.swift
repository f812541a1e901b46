import DataExport
import Policy

/// What the audit concludes about one circuit, for legal review: its category and flags, the
/// rule that set each, the citations, the evidence with sources, and every rule tried.
public struct Finding: Sendable, Equatable, Codable {
    public var circuitID: String
    public var circuitName: String
    public var category: Category
    public var categoryLabel: Bilingual
    public var flags: [FlagFinding]
    /// The highest severity among the category and the flags.
    public var severity: Severity
    /// The rule that set the category.
    public var rule: String
    public var citations: [Citation]
    public var rationale: Bilingual
    public var action: Bilingual
    public var confidence: FindingConfidence
    public var evidence: [EvidenceItem]
    public var trace: [TraceStep]
    /// Accepted by counsel until a date; the finding stays in the output, marked.
    public var waiver: WaiverStatus?
    public var disclaimer: Bilingual
    /// What the declared transfers on the circuit need and whether the paperwork covers them,
    /// and undeclared-transfer candidates seen on it (DOMAIN.md §4). Separate from the
    /// category: one never settles the other (R-DX-0).
    public var dataExport: CircuitDataExport?
    /// The declared supplier whose circuit this is, when the organization file names one: what
    /// a fleet groups supplier-side risk by.
    public var supplier: String?

    enum CodingKeys: String, CodingKey {
        case circuitID = "circuit_id", circuitName = "circuit_name", category, categoryLabel = "category_label", flags, severity, rule,
             citations, rationale, action, confidence, evidence, trace, waiver, disclaimer, dataExport = "data_export", supplier
    }

    public static let forLegalReview = Bilingual(
        en: "For legal review. This finding states facts and the rule they meet; it is not a legal conclusion.",
        zh: "供法务审阅。本结论仅陈述事实及其所符合的规则，不构成法律意见。")
}

/// A flag on a circuit, with the rule that raised it.
public struct FlagFinding: Sendable, Equatable, Codable {
    public var flag: CircuitFlag
    public var label: Bilingual
    public var rule: String
    public var severity: Severity
    public var rationale: Bilingual
    public var action: Bilingual
    public var citations: [Citation]
}

/// One fact a finding rests on, and where it was read.
public struct EvidenceItem: Sendable, Equatable, Codable {
    public var predicate: String
    public var fact: String
    public var sources: [String]
}

/// One rule tried on the circuit, and why it matched or not.
public struct TraceStep: Sendable, Equatable, Codable {
    public var rule: String
    public var matched: Bool
    public var condition: String
    public var because: String
}

/// A waiver from the organization file, and whether it still holds on the audit date.
public struct WaiverStatus: Sendable, Equatable, Codable {
    public var rule: String
    public var justification: String
    public var approver: String
    public var date: String
    public var expires: String
    public var active: Bool
    public var declaredAt: String

    enum CodingKeys: String, CodingKey { case rule, justification, approver, date, expires, active, declaredAt = "declared_at" }
}
