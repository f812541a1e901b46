import FileSupport
import Foundation
import Yams

/// The cross-border data-export rules as data (`policies/data-export.yaml`, DOMAIN.md §4.2):
/// the thresholds rows T1–T9 tried top-down, the validity rows V1–V3, the free-trade zones'
/// negative lists, and what each gap means. Numbers and lists change by date, so they live in
/// a versioned file rather than in code.
public struct DataExportPolicy: Sendable, Equatable {
    public var header: PolicyFileHeader
    /// The order the stages are tried in. DOMAIN.md §4.2 puts the assessment triggers (T1, T2)
    /// before the exemptions to be conservative and flags that as an open point.
    public var stageOrder: [DataExportStage]
    /// The date the rows' regime (the 2024 Provisions) took effect; earlier audit dates are
    /// outside the table and need review.
    public var rowsInForceFrom: PolicyDate
    public var counting: [CountingRegime]
    public var validity: [ValidityRule]
    public var redeclaration: RedeclarationRule
    public var workingDays: WorkingDayCalendar
    /// A certification or other dated filing ending within this many days is reported as expiring.
    public var expiringWithinDays: Int
    public var rows: [ThresholdRow]
    public var freeTradeZones: [FreeTradeZoneList]
    public var candidates: CandidateRules
    public var gaps: [DataExportGap: GapText]

    public static let supportedVersion = 1

    /// Rows in evaluation order: by `stageOrder`, then file order within a stage.
    public var orderedRows: [ThresholdRow] {
        rows.enumerated().sorted { lhs, rhs in
            let left = stageOrder.firstIndex(of: lhs.element.stage) ?? stageOrder.count
            let right = stageOrder.firstIndex(of: rhs.element.stage) ?? stageOrder.count
            return (left, lhs.offset) < (right, rhs.offset)
        }.map(\.element)
    }
}

/// A group of threshold rows whose place in the order counsel may change.
public enum DataExportStage: String, Sendable, Codable, CaseIterable {
    case assessmentTriggers = "assessment_triggers"
    case exemptions
    case volume
}

/// What a transfer needs before it may leave the mainland.
public enum DataExportMechanism: String, Sendable, Codable, CaseIterable, Comparable {
    case exempt = "EXEMPT"
    case sccOrCertification = "SCC_OR_CERTIFICATION"
    case securityAssessment = "SECURITY_ASSESSMENT"
    case needsReview = "NEEDS_REVIEW"

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// How far the paperwork on file falls short of what the transfers need, worst last.
public enum DataExportGap: String, Sendable, Codable, CaseIterable, Comparable {
    case none = "NONE"
    case redeclareCheck = "REDECLARE_CHECK"
    case needsReview = "NEEDS_REVIEW"
    case expiring = "EXPIRING"
    case beyondScope = "BEYOND_SCOPE"
    case insufficient = "INSUFFICIENT"
    case expired = "EXPIRED"
    case missing = "MISSING"
    /// Flows look like data leaving over a circuit on which no transfer is declared.
    case undeclaredCandidate = "UNDECLARED_CANDIDATE"

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: Self, rhs: Self) -> Bool { lhs.rank < rhs.rank }
}

/// Severity, explanation and action a gap carries in findings.
public struct GapText: Sendable, Equatable {
    public var severity: Severity
    public var rationale: Bilingual
    public var action: Bilingual
    public var citations: [DatedCitation]
}

/// A citation that holds only between two dates: the CSL localisation clause is Art 37 until
/// 2025-12-31 and Art 39 from 2026-01-01.
public struct DatedCitation: Sendable, Equatable {
    public var citation: Citation
    public var appliesFrom: PolicyDate?
    public var appliesUntil: PolicyDate?

    public func applies(on date: PolicyDate) -> Bool {
        (appliesFrom.map { $0 <= date } ?? true) && (appliesUntil.map { date <= $0 } ?? true)
    }
}

