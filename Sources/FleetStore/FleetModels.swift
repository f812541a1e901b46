import Foundation

/// What the store answers, as the API sends it (JSON, snake_case keys; `schemas/fleet-api.openapi.yaml`).

/// A gateway, its latest run and whether it reports on time.
public struct GatewayStatus: Codable, Sendable, Equatable {
    public enum State: String, Codable, Sendable {
        /// Its latest run came within its schedule.
        case ok
        /// Its next run was due and has not come (`stale_grace` allowed).
        case stale
        /// Enrolled, never reported.
        case never
    }

    public var name: String
    public var site: String?
    public var keyFingerprint: String
    public var scheduleSeconds: Int
    public var enrolledAt: String
    public var runs: Int64
    public var lastRun: RunSummary?
    /// Seconds since the latest run was generated.
    public var ageSeconds: Int?
    public var status: State
    /// When the gateway became stale: its next run's due time plus the grace.
    public var staleSince: String?
}

/// One stored run, without its files.
public struct RunSummary: Codable, Sendable, Equatable {
    public var id: Int64
    public var gateway: String
    public var runId: String
    public var trigger: String
    public var generatedAt: String
    public var receivedAt: String
    public var asOf: String
    public var nextRunDue: String?
    public var toolVersion: String
    public var signer: String
    public var pseudonymized: Bool
    public var bundleBytes: Int
    public var circuits: Int
    public var openFindings: Int
    public var maxSeverity: String?
}

/// One circuit's finding in one run, as the fleet's tables hold it.
public struct FleetFinding: Codable, Sendable, Equatable {
    public var gateway: String
    public var site: String?
    public var run: Int64
    public var runId: String
    public var generatedAt: String
    public var circuitId: String
    public var circuitName: String
    public var technology: String?
    public var category: String
    public var severity: String
    public var rule: String
    public var flags: [String]
    public var flagRules: [String]
    public var country: String?
    public var remote: String?
    public var supplier: String?
    public var dataExportGap: String?
    public var waived: Bool
}

/// The filters every fleet-wide question takes; each one given narrows the answer.
public struct FindingFilter: Sendable, Equatable {
    public var gateways: [String] = []
    public var categories: [String] = []
    public var flags: [String] = []
    /// The rule that set the category or raised a flag.
    public var rules: [String] = []
    /// At or above this severity.
    public var minSeverity: Int16?
    public var countries: [String] = []
    public var suppliers: [String] = []
    public var technologies: [String] = []
    public var dataExportGaps: [String] = []
    /// With either bound, each gateway's last run in [since, until) instead of its latest.
    public var since: Date?
    public var until: Date?
    /// Waived findings too (by default only open ones).
    public var includeWaived = false
    public var limit = 100
    public var offset = 0

    public init() {}
}

/// A page of an answer: the total matching, and the items from `offset`.
public struct Page<Item: Codable & Sendable & Equatable>: Codable, Sendable, Equatable {
    public var total: Int
    public var limit: Int
    public var offset: Int
    public var items: [Item]
}

/// Open findings counted by one dimension.
public struct FindingCount: Codable, Sendable, Equatable {
    public var key: String?
    public var count: Int
    public var maxSeverity: String?
}

/// A circuit of one gateway over time: each span of runs in which it stayed the same.
public struct CircuitHistory: Codable, Sendable, Equatable {
    public struct Span: Codable, Sendable, Equatable {
        public var from: String
        public var to: String
        public var runs: Int
        public var category: String
        public var severity: String
        public var flags: [String]
        public var waived: Bool
    }

    public var gateway: String
    public var circuitId: String
    public var circuitName: String
    /// Newest first.
    public var spans: [Span]
    /// Runs of the gateway since the circuit was last seen (0 while it is present).
    public var absentSince: String?
}

/// What changed on a gateway between its last two runs.
public struct GatewayDrift: Codable, Sendable, Equatable {
    public struct Change: Codable, Sendable, Equatable {
        public var before: FleetFinding
        public var after: FleetFinding
        /// `category`, `severity`, `flags`, `waiver`, `data_export_gap`.
        public var what: [String]
    }

    public var gateway: String
    public var from: RunSummary?
    public var to: RunSummary?
    public var added: [FleetFinding]
    public var removed: [FleetFinding]
    public var changed: [Change]
}

/// What `verify` of a stored run found: its files checked again against the signature.
public struct StoredRunVerification: Codable, Sendable, Equatable {
    public var gateway: String
    public var runId: String
    public var intact: Bool
    public var signer: String?
    public var files: Int
    public var problems: [String]
}
