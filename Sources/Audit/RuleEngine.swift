import Policy

/// Evaluates a rule pack on a circuit: category rules in order (the first match sets the
/// category), every flag rule, and a trace of all of them.
public struct RuleEngine: Sendable {
    public let rules: RulePack

    public init(rules: RulePack) { self.rules = rules }

    public func classify(_ facts: CircuitFacts, organization: OrganizationProfile?, asOf: PolicyDate) -> Finding {
        var cache: [Predicate: Fact] = [:]
        func fact(_ predicate: Predicate) -> Fact {
            if let known = cache[predicate] { return known }
            let value = facts.evaluate(predicate)
            cache[predicate] = value
            return value
        }

        var trace: [TraceStep] = []
        var categoryRule: Rule?
        var flags: [FlagFinding] = []
        for rule in rules.rules {
            if case .category = rule.effect, categoryRule != nil {
                trace.append(TraceStep(rule: rule.id, matched: false, condition: rule.condition.description, because: "not tried: an earlier rule set the category"))
                continue
            }
            let (matched, because) = evaluate(rule.condition, fact)
            trace.append(TraceStep(rule: rule.id, matched: matched, condition: rule.condition.description, because: because))
            guard matched else { continue }
            switch rule.effect {
            case .category:
                categoryRule = rule
                for flag in rule.addsFlags {
                    flags.append(FlagFinding(flag: flag, label: flag.label, rule: rule.id, severity: rule.severity,
                                             rationale: rule.rationale, action: rule.action, citations: rule.citations))
                }
            case .flag(let flag):
                guard !flags.contains(where: { $0.flag == flag && $0.severity >= rule.severity }) else { continue }
                flags.removeAll { $0.flag == flag }
                flags.append(FlagFinding(flag: flag, label: flag.label, rule: rule.id, severity: rule.severity,
                                         rationale: rule.rationale, action: rule.action, citations: rule.citations))
            }
        }
        // A pack without a catch-all still yields a finding: the circuit needs review.
        let chosen = categoryRule
        let category: Category
        if case .category(let value)? = chosen?.effect { category = value } else { category = .c9 }
        let severity = ([chosen?.severity ?? .medium] + flags.map(\.severity)).max()!
        let evidence = cache.sorted { $0.key.rawValue < $1.key.rawValue }
            .filter { $0.key != .always }
            .map { EvidenceItem(predicate: $0.key.rawValue, fact: ($0.value.holds ? "yes: " : "no: ") + $0.value.because, sources: $0.value.sources) }
        let circuit = facts.circuit
        let waiver = organization?.waivers.first { declared in
            declared.circuit == circuit.id && (declared.rule == chosen?.id || flags.contains { $0.rule == declared.rule })
        }
            .map { waiver in
                WaiverStatus(rule: waiver.rule, justification: waiver.justification, approver: waiver.approver, date: waiver.date,
                             expires: waiver.expires, active: PolicyDate(waiver.expires).map { asOf <= $0 } ?? false, declaredAt: waiver.definedAt)
            }
        return Finding(
            circuitID: circuit.id, circuitName: circuit.name, category: category, categoryLabel: category.label,
            flags: flags.sorted { $0.flag.rawValue < $1.flag.rawValue }, severity: severity, rule: chosen?.id ?? "none",
            citations: chosen?.citations ?? [], rationale: chosen?.rationale ?? Bilingual(en: "No rule matched.", zh: "无匹配规则。"),
            action: chosen?.action ?? Bilingual(en: "Review the circuit.", zh: "复核该线路。"),
            confidence: chosen?.confidence ?? .low, evidence: evidence, trace: trace, waiver: waiver, disclaimer: Finding.forLegalReview,
            supplier: facts.supplier?.name)
    }

    /// Whether `condition` holds, and a short reason naming the deciding facts.
    private func evaluate(_ condition: Condition, _ fact: (Predicate) -> Fact) -> (Bool, String) {
        switch condition {
        case .predicate(let predicate):
            let value = fact(predicate)
            return (value.holds, "\(predicate.rawValue): \(value.holds ? "yes" : "no") (\(value.because))")
        case .not(let inner):
            let (holds, because) = evaluate(inner, fact)
            return (!holds, "not[\(because)]")
        case .all(let parts):
            var reasons: [String] = []
            for part in parts {
                let (holds, because) = evaluate(part, fact)
                reasons.append(because)
                if !holds { return (false, because) }
            }
            return (true, reasons.joined(separator: "; "))
        case .any(let parts):
            var reasons: [String] = []
            for part in parts {
                let (holds, because) = evaluate(part, fact)
                if holds { return (true, because) }
                reasons.append(because)
            }
            return (false, reasons.joined(separator: "; "))
        }
    }
}