extension Array where Element == DatedCitation {
    /// The citations that apply on `date`.
    public func on(_ date: PolicyDate) -> [Citation] { filter { $0.applies(on: date) }.map(\.citation) }
}

/// Since when counts of individuals run, for audit dates from `from` on.
public struct CountingRegime: Sendable, Equatable {
    public enum Window: String, Sendable, Codable { case currentYear = "current_year", previousYear = "previous_year" }
    public var from: PolicyDate
    public var window: Window
    public var citations: [DatedCitation]

    /// The first day of the counting window for an audit on `date`.
    public func windowStart(for date: PolicyDate) -> PolicyDate {
        PolicyDate(year: window == .currentYear ? date.year : date.year - 1, month: 1, day: 1)
    }
}

/// V1/V2: how long a security-assessment result approved in a date range holds.
public struct ValidityRule: Sendable, Equatable {
    public var id: String
    public var approvedFrom: PolicyDate
    public var approvedUntil: PolicyDate?
    public var years: Int
    /// Whether the period after `years`, up to `reviewUntilYears`, is unsettled (V2: whether
    /// 2022 approvals benefit from the 3-year rule).
    public var reviewUntilYears: Int?
    /// The extension or re-declaration window before expiry, in working days.
    public var windowWorkingDays: Int
    public var extensionYears: Int?
    public var label: Bilingual
    public var citations: [DatedCitation]
}

/// V3: changes during validity that call for a new declaration.
public struct RedeclarationRule: Sendable, Equatable {
    public var id: String
    public var changes: [String]
    public var citations: [DatedCitation]
}

/// Which days count as working days for the 60-working-day windows.
public struct WorkingDayCalendar: Sendable, Equatable {
    /// ISO weekday numbers (1 = Monday … 7 = Sunday) that are not working days.
    public var weekend: Set<Int>
    public var holidays: Set<PolicyDate>
    /// Weekend days declared as working days (the PRC's adjusted working days).
    public var workingWeekends: Set<PolicyDate>
    public var note: String

    public func isWorkingDay(_ date: PolicyDate) -> Bool {
        if workingWeekends.contains(date) { return true }
        return !weekend.contains(date.weekday) && !holidays.contains(date)
    }

    /// The date `count` working days before `date` (`date` itself not counted).
    public func workingDays(_ count: Int, before date: PolicyDate) -> PolicyDate {
        var day = date
        var remaining = count
        while remaining > 0 {
            day = day.adding(days: -1)
            if isWorkingDay(day) { remaining -= 1 }
        }
        return day
    }
}

/// One threshold row: when its condition holds for a transfer, it sets the mechanism needed.
public struct ThresholdRow: Sendable, Equatable {
    public var id: String
    public var stage: DataExportStage
    public var condition: DataExportCondition
    public var mechanism: DataExportMechanism
    /// Duties beside the mechanism: LOCALISATION_DUTY, PIPL_NOTICE_AND_CONSENT.
    public var duties: [String]
    public var label: Bilingual
    public var citations: [DatedCitation]
    public var definedAt: String
}

/// The facts a threshold row can test about one transfer and its processor.
public enum DataExportPredicate: String, Sendable, Codable, CaseIterable {
    case ciio
    case personalData = "personal_data"
    case sensitiveData = "sensitive_data"
    case importantData = "important_data"
    case exemptionArt3 = "exemption_art3"
    case exemptionArt4 = "exemption_art4"
    case exemptionArt5Contract = "exemption_art5_1_contract"
    case exemptionArt5HR = "exemption_art5_2_hr"
    case exemptionArt5Emergency = "exemption_art5_3_emergency"
    case ftzNotListed = "ftz_not_listed"

