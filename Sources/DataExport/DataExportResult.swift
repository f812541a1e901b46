import Policy

/// The data-export evaluation of one audit (findings.json `data_export`): the processor's
/// status and counts on the audit date, every declared transfer assessed against the
/// thresholds table, and undeclared-transfer candidates that are on no circuit. Reports read
/// it; nothing here is a legal conclusion.
public struct DataExportEvaluation: Sendable, Equatable, Codable {
    public var asOf: String
    /// The stages in the order tried (the T1/T2-versus-exemptions order is configurable).
    public var stageOrder: [DataExportStage]
    public var processor: ProcessorStatus
    public var counts: CountBasis
    public var transfers: [TransferAssessment]
    /// Candidates seen on direct Internet egress, not on any circuit.
    public var candidatesWithoutCircuit: [UndeclaredTransferCandidate]
    public var policy: String

    enum CodingKeys: String, CodingKey {
        case asOf = "as_of", stageOrder = "stage_order", processor, counts, transfers, candidatesWithoutCircuit = "candidates_without_circuit", policy
    }
}

/// The processor facts that decide T1, T6 and Art 5(4).
public struct ProcessorStatus: Sendable, Equatable, Codable {
    public var declared: Bool
    public var ciio: Bool
    public var ciioSector: String?
    public var freeTradeZone: String?
    public var ftzRegistration: String?
    /// The zone's negative list as loaded, when the zone has one in the policy file.
    public var negativeList: FreeTradeZoneList?
    /// Whether that list is in force on the audit date.
    public var negativeListInForce: Bool
    public var declaredAt: String?

    enum CodingKeys: String, CodingKey {
        case declared, ciio, ciioSector = "ciio_sector", freeTradeZone = "free_trade_zone", ftzRegistration = "ftz_registration",
             negativeList = "negative_list", negativeListInForce = "negative_list_in_force", declaredAt = "declared_at"
    }
}

/// The processor-wide counts the volume rows compare, and where they come from.
public struct CountBasis: Sendable, Equatable, Codable {
    public var personal: Int
    public var sensitive: Int
    public var speciallySensitive: Int
    /// The first day the declared counts run from.
    public var countedFrom: String
    /// The first day the rule in force on the audit date counts from.
    public var requiredFrom: String
    public var window: CountingRegime.Window?
    /// "declared processor totals" or "sum of the declared non-exempt transfers (overlaps not removed)".
    public var basis: String

    enum CodingKeys: String, CodingKey {
        case personal, sensitive, speciallySensitive = "specially_sensitive", countedFrom = "counted_from", requiredFrom = "required_from", window, basis
    }
}

/// One declared transfer: what it needs, what is on file, and the gap.
public struct TransferAssessment: Sendable, Equatable, Codable {
    public var dataset: String
    public var recipient: String
    public var country: String
    public var purpose: String
    public var personalIndividuals: Int
    public var sensitiveIndividuals: Int
    public var countedFrom: String
    /// The authority that notified or published the data as important, or the FTZ marker that
    /// makes it so; nil when it is not important data.
    public var importantData: String?
    public var importantDataCandidate: Bool
    public var exemptionGrounds: [String]
    /// The row that set the mechanism (T1–T9), nil when none matched.
    public var row: String?
    public var rowLabel: Bilingual?
    public var mechanismRequired: DataExportMechanism
    public var duties: [String]
    public var onFile: MechanismStatus?
    /// The worst of `gaps`.
    public var gap: DataExportGap
    public var gaps: [GapDetail]
    public var severity: Severity
    public var citations: [Citation]
    public var trace: [RowStep]
    public var declaredAt: String
    /// Ids of the audited circuits its declaration matches; empty when none was found.
    public var circuits: [String] = []

    enum CodingKeys: String, CodingKey {
        case dataset, recipient, country, purpose, personalIndividuals = "personal_individuals", sensitiveIndividuals = "sensitive_individuals",
             countedFrom = "counted_from", importantData = "important_data", importantDataCandidate = "important_data_candidate",
             exemptionGrounds = "exemption_grounds", row, rowLabel = "row_label", mechanismRequired = "mechanism_required", duties,
             onFile = "on_file", gap, gaps, severity, citations, trace, declaredAt = "declared_at", circuits
    }
}

