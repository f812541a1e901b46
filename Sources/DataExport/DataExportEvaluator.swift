import Policy

/// Decides, as of a date, which mechanism each declared transfer needs (rows T1–T9 tried in the
/// policy's stage order) and whether the mechanism on file covers it (V1–V3). Pure: the same
/// policy, declarations and date always give the same answer, so every boundary can be tested.
public struct DataExportEvaluator: Sendable {
    public let policy: DataExportPolicy
    public let asOf: PolicyDate

    public init(policy: DataExportPolicy, asOf: PolicyDate) {
        self.policy = policy
        self.asOf = asOf
    }

    typealias Transfer = OrganizationProfile.DataTransfer

    public func evaluate(_ organization: OrganizationProfile?) -> DataExportEvaluation {
        let transfers = organization?.transfers ?? []
        let processor = processorStatus(organization?.dataProcessor)
        let counts = countBasis(transfers, processor: organization?.dataProcessor, status: processor)
        return DataExportEvaluation(
            asOf: asOf.description, stageOrder: policy.stageOrder, processor: processor, counts: counts,
            transfers: transfers.map { assess($0, processor: processor, counts: counts) }, candidatesWithoutCircuit: [],
            policy: policy.header.file)
    }

    // MARK: processor and counts

    func processorStatus(_ declared: OrganizationProfile.DataProcessor?) -> ProcessorStatus {
        let list = declared?.freeTradeZone.flatMap { zone in policy.freeTradeZones.first { $0.id == zone } }
        return ProcessorStatus(
            declared: declared != nil, ciio: declared?.ciio ?? false, ciioSector: declared?.ciioSector, freeTradeZone: declared?.freeTradeZone,
            ftzRegistration: declared?.ftzRegistration, negativeList: list, negativeListInForce: list?.inForce(on: asOf) ?? false,
            declaredAt: declared?.definedAt)
    }

    /// The counting regime in force on the audit date (2022: since 1 January of the previous
    /// year; 2024: of the current year).
    var countingRegime: CountingRegime? { policy.counting.last { $0.from <= asOf } }

    func countBasis(_ transfers: [Transfer], processor: OrganizationProfile.DataProcessor?, status: ProcessorStatus) -> CountBasis {
        let regime = countingRegime
        let requiredFrom = (regime?.windowStart(for: asOf) ?? PolicyDate(year: asOf.year, month: 1, day: 1)).description
        if let totals = processor?.totals {
            return CountBasis(personal: totals.personal, sensitive: totals.sensitive, speciallySensitive: totals.speciallySensitive,
                              countedFrom: totals.countedFrom, requiredFrom: requiredFrom, window: regime?.window, basis: "declared processor totals")
        }
        // Exempt transfers do not count toward the thresholds (2024 Art 8, second paragraph).
        let counted = transfers.filter { exemptionRow(for: $0, processor: status) == nil }
        let starts = Set(counted.map(\.countedFrom))
        return CountBasis(
            personal: counted.map(\.personalIndividuals).reduce(0, +), sensitive: counted.map(\.sensitiveIndividuals).reduce(0, +),
            speciallySensitive: counted.map(\.speciallySensitiveIndividuals).reduce(0, +),
            countedFrom: starts.count == 1 ? starts.first! : (starts.isEmpty ? requiredFrom : starts.sorted().joined(separator: ", ")),
            requiredFrom: requiredFrom, window: regime?.window,
            basis: "sum of the declared non-exempt transfers (overlapping individuals not removed: declare data_processor.totals for distinct counts)")
    }

    /// The exemption row a transfer meets on its own, whatever the stage order.
    func exemptionRow(for transfer: Transfer, processor: ProcessorStatus) -> ThresholdRow? {
        let zero = CountBasis(personal: 0, sensitive: 0, speciallySensitive: 0, countedFrom: "", requiredFrom: "", window: nil, basis: "")
        let facts = TransferFacts(transfer: transfer, processor: processor, counts: zero, asOf: asOf)
        return policy.orderedRows.first { $0.stage == .exemptions && facts.evaluate($0.condition).holds }
    }

    // MARK: one transfer