    public var summary: String {
        switch self {
        case .ciio: "the processor is a critical information infrastructure operator"
        case .personalData: "the transfer carries personal information (non-sensitive or sensitive)"
        case .sensitiveData: "the transfer carries sensitive personal information"
        case .importantData: "the transfer carries important data notified or published by an authority (or marked by an FTZ's reference rules)"
        case .exemptionArt3: "the transfer is declared under 2024 Art 3 (trade, transport, academic, manufacturing, marketing data)"
        case .exemptionArt4: "the transfer is declared under 2024 Art 4 (foreign-collected PI re-exported, nothing domestic added)"
        case .exemptionArt5Contract: "the transfer is declared necessary for a contract with the individual (2024 Art 5(1))"
        case .exemptionArt5HR: "the transfer is declared as cross-border HR management (2024 Art 5(2))"
        case .exemptionArt5Emergency: "the transfer is declared as an emergency protecting life, health or property (2024 Art 5(3))"
        case .ftzNotListed: "the processor is registered in an FTZ whose negative list is in force, and the data is declared not on it"
        }
    }
}

/// Counts a row can compare: the processor's distinct individuals since the window's start.
public enum IndividualCount: String, Sendable, Codable, CaseIterable {
    case personal
    case sensitive
    case speciallySensitive = "specially_sensitive"
    /// Non-sensitive and sensitive together.
    case allPersonal = "all_personal"
}

/// A row's condition: predicates and count comparisons combined with all/any/not.
public indirect enum DataExportCondition: Sendable, Equatable, CustomStringConvertible {
    public enum Comparison: String, Sendable, Equatable {
        case atLeast = "at_least", above, below, atMost = "at_most"

        public func holds(_ value: Int, _ bound: Int) -> Bool {
            switch self {
            case .atLeast: value >= bound
            case .above: value > bound
            case .below: value < bound
            case .atMost: value <= bound
            }
        }

        var symbol: String {
            switch self {
            case .atLeast: "≥"
            case .above: ">"
            case .below: "<"
            case .atMost: "≤"
            }
        }
    }

    case predicate(DataExportPredicate)
    case count(IndividualCount, Comparison, Int)
    case all([DataExportCondition])
    case any([DataExportCondition])
    case not(DataExportCondition)

    public var description: String {
        switch self {
        case .predicate(let predicate): predicate.rawValue
        case .count(let count, let comparison, let bound): "\(count.rawValue) \(comparison.symbol) \(bound)"
        case .all(let parts): "all(" + parts.map(\.description).joined(separator: ", ") + ")"
        case .any(let parts): "any(" + parts.map(\.description).joined(separator: ", ") + ")"
        case .not(let part): "not(\(part))"
        }
    }
}

/// A free-trade zone's negative list (2024 Art 6): data not on it leaves without a mechanism,
/// for processors registered in the zone, once the list is in force.
public struct FreeTradeZoneList: Sendable, Equatable, Codable {
    public var id: String
    public var name: String
    /// The date the list took effect; nil when no source gives it (then the list never applies
    /// by itself and the transfer needs review).
    public var inForceFrom: String?
    /// What the sources say about the date, including disagreements.
    public var dateNote: String
    public var sectors: [String]
    public var scale: String
    /// R-DX-10: counts the zone's reference rules treat as important data. Their boundary
    /// wording (以上 or 超过) is unverified, so a match also asks for review.
    public var importantDataMarkers: [ImportantDataMarker]
    public var sources: [String]
    public var definedAt: String

    /// Whether the list is in force on `date`; false when its date is unknown.
    public func inForce(on date: PolicyDate) -> Bool { inForceFrom.flatMap(PolicyDate.init).map { $0 <= date } ?? false }

    enum CodingKeys: String, CodingKey {
        case id, name, inForceFrom = "in_force_from", dateNote = "date_note", sectors, scale, importantDataMarkers = "important_data_markers", sources,
             definedAt = "defined_at"
    }
}

public struct ImportantDataMarker: Sendable, Equatable, Codable {
    public var count: IndividualCount
    public var above: Int
    /// Applies only to CIIOs.
    public var ciioOnly: Bool
    public var label: String

    enum CodingKeys: String, CodingKey { case count, above, ciioOnly = "ciio_only", label }
}