/// The mechanism on file and what the validity rules make of it on the audit date.
public struct MechanismStatus: Sendable, Equatable, Codable {
    public var kind: OrganizationProfile.MechanismOnFile.Kind
    public var reference: String
    public var date: String
    /// V1 or V2 for an assessment; nil otherwise.
    public var validityRule: String?
    /// The last day it holds (inclusive), when known.
    public var validUntil: String?
    /// The first day of the 60-working-day extension or re-declaration window.
    public var windowOpens: String?
    public var extensionApplied: String?
    public var extensionApproved: String?
    public var coversIndividuals: Int?
    public var documents: [String]

    enum CodingKeys: String, CodingKey {
        case kind, reference, date, validityRule = "validity_rule", validUntil = "valid_until", windowOpens = "window_opens",
             extensionApplied = "extension_applied", extensionApproved = "extension_approved", coversIndividuals = "covers_individuals", documents
    }
}

/// One shortfall, with the facts that show it.
public struct GapDetail: Sendable, Equatable, Codable {
    public var gap: DataExportGap
    public var detail: String
}

/// One threshold row tried on a transfer.
public struct RowStep: Sendable, Equatable, Codable {
    public var row: String
    public var stage: DataExportStage
    public var matched: Bool
    public var condition: String
    public var because: String
}

/// Flows that look like data leaving for a data store with no transfer declared on their
/// path. An inference from flow metadata (addresses, ports, TLS server name, byte counts),
/// never from payload: a prompt for review.
public struct UndeclaredTransferCandidate: Sendable, Equatable, Codable {
    public var source: String
    public var destination: String
    public var port: UInt16
    public var serverName: String?
    public var bytes: UInt64
    public var service: String
    public var kind: DataStoreService.Kind
    /// What matched: the server name suffix or the port.
    public var matchedBy: String
    public var destinationPlace: String
    public var flows: [String]
    public var inference: String

    enum CodingKeys: String, CodingKey {
        case source, destination, port, serverName = "server_name", bytes, service, kind, matchedBy = "matched_by", destinationPlace = "destination_place",
             flows, inference
    }

    public init(source: String, destination: String, port: UInt16, serverName: String?, bytes: UInt64, service: String, kind: DataStoreService.Kind,
                matchedBy: String, destinationPlace: String, flows: [String], inference: String) {
        self.source = source
        self.destination = destination
        self.port = port
        self.serverName = serverName
        self.bytes = bytes
        self.service = service
        self.kind = kind
        self.matchedBy = matchedBy
        self.destinationPlace = destinationPlace
        self.flows = flows
        self.inference = inference
    }

    public static let inferenceNote = "Inferred from flow metadata (addresses, ports, TLS server name, byte counts), never from payload: a prompt for review, not a finding of transfer."
}

/// The data-export section of one circuit's finding.
public struct CircuitDataExport: Sendable, Equatable, Codable {
    /// The strongest mechanism any transfer on the circuit needs.
    public var mechanismRequired: DataExportMechanism?
    /// The worst gap of the transfers and candidates on it.
    public var gap: DataExportGap
    public var severity: Severity
    public var transfers: [TransferAssessment]
    public var candidates: [UndeclaredTransferCandidate]
    public var rationale: Bilingual
    public var action: Bilingual
    public var citations: [Citation]

    public init(mechanismRequired: DataExportMechanism?, gap: DataExportGap, severity: Severity, transfers: [TransferAssessment],
                candidates: [UndeclaredTransferCandidate], rationale: Bilingual, action: Bilingual, citations: [Citation]) {
        self.mechanismRequired = mechanismRequired
        self.gap = gap
        self.severity = severity
        self.transfers = transfers
        self.candidates = candidates
        self.rationale = rationale
        self.action = action
        self.citations = citations
    }

    enum CodingKeys: String, CodingKey {
        case mechanismRequired = "mechanism_required", gap, severity, transfers, candidates, rationale, action, citations
    }
}
