import Policy

/// What changed between two recorded runs: circuits that appeared, disappeared or were
/// classified differently, and findings opened or resolved. Drift is what a compliance officer
/// asks about between two audits, so it is computed from the history, not from files.
public struct RunDiff: Sendable, Equatable {
    /// A circuit seen in both runs whose category, flags or severity differ.
    public struct Change: Sendable, Equatable {
        public var before: CircuitState
        public var after: CircuitState

        public var addedFlags: [String] { after.flags.filter { !before.flags.contains($0) } }
        public var removedFlags: [String] { before.flags.filter { !after.flags.contains($0) } }
        public var worsened: Bool { after.severity > before.severity }
    }

    public var from: RunSummary
    public var to: RunSummary
    public var appeared: [CircuitState]
    public var disappeared: [CircuitState]
    public var changed: [Change]
    /// Open (unwaived) findings in `to` that were not open in `from`.
    public var opened: [FindingState]
    /// Open findings in `from` that are no longer open in `to` (gone, or now waived).
    public var resolved: [FindingState]

    public var isEmpty: Bool { appeared.isEmpty && disappeared.isEmpty && changed.isEmpty && opened.isEmpty && resolved.isEmpty }

    /// Compares run `a` with run `b` (usually the older with the newer).
    public static func between(_ a: Int64, _ b: Int64, in store: HistoryStore) throws(HistoryError) -> RunDiff {
        let before = try store.circuits(run: a)
        let after = try store.circuits(run: b)
        let order: (CircuitState, CircuitState) -> Bool = { ($0.severity, $1.circuitID) > ($1.severity, $0.circuitID) }
        let appeared = after.values.filter { before[$0.circuitID] == nil }.sorted(by: order)
        let disappeared = before.values.filter { after[$0.circuitID] == nil }.sorted(by: order)
        let changed = after.values.compactMap { state -> Change? in
            guard let old = before[state.circuitID],
                  old.category != state.category || old.flags != state.flags || old.severity != state.severity else { return nil }
            return Change(before: old, after: state)
        }.sorted { order($0.after, $1.after) }

        func key(_ finding: FindingState) -> String { "\(finding.circuitID)|\(finding.rule)|\(finding.code)" }
        let openBefore = Dictionary(try store.findings(run: a).filter { !$0.waived }.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let openAfter = Dictionary(try store.findings(run: b).filter { !$0.waived }.map { (key($0), $0) }, uniquingKeysWith: { first, _ in first })
        let findingOrder: (FindingState, FindingState) -> Bool = { ($0.severity, $1.circuitID, $1.rule) > ($1.severity, $0.circuitID, $0.rule) }
        return RunDiff(
            from: try store.run(a), to: try store.run(b), appeared: appeared, disappeared: disappeared, changed: changed,
            opened: openAfter.filter { openBefore[$0.key] == nil }.values.sorted(by: findingOrder),
            resolved: openBefore.filter { openAfter[$0.key] == nil }.values.sorted(by: findingOrder))
    }

    /// The last two runs of the history, older first.
    public static func latest(in store: HistoryStore) throws(HistoryError) -> RunDiff {
        let runs = try store.runs(limit: 2)
        guard runs.count == 2 else { throw .notEnoughRuns(count: runs.count, path: store.path) }
        return try between(runs[0].id, runs[1].id, in: store)
    }

    /// The diff as a terminal reads it.
    public func render() -> String {
        var lines = ["run \(from.id) (\(from.startedAt)) -> run \(to.id) (\(to.startedAt)) — for legal review"]
        if isEmpty {
            lines.append("no change: the same circuits, classified the same, with the same open findings")
            return lines.joined(separator: "\n")
        }
        func describe(_ state: CircuitState) -> String {
            "\(state.circuitID)  \(state.category)  \(state.severity.rawValue)\(state.flags.isEmpty ? "" : "  " + state.flags.joined(separator: ","))  \(state.name)"
        }
        func section(_ title: String, _ items: [String]) {
            guard !items.isEmpty else { return }
            lines.append("")
            lines.append("\(title) (\(items.count)):")
            lines += items.map { "  " + $0 }
        }
        section("circuits appeared", appeared.map(describe))
        section("circuits disappeared", disappeared.map(describe))
        section("circuits changed", changed.map { change in
            var parts: [String] = []
            if change.before.category != change.after.category { parts.append("category \(change.before.category) -> \(change.after.category)") }
            if change.before.severity != change.after.severity { parts.append("severity \(change.before.severity.rawValue) -> \(change.after.severity.rawValue)") }
            if !change.addedFlags.isEmpty { parts.append("flags +" + change.addedFlags.joined(separator: ",+")) }
            if !change.removedFlags.isEmpty { parts.append("flags -" + change.removedFlags.joined(separator: ",-")) }
            return "\(change.after.circuitID)  \(parts.joined(separator: "; "))  \(change.after.name)"
        })
        func finding(_ state: FindingState) -> String { "\(state.circuitID)  \(state.severity.rawValue)  \(state.rule) (\(state.code))  \(state.circuitName)" }
        section("findings opened", opened.map(finding))
        section("findings resolved", resolved.map(finding))
        return lines.joined(separator: "\n")
    }
}