/// What makes flows an undeclared-transfer candidate: volume, and destinations that look like
/// data stores by server name, port or provider (inference from metadata, never payload).
public struct CandidateRules: Sendable, Equatable {
    public var minimumBytes: UInt64
    public var services: [DataStoreService]
}

public struct DataStoreService: Sendable, Equatable {
    public enum Kind: String, Sendable, Codable, CaseIterable {
        case objectStorage = "object_storage", database, fileTransfer = "file_transfer", saasCRM = "saas_crm", saasHR = "saas_hr"
    }

    public var name: String
    public var kind: Kind
    /// Server-name suffixes (TLS SNI): `.s3.amazonaws.com` matches any bucket host below it.
    public var serverNames: [String]
    public var ports: [UInt16]
    /// Where the names or ports come from.
    public var source: String?
    public var definedAt: String

    /// The first of `serverNames` that `serverName` matches: an exact name, a suffix starting
    /// with "." (any name below it), or a pattern where "*" stands for any run of characters.
    public func match(serverName: String) -> String? {
        let name = serverName.lowercased()
        return serverNames.first { pattern in
            if pattern.contains("*") { return Self.glob(pattern[...], name[...]) }
            return pattern.hasPrefix(".") ? name.hasSuffix(pattern) || name == String(pattern.dropFirst()) : name == pattern
        }
    }

    private static func glob(_ pattern: Substring, _ text: Substring) -> Bool {
        guard let star = pattern.firstIndex(of: "*") else { return pattern == text }
        let head = pattern[..<star]
        guard text.hasPrefix(head) else { return false }
        let rest = pattern[pattern.index(after: star)...]
        var index = text.index(text.startIndex, offsetBy: head.count)
        while true {
            // "*" matches at least one character, so "*.s3.amazonaws.com" needs a bucket name.
            guard index < text.endIndex else { return false }
            index = text.index(after: index)
            if glob(rest, text[index...]) { return true }
        }
    }
}