    func assess(_ transfer: Transfer, processor: ProcessorStatus, counts: CountBasis) -> TransferAssessment {
        let facts = TransferFacts(transfer: transfer, processor: processor, counts: counts, asOf: asOf)
        var gaps: [GapDetail] = []
        var trace: [RowStep] = []
        var chosen: ThresholdRow?
        for row in policy.orderedRows {
            if chosen != nil {
                trace.append(RowStep(row: row.id, stage: row.stage, matched: false, condition: row.condition.description, because: "not tried: an earlier row matched"))
                continue
            }
            let (holds, because) = facts.evaluate(row.condition)
            trace.append(RowStep(row: row.id, stage: row.stage, matched: holds, condition: row.condition.description, because: because))
            if holds { chosen = row }
        }
        var mechanism = chosen?.mechanism ?? .needsReview
        if chosen == nil { gaps.append(GapDetail(gap: .needsReview, detail: "no row of the thresholds table matched this transfer")) }
        if asOf < policy.rowsInForceFrom {
            mechanism = .needsReview
            gaps.append(GapDetail(gap: .needsReview, detail: "the thresholds table encodes the rules in force from \(policy.rowsInForceFrom); the audit date \(asOf) is before them"))
        }
        gaps += reviewNotes(transfer, facts: facts, counts: counts, processor: processor, chosen: chosen)

        let onFile = transfer.mechanism.map { status($0) }
        if let onFile, let declared = transfer.mechanism { gaps += coverage(mechanism, declared: declared, status: onFile, transfer: transfer) } else if mechanism == .securityAssessment || mechanism == .sccOrCertification {
            gaps.append(GapDetail(gap: .missing, detail: "\(mechanism.rawValue) is needed and no mechanism is on file"))
        }
        if mechanism == .needsReview && !gaps.contains(where: { $0.gap == .needsReview }) {
            gaps.append(GapDetail(gap: .needsReview, detail: "the matching row asks for review"))
        }
        let worst = gaps.map(\.gap).max() ?? .none
        let citations = (chosen?.citations.on(asOf) ?? []) + gaps.flatMap { policy.gaps[$0.gap]?.citations.on(asOf) ?? [] }
        return TransferAssessment(
            dataset: transfer.dataset, recipient: transfer.recipient, country: transfer.country, purpose: transfer.purpose,
            personalIndividuals: transfer.personalIndividuals, sensitiveIndividuals: transfer.sensitiveIndividuals, countedFrom: transfer.countedFrom,
            importantData: facts.importantBasis, importantDataCandidate: transfer.importantDataCandidate,
            exemptionGrounds: transfer.exemptionGrounds.map(\.rawValue), row: chosen?.id, rowLabel: chosen?.label, mechanismRequired: mechanism,
            duties: chosen?.duties ?? [], onFile: onFile, gap: worst, gaps: gaps.isEmpty ? [GapDetail(gap: .none, detail: mechanism == .exempt ? "exempt: no mechanism is needed" : "the mechanism needed is on file and holds")] : gaps,
            severity: policy.gaps[worst]?.severity ?? .medium, citations: unique(citations), trace: trace, declaredAt: transfer.definedAt)
    }

    /// Facts that leave the answer open: suspected important data, counts from the wrong
    /// window, an FTZ list that is not in force or not checked, unverified marker boundaries.
    func reviewNotes(_ transfer: Transfer, facts: TransferFacts, counts: CountBasis, processor: ProcessorStatus, chosen: ThresholdRow?) -> [GapDetail] {
        var notes: [GapDetail] = []
        if transfer.importantDataCandidate && transfer.importantData == nil {
            notes.append(GapDetail(gap: .needsReview, detail: "suspected important data that no authority has notified: not treated as important (2024 Art 2); screen it against GB/T 43697-2024 Appendix G"))
        }
        if countingRegime == nil {
            notes.append(GapDetail(gap: .needsReview, detail: "no counting regime of the policy covers \(asOf)"))
        }
        if transfer.countedFrom != counts.requiredFrom, chosen?.stage != .exemptions {
            notes.append(GapDetail(gap: .needsReview, detail: "the transfer's counts run from \(transfer.countedFrom) but on \(asOf) the rule counts from \(counts.requiredFrom): recount"))
        }
        if counts.countedFrom != counts.requiredFrom, counts.basis == "declared processor totals", chosen?.stage != .exemptions {
            notes.append(GapDetail(gap: .needsReview, detail: "the processor's totals run from \(counts.countedFrom) but on \(asOf) the rule counts from \(counts.requiredFrom): recount"))
        }
        if let zone = processor.freeTradeZone {
            if processor.negativeList == nil {
                notes.append(GapDetail(gap: .needsReview, detail: "the processor is registered in FTZ \(zone), which has no negative list in the policy file"))
            } else if !processor.negativeListInForce {
                notes.append(GapDetail(gap: .needsReview, detail: "\(processor.negativeList!.name)'s negative list is not in force on \(asOf) or its date is unknown (\(processor.negativeList!.dateNote))"))
            } else if transfer.negativeList == nil {
                notes.append(GapDetail(gap: .needsReview, detail: "the processor is in FTZ \(zone) but the transfer was not checked against its negative list"))
            }
        }
        if let marker = facts.matchedMarker {
            notes.append(GapDetail(gap: .needsReview, detail: "treated as important data under \(processor.negativeList?.name ?? "the FTZ")'s reference rules (\(marker.label)); whether the original reads 以上 or 超过 is unverified"))
        }
        return notes
    }

    /// Whether the mechanism on file covers what is needed, on the audit date.
    func coverage(_ needed: DataExportMechanism, declared: OrganizationProfile.MechanismOnFile, status: MechanismStatus, transfer: Transfer) -> [GapDetail] {
        guard needed == .securityAssessment || needed == .sccOrCertification else { return [] }
        var gaps: [GapDetail] = []
        if needed == .securityAssessment && declared.kind != .securityAssessment {
            return [GapDetail(gap: .insufficient, detail: "a security assessment is needed; \(declared.kind.rawValue) \(declared.reference) is on file")]
        }
        gaps += validity(declared, status: status)
        if let covers = declared.coversIndividuals {
            let exported = transfer.personalIndividuals + transfer.sensitiveIndividuals
            if exported > covers {
                gaps.append(GapDetail(gap: .beyondScope, detail: "\(exported) individuals exported since \(transfer.countedFrom); \(declared.reference) covers \(covers)"))
            }
        }
        if !transfer.changes.isEmpty {
            gaps.append(GapDetail(gap: .redeclareCheck, detail: "changed since \(declared.reference): \(transfer.changes.joined(separator: ", ")) (\(policy.redeclaration.id))"))
        }
        return gaps
    }

    func validity(_ declared: OrganizationProfile.MechanismOnFile, status: MechanismStatus) -> [GapDetail] {
        let granted = PolicyDate(declared.date)!
        if granted > asOf { return [GapDetail(gap: .needsReview, detail: "\(declared.reference) is dated \(granted), after the audit date")] }
        switch declared.kind {
        case .securityAssessment:
            guard let rule = validityRule(for: granted) else {
                return [GapDetail(gap: .needsReview, detail: "\(declared.reference) was approved on \(granted), before any validity rule of the policy file")]
            }
            let lastDay = PolicyDate(status.validUntil!)!
            let opens = PolicyDate(status.windowOpens!)!
            if let reviewYears = rule.reviewUntilYears {
                let outerLastDay = granted.adding(years: reviewYears).adding(days: -1)
                if asOf > outerLastDay { return [GapDetail(gap: .expired, detail: "\(declared.reference) (\(rule.id)) ran out on \(outerLastDay) even on the longer reading")] }
                if asOf > lastDay {
                    return [GapDetail(gap: .needsReview, detail: "\(declared.reference) (\(rule.id)) passed its \(rule.years)-year validity on \(lastDay); whether the \(reviewYears)-year rule carries it to \(outerLastDay) is unsettled")]
                }
                let note = GapDetail(gap: .none, detail: "\(declared.reference) (\(rule.id)) holds to \(lastDay) on its own terms; whether it benefits from the \(reviewYears)-year rule is for counsel")
                if asOf >= opens {
                    return [note, GapDetail(gap: .expiring, detail: "the \(rule.windowWorkingDays)-working-day re-declaration window before \(lastDay) opened on \(opens)")]
                }
                return [note]
            }
            if asOf > lastDay { return [GapDetail(gap: .expired, detail: "\(declared.reference) (\(rule.id)) held to \(lastDay)")] }
            if asOf >= opens {
                let applied = declared.extensionApproved != nil ? "; it was extended once already"
                    : declared.extensionApplied.map { "; extension applied for on \($0), not yet approved" } ?? "; no extension applied for"
                return [GapDetail(gap: .expiring, detail: "\(declared.reference) holds to \(lastDay); the \(rule.windowWorkingDays)-working-day extension window opened on \(opens)\(applied)")]
            }
            return []
        case .standardContract, .certification:
            guard let until = status.validUntil.flatMap(PolicyDate.init) else { return [] }
            if asOf > until { return [GapDetail(gap: .expired, detail: "\(declared.reference) held to \(until)")] }
            if asOf.dayNumber + policy.expiringWithinDays >= until.dayNumber {
                return [GapDetail(gap: .expiring, detail: "\(declared.reference) holds to \(until), within \(policy.expiringWithinDays) days")]
            }
            return []
        }
    }