extension DataExportPolicy {
    public static func load(contentsOf url: URL) throws -> DataExportPolicy {
        try parse(try NodeReader.read(url), file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> DataExportPolicy {
        let reader = NodeReader(file: file)
        let root = try NodeReader.compose(text, file: file)
        let top = try reader.mapping(root, "", allowed: [
            "version", "as_of", "sources", "stage_order", "rows_in_force_from", "counting", "validity", "redeclaration", "working_days",
            "expiring_within_days", "rows", "free_trade_zones", "candidates", "gaps",
        ], required: ["version", "as_of", "sources", "stage_order", "rows_in_force_from", "counting", "validity", "redeclaration", "working_days",
                      "expiring_within_days", "rows", "free_trade_zones", "candidates", "gaps"])
        let header = try reader.header(top, root: root, supportedVersion: supportedVersion)
        let short = FilePath(file).fileName

        let stageOrder = try reader.strings(top["stage_order"], "stage_order").enumerated().map { offset, text in
            guard let stage = DataExportStage(rawValue: text) else {
                throw reader.error(top["stage_order"], "stage_order[\(offset)]", "unknown stage \(text) (one of \(DataExportStage.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return stage
        }
        guard Set(stageOrder) == Set(DataExportStage.allCases), stageOrder.count == DataExportStage.allCases.count else {
            throw reader.error(top["stage_order"], "stage_order", "must name each of \(DataExportStage.allCases.map(\.rawValue).joined(separator: ", ")) exactly once")
        }

        let counting = try reader.sequence(top["counting"], "counting").enumerated().map { index, node -> CountingRegime in
            let path = "counting[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["from", "window", "citations"], required: ["from", "window", "citations"])
            let windowText = try reader.string(fields["window"], "\(path).window")
            guard let window = CountingRegime.Window(rawValue: windowText) else {
                throw reader.error(fields["window"], "\(path).window", "must be current_year or previous_year")
            }
            return CountingRegime(from: try reader.policyDate(fields["from"], "\(path).from"), window: window,
                                  citations: try datedCitations(fields["citations"], "\(path).citations", reader))
        }.sorted { $0.from < $1.from }

        let validity = try reader.sequence(top["validity"], "validity").enumerated().map { index, node -> ValidityRule in
            let path = "validity[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["id", "approved_from", "approved_until", "years", "review_until_years", "window_working_days",
                                                                  "extension_years", "label", "citations"],
                                            required: ["id", "approved_from", "years", "window_working_days", "label", "citations"])
            return ValidityRule(
                id: try reader.string(fields["id"], "\(path).id"), approvedFrom: try reader.policyDate(fields["approved_from"], "\(path).approved_from"),
                approvedUntil: try fields["approved_until"].map { try reader.policyDate($0, "\(path).approved_until") },
                years: try reader.positive(fields["years"], "\(path).years"),
                reviewUntilYears: try fields["review_until_years"].map { try reader.positive($0, "\(path).review_until_years") },
                windowWorkingDays: try reader.positive(fields["window_working_days"], "\(path).window_working_days"),
                extensionYears: try fields["extension_years"].map { try reader.positive($0, "\(path).extension_years") },
                label: try reader.bilingual(fields["label"], "\(path).label"),
                citations: try datedCitations(fields["citations"], "\(path).citations", reader))
        }

        let redeclarationNode = top["redeclaration"]!
        let redeclarationFields = try reader.mapping(redeclarationNode, "redeclaration", allowed: ["id", "changes", "citations"], required: ["id", "changes", "citations"])
        let redeclaration = RedeclarationRule(
            id: try reader.string(redeclarationFields["id"], "redeclaration.id"),
            changes: try reader.strings(redeclarationFields["changes"], "redeclaration.changes"),
            citations: try datedCitations(redeclarationFields["citations"], "redeclaration.citations", reader))

        let calendarFields = try reader.mapping(top["working_days"]!, "working_days", allowed: ["weekend", "holidays", "working_weekends", "note"],
                                                required: ["weekend", "note"])
        let weekdayNames = ["monday": 1, "tuesday": 2, "wednesday": 3, "thursday": 4, "friday": 5, "saturday": 6, "sunday": 7]
        let weekend = try reader.strings(calendarFields["weekend"], "working_days.weekend").enumerated().map { offset, name in
            guard let number = weekdayNames[name] else { throw reader.error(calendarFields["weekend"], "working_days.weekend[\(offset)]", "must be a weekday name such as saturday") }
            return number
        }
        let calendar = WorkingDayCalendar(
            weekend: Set(weekend),
            holidays: Set(try reader.sequence(calendarFields["holidays"], "working_days.holidays").enumerated().map { try reader.policyDate($1, "working_days.holidays[\($0)]") }),
            workingWeekends: Set(try reader.sequence(calendarFields["working_weekends"], "working_days.working_weekends").enumerated().map {
                try reader.policyDate($1, "working_days.working_weekends[\($0)]")
            }),
            note: try reader.string(calendarFields["note"], "working_days.note"))

        var seen: Set<String> = []
        let rows = try reader.sequence(top["rows"], "rows").enumerated().map { index, node -> ThresholdRow in
            let path = "rows[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["id", "stage", "when", "mechanism", "duties", "label", "citations"],
                                            required: ["id", "stage", "when", "mechanism", "label", "citations"])
            let id = try reader.string(fields["id"], "\(path).id")
            guard seen.insert(id).inserted else { throw reader.error(node, "\(path).id", "row \(id) is defined twice") }
            let stageText = try reader.string(fields["stage"], "\(path).stage")
            guard let stage = DataExportStage(rawValue: stageText) else {
                throw reader.error(fields["stage"], "\(path).stage", "unknown stage \(stageText) (one of \(DataExportStage.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            let mechanismText = try reader.string(fields["mechanism"], "\(path).mechanism")
            guard let mechanism = DataExportMechanism(rawValue: mechanismText) else {
                throw reader.error(fields["mechanism"], "\(path).mechanism", "must be one of \(DataExportMechanism.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let duties = try reader.strings(fields["duties"], "\(path).duties")
            for (offset, duty) in duties.enumerated() where !DataExportDuty.known.contains(duty) {
                throw reader.error(fields["duties"], "\(path).duties[\(offset)]", "unknown duty \(duty) (one of \(DataExportDuty.known.sorted().joined(separator: ", ")))")
            }
            let citations = try datedCitations(fields["citations"], "\(path).citations", reader)
            guard !citations.isEmpty else { throw reader.error(fields["citations"], "\(path).citations", "every row cites at least one source") }
            return ThresholdRow(id: id, stage: stage, condition: try condition(fields["when"]!, "\(path).when", reader), mechanism: mechanism,
                                duties: duties, label: try reader.bilingual(fields["label"], "\(path).label"), citations: citations,
                                definedAt: "\(short):\(node.mark?.line ?? 0)")
        }

        let zones = try reader.sequence(top["free_trade_zones"], "free_trade_zones").enumerated().map { index, node -> FreeTradeZoneList in
            let path = "free_trade_zones[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["id", "name", "in_force_from", "date_note", "sectors", "scale", "important_data_markers", "sources"],
                                            required: ["id", "name", "date_note", "scale", "sources"])
            let markers = try reader.sequence(fields["important_data_markers"], "\(path).important_data_markers").enumerated().map { offset, markerNode -> ImportantDataMarker in
                let markerPath = "\(path).important_data_markers[\(offset)]"
                let marker = try reader.mapping(markerNode, markerPath, allowed: ["count", "above", "ciio_only", "label"], required: ["count", "above", "label"])
                return ImportantDataMarker(count: try countName(marker["count"], "\(markerPath).count", reader),
                                           above: try reader.int(marker["above"], "\(markerPath).above"),
                                           ciioOnly: try reader.bool(marker["ciio_only"], "\(markerPath).ciio_only", default: false),
                                           label: try reader.string(marker["label"], "\(markerPath).label"))
            }
            let sources = try reader.strings(fields["sources"], "\(path).sources")
            guard !sources.isEmpty else { throw reader.error(fields["sources"], "\(path).sources", "name at least one source") }
            return FreeTradeZoneList(
                id: try reader.string(fields["id"], "\(path).id"), name: try reader.string(fields["name"], "\(path).name"),
                inForceFrom: try fields["in_force_from"].map { try reader.date($0, "\(path).in_force_from") },
                dateNote: try reader.string(fields["date_note"], "\(path).date_note"), sectors: try reader.strings(fields["sectors"], "\(path).sectors"),
                scale: try reader.string(fields["scale"], "\(path).scale"), importantDataMarkers: markers, sources: sources,
                definedAt: "\(short):\(node.mark?.line ?? 0)")
        }
        let zoneIDs = zones.map(\.id)
        if let duplicate = zoneIDs.first(where: { id in zoneIDs.filter { $0 == id }.count > 1 }) {
            throw reader.error(top["free_trade_zones"], "free_trade_zones", "zone \(duplicate) is listed twice")
        }

        let candidateFields = try reader.mapping(top["candidates"]!, "candidates", allowed: ["minimum_bytes", "services"], required: ["minimum_bytes", "services"])
        let minimumBytes = try reader.positive(candidateFields["minimum_bytes"], "candidates.minimum_bytes")
        let services = try reader.sequence(candidateFields["services"], "candidates.services").enumerated().map { index, node -> DataStoreService in
            let path = "candidates.services[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["name", "kind", "server_names", "ports", "source"], required: ["name", "kind"])
            let kindText = try reader.string(fields["kind"], "\(path).kind")
            guard let kind = DataStoreService.Kind(rawValue: kindText) else {
                throw reader.error(fields["kind"], "\(path).kind", "must be one of \(DataStoreService.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let ports = try reader.sequence(fields["ports"], "\(path).ports").enumerated().map { offset, portNode -> UInt16 in
                let value = try reader.int(portNode, "\(path).ports[\(offset)]")
                guard (1...65535).contains(value) else { throw reader.error(portNode, "\(path).ports[\(offset)]", "must be a port 1-65535") }
                return UInt16(value)
            }
            let names = try reader.strings(fields["server_names"], "\(path).server_names").map { $0.lowercased() }
            guard !names.isEmpty || !ports.isEmpty else { throw reader.error(node, path, "names no server name and no port") }
            return DataStoreService(name: try reader.string(fields["name"], "\(path).name"), kind: kind, serverNames: names, ports: ports,
                                    source: try reader.optionalString(fields["source"], "\(path).source"), definedAt: "\(short):\(node.mark?.line ?? 0)")
        }

        var gaps: [DataExportGap: GapText] = [:]
        let gapsNode = top["gaps"]!
        let gapFields = try reader.mapping(gapsNode, "gaps", allowed: Set(DataExportGap.allCases.map(\.rawValue)), required: Set(DataExportGap.allCases.map(\.rawValue)))
        for gap in DataExportGap.allCases {
            let path = "gaps.\(gap.rawValue)"
            let fields = try reader.mapping(gapFields[gap.rawValue]!, path, allowed: ["severity", "rationale", "action", "citations"], required: ["severity", "rationale", "action"])
            let severityText = try reader.string(fields["severity"], "\(path).severity")
            guard let severity = Severity(rawValue: severityText) else {
                throw reader.error(fields["severity"], "\(path).severity", "must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            gaps[gap] = GapText(severity: severity, rationale: try reader.bilingual(fields["rationale"], "\(path).rationale"),
                                action: try reader.bilingual(fields["action"], "\(path).action"),
                                citations: try datedCitations(fields["citations"], "\(path).citations", reader))
        }

        return DataExportPolicy(
            header: header, stageOrder: stageOrder, rowsInForceFrom: try reader.policyDate(top["rows_in_force_from"], "rows_in_force_from"),
            counting: counting, validity: validity, redeclaration: redeclaration, workingDays: calendar,
            expiringWithinDays: try reader.positive(top["expiring_within_days"], "expiring_within_days"), rows: rows, freeTradeZones: zones,
            candidates: CandidateRules(minimumBytes: UInt64(minimumBytes), services: services), gaps: gaps)
    }

    static func datedCitations(_ node: Node?, _ path: String, _ reader: NodeReader) throws -> [DatedCitation] {
        try reader.sequence(node, path).enumerated().map { offset, citationNode in
            let citationPath = "\(path)[\(offset)]"
            let fields = try reader.mapping(citationNode, citationPath, allowed: ["document", "issuer", "date", "article", "reference", "applies_from", "applies_until"],
                                            required: ["document"])
            return DatedCitation(
                citation: Citation(document: try reader.string(fields["document"], "\(citationPath).document"),
                                   issuer: try reader.optionalString(fields["issuer"], "\(citationPath).issuer"),
                                   date: try reader.optionalString(fields["date"], "\(citationPath).date"),
                                   article: try reader.optionalString(fields["article"], "\(citationPath).article"),
                                   reference: try reader.optionalString(fields["reference"], "\(citationPath).reference")),
                appliesFrom: try fields["applies_from"].map { try reader.policyDate($0, "\(citationPath).applies_from") },
                appliesUntil: try fields["applies_until"].map { try reader.policyDate($0, "\(citationPath).applies_until") })
        }
    }

    static func countName(_ node: Node?, _ path: String, _ reader: NodeReader) throws -> IndividualCount {
        let text = try reader.string(node, path)
        guard let count = IndividualCount(rawValue: text) else {
            throw reader.error(node, path, "unknown count \(text) (one of \(IndividualCount.allCases.map(\.rawValue).joined(separator: ", ")))")
        }
        return count
    }

    /// A predicate name, `{count: personal, at_least: N}`, or `{all|any: [...]}`, `{not: ...}`.
    static func condition(_ node: Node, _ path: String, _ reader: NodeReader) throws -> DataExportCondition {
        if let name = node.scalar?.string {
            guard let predicate = DataExportPredicate(rawValue: name) else {
                throw reader.error(node, path, "unknown predicate \(name) (one of \(DataExportPredicate.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return .predicate(predicate)
        }
        guard let mapping = node.mapping else { throw reader.error(node, path, "a condition is a predicate name or a mapping") }
        if mapping["count"] != nil {
            let comparisons: [DataExportCondition.Comparison] = [.atLeast, .above, .below, .atMost]
            let fields = try reader.mapping(node, path, allowed: Set(["count"] + comparisons.map(\.rawValue)), required: ["count"])
            let present = comparisons.filter { fields[$0.rawValue] != nil }
            guard present.count == 1, let comparison = present.first else {
                throw reader.error(node, path, "a count condition has exactly one of at_least, above, below, at_most")
            }
            let bound = try reader.int(fields[comparison.rawValue], "\(path).\(comparison.rawValue)")
            guard bound >= 0 else { throw reader.error(fields[comparison.rawValue], "\(path).\(comparison.rawValue)", "must not be negative") }
            return .count(try countName(fields["count"], "\(path).count", reader), comparison, bound)
        }
        let fields = try reader.mapping(node, path, allowed: ["all", "any", "not"])
        guard fields.count == 1, let (keyNode, value) = fields.first, let key = keyNode.scalar?.string else {
            throw reader.error(node, path, "a condition is a predicate, a count, or one of all, any, not")
        }
        if key == "not" { return .not(try condition(value, "\(path).not", reader)) }
        let parts = try reader.sequence(value, "\(path).\(key)").enumerated().map { try condition($1, "\(path).\(key)[\($0)]", reader) }
        return key == "all" ? .all(parts) : .any(parts)
    }
}

/// Duties a row adds beside the mechanism.
public enum DataExportDuty {
    public static let known: Set<String> = ["LOCALISATION_DUTY", "PIPL_NOTICE_AND_CONSENT"]
}

extension NodeReader {
    func policyDate(_ node: Node?, _ path: String) throws -> PolicyDate {
        PolicyDate(try date(node, path))!
    }

    func positive(_ node: Node?, _ path: String) throws -> Int {
        let value = try int(node, path)
        guard value >= 1 else { throw error(node, path, "must be at least 1") }
        return value
    }
}

extension PolicyDate {
    public init(year: Int, month: Int, day: Int) {
        self.init(String(format: "%04d-%02d-%02d", year, month, day))!
    }

    /// Days since 1970-01-01 (proleptic Gregorian), for date arithmetic without Foundation.
    public var dayNumber: Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146_097 + doe - 719_468
    }

    public init(dayNumber: Int) {
        let z = dayNumber + 719_468
        let era = (z >= 0 ? z : z - 146_096) / 146_097
        let doe = z - era * 146_097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146_096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        self.init(year: yoe + era * 400 + (month <= 2 ? 1 : 0), month: month, day: day)
    }

    public func adding(days: Int) -> PolicyDate { PolicyDate(dayNumber: dayNumber + days) }

    /// The same day `years` later; 29 February becomes 28 February in a common year.
    public func adding(years: Int) -> PolicyDate {
        let target = year + years
        let leap = (target % 4 == 0 && target % 100 != 0) || target % 400 == 0
        return PolicyDate(year: target, month: month, day: month == 2 && day == 29 && !leap ? 28 : day)
    }

    /// ISO weekday: 1 = Monday … 7 = Sunday (1970-01-01 was a Thursday).
    public var weekday: Int { ((dayNumber % 7 + 7) % 7 + 3) % 7 + 1 }
}