    func validityRule(for approved: PolicyDate) -> ValidityRule? {
        policy.validity.first { $0.approvedFrom <= approved && ($0.approvedUntil.map { approved <= $0 } ?? true) }
    }

    /// The mechanism on file with its validity worked out.
    func status(_ declared: OrganizationProfile.MechanismOnFile) -> MechanismStatus {
        var status = MechanismStatus(kind: declared.kind, reference: declared.reference, date: declared.date, validityRule: nil, validUntil: declared.expires,
                                     windowOpens: nil, extensionApplied: declared.extensionApplied, extensionApproved: declared.extensionApproved,
                                     coversIndividuals: declared.coversIndividuals, documents: declared.documents)
        let granted = PolicyDate(declared.date)!
        guard declared.kind == .securityAssessment, let rule = validityRule(for: granted) else { return status }
        // "Valid N years from issue": the last valid day is the day before the anniversary.
        var years = rule.years
        if declared.extensionApproved != nil, let extra = rule.extensionYears { years += extra }
        let lastDay = granted.adding(years: years).adding(days: -1)
        status.validityRule = rule.id
        status.validUntil = lastDay.description
        status.windowOpens = policy.workingDays.workingDays(rule.windowWorkingDays, before: lastDay.adding(days: 1)).description
        return status
    }

    private func unique(_ citations: [Citation]) -> [Citation] {
        var seen: [Citation] = []
        for citation in citations where !seen.contains(citation) { seen.append(citation) }
        return seen
    }
}

/// The facts rows test for one transfer.
struct TransferFacts {
    let transfer: OrganizationProfile.DataTransfer
    let processor: ProcessorStatus
    let counts: CountBasis
    let asOf: PolicyDate

    /// R-DX-10: the first important-data marker of the processor's FTZ that the counts meet.
    var matchedMarker: ImportantDataMarker? {
        guard let list = processor.negativeList, processor.negativeListInForce else { return nil }
        return list.importantDataMarkers.first { marker in
            (!marker.ciioOnly || processor.ciio) && value(marker.count) > marker.above && transferCarries(marker.count)
        }
    }

    var importantBasis: String? {
        if let notified = transfer.importantData {
            return "notified by \(notified.notifiedBy)" + (notified.reference.map { " (\($0))" } ?? "")
        }
        return matchedMarker.map { "FTZ reference rules: \($0.label)" }
    }

    private func transferCarries(_ count: IndividualCount) -> Bool {
        switch count {
        case .personal: transfer.personalIndividuals > 0
        case .sensitive: transfer.sensitiveIndividuals > 0
        case .speciallySensitive: transfer.speciallySensitiveIndividuals > 0
        case .allPersonal: transfer.personalIndividuals + transfer.sensitiveIndividuals > 0
        }
    }

    private func value(_ count: IndividualCount) -> Int {
        switch count {
        case .personal: counts.personal
        case .sensitive: counts.sensitive
        case .speciallySensitive: counts.speciallySensitive
        case .allPersonal: counts.personal + counts.sensitive
        }
    }

    func holds(_ predicate: DataExportPredicate) -> (Bool, String) {
        switch predicate {
        case .ciio:
            return (processor.ciio, processor.ciio ? "the processor is declared a CIIO" : (processor.declared ? "the processor is declared not a CIIO" : "no processor status is declared: not a CIIO"))
        case .personalData:
            let count = transfer.personalIndividuals + transfer.sensitiveIndividuals
            return (count > 0, "\(count) individuals' personal information in this transfer")
        case .sensitiveData:
            return (transfer.sensitiveIndividuals > 0, "\(transfer.sensitiveIndividuals) individuals' sensitive personal information in this transfer")
        case .importantData:
            return (importantBasis != nil, importantBasis.map { "important data, \($0)" } ?? "no important data is notified for it")
        case .exemptionArt3: return ground(.art3)
        case .exemptionArt4: return ground(.art4)
        case .exemptionArt5Contract: return ground(.art5Contract)
        case .exemptionArt5HR: return ground(.art5HR)
        case .exemptionArt5Emergency: return ground(.art5Emergency)
        case .ftzNotListed:
            guard let zone = processor.freeTradeZone else { return (false, "the processor is registered in no FTZ") }
            guard let list = processor.negativeList else { return (false, "FTZ \(zone) has no negative list in the policy file") }
            guard processor.negativeListInForce else { return (false, "\(list.name)'s list is not in force on \(asOf) (or its date is unknown)") }
            guard let check = transfer.negativeList else { return (false, "not checked against \(list.name)'s list") }
            return (!check.listed, check.listed ? "on \(list.name)'s list: \(check.entries.joined(separator: ", "))" : "not on \(list.name)'s list" + (check.checkedBy.map { " (checked by \($0))" } ?? ""))
        }
    }

    private func ground(_ ground: OrganizationProfile.ExemptionGround) -> (Bool, String) {
        let declared = transfer.exemptionGrounds.contains(ground)
        return (declared, declared ? "declared under \(ground.rawValue)" : "not declared under \(ground.rawValue)")
    }

    func evaluate(_ condition: DataExportCondition) -> (holds: Bool, because: String) {
        switch condition {
        case .predicate(let predicate):
            let (value, because) = holds(predicate)
            return (value, "\(predicate.rawValue): \(value ? "yes" : "no") (\(because))")
        case .count(let count, let comparison, let bound):
            let current = value(count)
            let result = comparison.holds(current, bound)
            return (result, "\(count.rawValue) \(current) \(result ? "" : "not ")\(condition.description.dropFirst(count.rawValue.count + 1))")
        case .not(let inner):
            let (value, because) = evaluate(inner)
            return (!value, "not[\(because)]")
        case .all(let parts):
            var reasons: [String] = []
            for part in parts {
                let (value, because) = evaluate(part)
                reasons.append(because)
                if !value { return (false, because) }
            }
            return (true, reasons.joined(separator: "; "))
        case .any(let parts):
            var reasons: [String] = []
            for part in parts {
                let (value, because) = evaluate(part)
                if value { return (true, because) }
                reasons.append(because)
            }
            return (false, reasons.joined(separator: "; "))
        }
    }
}

/// Whether a flow's metadata looks like a data store of the providers list: its TLS server name
/// first, then its port. Pure, so the list can be tested without traffic.
public struct DataStoreMatcher: Sendable {
    public let rules: CandidateRules

    public init(rules: CandidateRules) { self.rules = rules }

    /// The service and what matched it, or nil.
    public func match(serverName: String?, port: UInt16) -> (service: DataStoreService, matchedBy: String)? {
        if let serverName {
            for service in rules.services {
                if let pattern = service.match(serverName: serverName) { return (service, "TLS server name \(serverName) matches \(pattern)") }
            }
        }
        for service in rules.services where service.ports.contains(port) {
            return (service, "destination port \(port)")
        }
        return nil
    }
}
