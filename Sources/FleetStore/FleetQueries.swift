import Audit
@preconcurrency import Crypto
import FleetSubmission
import Foundation
import PostgresNIO
import Reports

/// The questions the fleet answers: its gateways and whether they report, its circuits and open
/// findings now (each gateway's latest run) by any filter, a circuit over time, a gateway's
/// drift, and each stored run checked again against its signature.
extension FleetStore {
    // MARK: - Gateways and runs

    static let runColumns = """
        r.id, g.name AS gateway, r.run_id, r.trigger, r.generated_at, r.received_at, r.as_of, r.next_run_due, r.tool_version, r.signer,
        r.pseudonymized, r.bundle_bytes, r.circuits, r.open_findings, r.max_severity
        """

    /// Every gateway with its latest run, oldest report first among the stale.
    public func gateways(staleGrace: TimeInterval, now: Date = Date()) async throws -> [GatewayStatus] {
        try await query { connection in
            let rows = try await connection.query(PostgresQuery(unsafeSQL: """
                SELECT g.name AS name, g.site, g.key_fingerprint, g.schedule_seconds, g.enrolled_at, g.run_count, g.last_run,
                       \(Self.runColumns)
                FROM gateways g LEFT JOIN runs r ON r.id = g.last_run
                ORDER BY g.name
                """), logger: self.logger)
            var result: [GatewayStatus] = []
            for try await row in rows {
                let cells = row.makeRandomAccess()
                let lastRun: RunSummary? = try cells["last_run"].decode(Int64?.self) == nil ? nil : try Self.runSummary(cells)
                let schedule = try cells["schedule_seconds"].decode(Int.self)
                var status = GatewayStatus(
                    name: try cells["name"].decode(String.self), site: try cells["site"].decode(String?.self),
                    keyFingerprint: try cells["key_fingerprint"].decode(String.self), scheduleSeconds: schedule,
                    enrolledAt: Timestamps.format(try cells["enrolled_at"].decode(Date.self)), runs: try cells["run_count"].decode(Int64.self),
                    lastRun: lastRun, ageSeconds: nil, status: .never, staleSince: nil)
                if let lastRun, let generated = Timestamps.parse(lastRun.generatedAt) {
                    let due = lastRun.nextRunDue.flatMap(Timestamps.parse) ?? generated.addingTimeInterval(Double(schedule))
                    let staleAt = due.addingTimeInterval(staleGrace)
                    status.ageSeconds = max(0, Int(now.timeIntervalSince(generated)))
                    status.status = now > staleAt ? .stale : .ok
                    if now > staleAt { status.staleSince = Timestamps.format(staleAt) }
                }
                result.append(status)
            }
            return result
        }
    }

    public func runs(gateway: String, limit: Int = 50, offset: Int = 0) async throws -> Page<RunSummary> {
        try await query { connection in
            let total = try await connection.query("SELECT g.run_count FROM gateways g WHERE g.name = \(gateway)", logger: self.logger)
                .decode(Int.self).first { _ in true }
            guard let total else { throw FleetError.notFound("gateway \"\(gateway)\"") }
            var query = PostgresQuery(unsafeSQL: """
                SELECT \(Self.runColumns) FROM runs r JOIN gateways g ON g.id = r.gateway_id
                WHERE g.name = $1 ORDER BY r.generated_at DESC LIMIT $2 OFFSET $3
                """)
            query.binds.append(gateway)
            query.binds.append(limit)
            query.binds.append(offset)
            var items: [RunSummary] = []
            for try await row in try await connection.query(query, logger: self.logger) { items.append(try Self.runSummary(row.makeRandomAccess())) }
            return Page(total: total, limit: limit, offset: offset, items: items)
        }
    }

    public func run(gateway: String, runID: String) async throws -> RunSummary {
        try await query { connection in
            var query = PostgresQuery(unsafeSQL: "SELECT \(Self.runColumns) FROM runs r JOIN gateways g ON g.id = r.gateway_id WHERE g.name = $1 AND r.run_id = $2")
            query.binds.append(gateway)
            query.binds.append(runID)
            for try await row in try await connection.query(query, logger: self.logger) { return try Self.runSummary(row.makeRandomAccess()) }
            throw FleetError.notFound("run \(runID) of gateway \"\(gateway)\"")
        }
    }

    static func runSummary(_ cells: PostgresRandomAccessRow) throws -> RunSummary {
        RunSummary(
            id: try cells["id"].decode(Int64.self), gateway: try cells["gateway"].decode(String.self), runId: try cells["run_id"].decode(String.self),
            trigger: try cells["trigger"].decode(String.self), generatedAt: Timestamps.format(try cells["generated_at"].decode(Date.self)),
            receivedAt: Timestamps.format(try cells["received_at"].decode(Date.self)), asOf: Timestamps.formatDate(try cells["as_of"].decode(Date.self)),
            nextRunDue: try cells["next_run_due"].decode(Date?.self).map(Timestamps.format), toolVersion: try cells["tool_version"].decode(String.self),
            signer: try cells["signer"].decode(String.self), pseudonymized: try cells["pseudonymized"].decode(Bool.self),
            bundleBytes: try cells["bundle_bytes"].decode(Int.self), circuits: try cells["circuits"].decode(Int.self),
            openFindings: try cells["open_findings"].decode(Int.self),
            maxSeverity: try cells["max_severity"].decode(Int16?.self).flatMap(SeverityRank.severity)?.rawValue)
    }

    // MARK: - Findings now

    static let findingColumns = """
        g.name AS gateway, g.site, f.run, r.run_id, f.generated_at, f.circuit_id, f.circuit_name, f.technology, f.category, f.severity, f.rule,
        f.flags, f.flag_rules, f.country, f.remote, f.supplier, f.data_export_gap, f.waived
        """

    /// The latest finding of every circuit across the fleet that the filter selects, worst first.
    public func findings(_ filter: FindingFilter) async throws -> Page<FleetFinding> {
        var query = PostgresQuery(unsafeSQL: "")
        let relation = Self.relation(filter, binds: &query.binds)
        let condition = Self.whereClause(filter, binds: &query.binds)
        let total = try await count("SELECT count(*) FROM \(relation) WHERE \(condition)", query.binds)
        let limitIndex = query.binds.count + 1
        query.binds.append(filter.limit)
        query.binds.append(filter.offset)
        query.sql = """
            SELECT \(Self.findingColumns) FROM \(relation) JOIN runs r ON r.id = f.run
            WHERE \(condition) ORDER BY f.severity DESC, g.name, f.circuit_id LIMIT $\(limitIndex) OFFSET $\(limitIndex + 1)
            """
        let items = try await fleetFindings(query)
        return Page(total: total, limit: filter.limit, offset: filter.offset, items: items)
    }

    /// The dimensions open findings can be counted by.
    public enum Dimension: String, Sendable, CaseIterable {
        case rule, category, flag, supplier, country, gap, severity, gateway, technology
    }

    /// Open findings now, counted by `dimension` (a finding with three flags counts once under each).
    public func counts(by dimension: Dimension, _ filter: FindingFilter) async throws -> [FindingCount] {
        var binds = PostgresBindings()
        var from = Self.relation(filter, binds: &binds)
        let condition = Self.whereClause(filter, binds: &binds)
        let key: String
        switch dimension {
        case .rule: key = "rule_key"; from += " CROSS JOIN LATERAL unnest(array_prepend(f.rule, f.flag_rules)) AS rule_key"
        case .flag: key = "flag_key"; from += " CROSS JOIN LATERAL unnest(f.flags) AS flag_key"
        case .category: key = "f.category"
        case .supplier: key = "f.supplier"
        case .country: key = "f.country"
        case .gap: key = "f.data_export_gap"
        case .severity: key = "f.severity::text"
        case .gateway: key = "g.name"
        case .technology: key = "f.technology"
        }
        let query = PostgresQuery(unsafeSQL: """
            SELECT \(key)::text AS key, count(*)::bigint AS count, max(f.severity) AS max_severity FROM \(from)
            WHERE \(condition) GROUP BY 1 ORDER BY count(*) DESC, 1
            """, binds: binds)
        return try await self.query { connection in
            var counts: [FindingCount] = []
            for try await row in try await connection.query(query, logger: self.logger) {
                let cells = row.makeRandomAccess()
                var key = try cells["key"].decode(String?.self)
                if dimension == .severity, let rank = key.flatMap(Int16.init) { key = SeverityRank.severity(rank)?.rawValue }
                counts.append(FindingCount(key: key, count: try cells["count"].decode(Int.self),
                                           maxSeverity: try cells["max_severity"].decode(Int16?.self).flatMap(SeverityRank.severity)?.rawValue))
            }
            return counts
        }
    }

    /// The finding as the gateway wrote it (rule, citations, evidence, trace, action, disclaimer).
    public func findingDocument(gateway: String, circuitID: String, runID: String? = nil) async throws -> Finding {
        try await query { connection in
            var query = PostgresQuery(unsafeSQL: """
                SELECT d.bytes FROM findings f JOIN gateways g ON g.id = f.gateway_id JOIN runs r ON r.id = f.run JOIN documents d ON d.sha256 = f.document
                WHERE g.name = $1 AND f.circuit_id = $2 AND (CASE WHEN $3::text IS NULL THEN f.run = g.last_run ELSE r.run_id = $3::text END)
                """)
            query.binds.append(gateway)
            query.binds.append(circuitID)
            query.binds.append(runID)
            guard let bytes = try await connection.query(query, logger: self.logger).decode(Data.self).first(where: { _ in true }) else {
                throw FleetError.notFound("circuit \(circuitID) of gateway \"\(gateway)\"\(runID.map { " in run \($0)" } ?? " in its latest run")")
            }
            return try JSONDecoder().decode(Finding.self, from: bytes)
        }
    }

    /// The findings a question is about, as `g` (gateways) and `f` (findings): each gateway's
    /// latest run, or with a date range, each gateway's last run within it (the fleet as it
    /// stood then; one index probe per gateway).
    static func relation(_ filter: FindingFilter, binds: inout PostgresBindings) -> String {
        guard filter.since != nil || filter.until != nil else { return "gateways g JOIN findings f ON f.run = g.last_run" }
        var bounds: [String] = []
        if let since = filter.since {
            binds.append(since)
            bounds.append("generated_at >= $\(binds.count)")
        }
        if let until = filter.until {
            binds.append(until)
            bounds.append("generated_at < $\(binds.count)")
        }
        return """
            gateways g CROSS JOIN LATERAL (SELECT id FROM runs WHERE gateway_id = g.id AND \(bounds.joined(separator: " AND "))
                ORDER BY generated_at DESC LIMIT 1) in_range JOIN findings f ON f.run = in_range.id
            """
    }

    static func whereClause(_ filter: FindingFilter, binds: inout PostgresBindings) -> String {
        var parts: [String] = filter.includeWaived ? ["true"] : ["NOT f.waived"]
        func any(_ column: String, _ values: [String]) {
            guard !values.isEmpty else { return }
            binds.append(values)
            parts.append("\(column) = ANY($\(binds.count))")
        }
        any("g.name", filter.gateways)
        any("f.category", filter.categories)
        any("f.country", filter.countries)
        any("f.supplier", filter.suppliers)
        any("f.technology", filter.technologies)
        any("f.data_export_gap", filter.dataExportGaps)
        if !filter.flags.isEmpty {
            binds.append(filter.flags)
            parts.append("f.flags && $\(binds.count)")
        }
        if !filter.rules.isEmpty {
            binds.append(filter.rules)
            parts.append("(f.rule = ANY($\(binds.count)) OR f.flag_rules && $\(binds.count))")
        }
        if let minimum = filter.minSeverity {
            binds.append(minimum)
            parts.append("f.severity >= $\(binds.count)")
        }
        return parts.joined(separator: " AND ")
    }

    public func count(_ sql: String, _ binds: PostgresBindings) async throws -> Int {
        try await query { connection in
            try await connection.query(PostgresQuery(unsafeSQL: sql, binds: binds), logger: self.logger).decode(Int.self).first { _ in true } ?? 0
        }
    }

    func fleetFindings(_ query: PostgresQuery) async throws -> [FleetFinding] {
        try await self.query { connection in
            var items: [FleetFinding] = []
            for try await row in try await connection.query(query, logger: self.logger) { items.append(try Self.fleetFinding(row.makeRandomAccess())) }
            return items
        }
    }

    static func fleetFinding(_ cells: PostgresRandomAccessRow) throws -> FleetFinding {
        FleetFinding(
            gateway: try cells["gateway"].decode(String.self), site: try cells["site"].decode(String?.self), run: try cells["run"].decode(Int64.self),
            runId: try cells["run_id"].decode(String.self), generatedAt: Timestamps.format(try cells["generated_at"].decode(Date.self)),
            circuitId: try cells["circuit_id"].decode(String.self), circuitName: try cells["circuit_name"].decode(String.self),
            technology: try cells["technology"].decode(String?.self), category: try cells["category"].decode(String.self),
            severity: SeverityRank.severity(try cells["severity"].decode(Int16.self))?.rawValue ?? "?", rule: try cells["rule"].decode(String.self),
            flags: try cells["flags"].decode([String].self), flagRules: try cells["flag_rules"].decode([String].self),
            country: try cells["country"].decode(String?.self), remote: try cells["remote"].decode(String?.self),
            supplier: try cells["supplier"].decode(String?.self), dataExportGap: try cells["data_export_gap"].decode(String?.self),
            waived: try cells["waived"].decode(Bool.self))
    }

    // MARK: - Over time

    /// A circuit's states over the gateway's runs, newest first, runs with the same state joined.
    public func circuitHistory(gateway: String, circuitID: String, limit: Int = 2000) async throws -> CircuitHistory {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.findingColumns) FROM findings f JOIN gateways g ON g.id = f.gateway_id JOIN runs r ON r.id = f.run
            WHERE g.name = $1 AND f.circuit_id = $2 ORDER BY f.generated_at DESC LIMIT $3
            """)
        query.binds.append(gateway)
        query.binds.append(circuitID)
        query.binds.append(limit)
        let rows = try await fleetFindings(query)
        guard let newest = rows.first else { throw FleetError.notFound("circuit \(circuitID) of gateway \"\(gateway)\"") }
        var spans: [CircuitHistory.Span] = []
        for row in rows {
            if var last = spans.last, last.category == row.category, last.severity == row.severity, last.flags == row.flags, last.waived == row.waived {
                last.from = row.generatedAt
                last.runs += 1
                spans[spans.count - 1] = last
            } else {
                spans.append(CircuitHistory.Span(from: row.generatedAt, to: row.generatedAt, runs: 1, category: row.category, severity: row.severity,
                                                 flags: row.flags, waived: row.waived))
            }
        }
        // The gateway's latest run alone, not the whole fleet's status.
        let latest = try await self.query { connection in
            try await connection.query("""
                SELECT r.id, r.generated_at FROM gateways g JOIN runs r ON r.id = g.last_run WHERE g.name = \(gateway)
                """, logger: self.logger).decode((Int64, Date).self).first { _ in true }
        }
        let absent = latest.map { $0.0 != newest.run } ?? false
        return CircuitHistory(gateway: gateway, circuitId: circuitID, circuitName: newest.circuitName, spans: spans,
                              absentSince: absent ? latest.map { Timestamps.format($0.1) } : nil)
    }

    /// What changed between the gateway's last two runs: circuits added, removed, and changed
    /// in category, severity, flags, waiver or data-export gap.
    public func drift(gateway: String) async throws -> GatewayDrift {
        let recent = try await runs(gateway: gateway, limit: 2).items
        guard let to = recent.first else { return GatewayDrift(gateway: gateway, from: nil, to: nil, added: [], removed: [], changed: []) }
        let after = try await findings(ofRun: to.id)
        guard recent.count > 1 else { return GatewayDrift(gateway: gateway, from: nil, to: to, added: after, removed: [], changed: []) }
        let from = recent[1]
        let before = try await findings(ofRun: from.id)
        let earlier = Dictionary(before.map { ($0.circuitId, $0) }, uniquingKeysWith: { first, _ in first })
        let later = Dictionary(after.map { ($0.circuitId, $0) }, uniquingKeysWith: { first, _ in first })
        var changed: [GatewayDrift.Change] = []
        for finding in after {
            guard let old = earlier[finding.circuitId] else { continue }
            var what: [String] = []
            if old.category != finding.category { what.append("category") }
            if old.severity != finding.severity { what.append("severity") }
            if old.flags != finding.flags { what.append("flags") }
            if old.waived != finding.waived { what.append("waiver") }
            if old.dataExportGap != finding.dataExportGap { what.append("data_export_gap") }
            if !what.isEmpty { changed.append(GatewayDrift.Change(before: old, after: finding, what: what)) }
        }
        return GatewayDrift(gateway: gateway, from: from, to: to, added: after.filter { earlier[$0.circuitId] == nil },
                            removed: before.filter { later[$0.circuitId] == nil }, changed: changed)
    }

    func findings(ofRun run: Int64) async throws -> [FleetFinding] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(Self.findingColumns) FROM findings f JOIN gateways g ON g.id = f.gateway_id JOIN runs r ON r.id = f.run
            WHERE f.run = $1 ORDER BY f.circuit_id
            """)
        query.binds.append(run)
        return try await fleetFindings(query)
    }

    // MARK: - Stored files

    /// The files of a stored run, in the order the gateway sent them, byte for byte.
    public func files(gateway: String, runID: String) async throws -> [Tar.Entry] {
        try await query { connection in
            var query = PostgresQuery(unsafeSQL: """
                SELECT m.path, d.bytes FROM run_members m JOIN runs r ON r.id = m.run JOIN gateways g ON g.id = r.gateway_id
                JOIN documents d ON d.sha256 = m.sha256 WHERE g.name = $1 AND r.run_id = $2 ORDER BY m.position
                """)
            query.binds.append(gateway)
            query.binds.append(runID)
            var entries: [Tar.Entry] = []
            for try await (path, bytes) in try await connection.query(query, logger: self.logger).decode((String, Data).self) {
                entries.append(Tar.Entry(path: path, data: bytes))
            }
            guard !entries.isEmpty else { throw FleetError.notFound("run \(runID) of gateway \"\(gateway)\"") }
            return entries
        }
    }

    /// Checks a stored run again: its files against the signed manifest, the signature against
    /// the gateway's enrolled key.
    public func verifyStored(gateway: String, runID: String) async throws -> StoredRunVerification {
        let entries = try await files(gateway: gateway, runID: runID)
        let key = try await enrolledKey(gateway).key
        let verification = EvidenceBundle.verify(entries: entries, publicKey: key)
        return StoredRunVerification(gateway: gateway, runId: runID, intact: verification.isIntact, signer: verification.signer,
                                     files: verification.files, problems: verification.problems)
    }

    /// The audits of each gateway's latest run (or the named gateways'), for fleet-wide exports.
    public func latestAudits(gateways names: [String] = []) async throws -> [(gateway: String, site: String?, audit: AuditResult)] {
        try await query { connection in
            var query = PostgresQuery(unsafeSQL: """
                SELECT g.name, g.site, d.bytes FROM gateways g JOIN run_members m ON m.run = g.last_run AND m.path = 'findings.json'
                JOIN documents d ON d.sha256 = m.sha256 WHERE cardinality($1::text[]) = 0 OR g.name = ANY($1::text[]) ORDER BY g.name
                """)
            query.binds.append(names)
            var audits: [(String, String?, AuditResult)] = []
            for try await (name, site, bytes) in try await connection.query(query, logger: self.logger).decode((String, String?, Data).self) {
                audits.append((name, site, try JSONDecoder().decode(AuditResult.self, from: bytes)))
            }
            return audits
        }
    }

    /// The size of the fleet's tables, for the bench and the metrics.
    public func databaseBytes() async throws -> Int64 {
        try await query { connection in
            try await connection.query("SELECT pg_database_size(current_database())", logger: self.logger).decode(Int64.self).first { _ in true } ?? 0
        }
    }
}

extension FleetStore {
    /// The audit (`findings.json`) of one stored run of a gateway, its latest when `runID` is nil.
    public func audit(gateway: String, runID: String?) async throws -> (run: RunSummary, audit: AuditResult) {
        let run: RunSummary
        if let runID {
            run = try await self.run(gateway: gateway, runID: runID)
        } else {
            guard let latest = try await runs(gateway: gateway, limit: 1).items.first else { throw FleetError.notFound("a run of gateway \"\(gateway)\"") }
            run = latest
        }
        guard let audit = try await audits(runs: [run.id]).first?.audit else { throw FleetError.notFound("findings.json of run \(run.runId)") }
        return (run, audit)
    }

    /// The audits of the given stored runs (fleet run ids), with their gateway and site.
    public func audits(runs: [Int64]) async throws -> [(run: Int64, gateway: String, site: String?, audit: AuditResult)] {
        try await query { connection in
            var query = PostgresQuery(unsafeSQL: """
                SELECT r.id, g.name, g.site, d.bytes FROM runs r JOIN gateways g ON g.id = r.gateway_id
                JOIN run_members m ON m.run = r.id AND m.path = 'findings.json' JOIN documents d ON d.sha256 = m.sha256
                WHERE r.id = ANY($1::bigint[]) ORDER BY g.name, r.generated_at DESC
                """)
            query.binds.append(runs)
            var audits: [(Int64, String, String?, AuditResult)] = []
            for try await (run, name, site, bytes) in try await connection.query(query, logger: self.logger).decode((Int64, String, String?, Data).self) {
                audits.append((run, name, site, try JSONDecoder().decode(AuditResult.self, from: bytes)))
            }
            return audits
        }
    }

    /// When each circuit a gateway ever reported appeared, changed category and was last seen.
    public func circuitTimeline(gateway: String) async throws -> [CircuitTimeline] {
        try await query { connection in
            let rows = try await connection.query("""
                WITH f AS (
                    SELECT f.circuit_id, f.circuit_name, f.generated_at, f.category,
                           lag(f.category) OVER (PARTITION BY f.circuit_id ORDER BY f.generated_at) AS before,
                           min(f.generated_at) OVER (PARTITION BY f.circuit_id) AS first_seen,
                           max(f.generated_at) OVER (PARTITION BY f.circuit_id) AS last_seen,
                           count(*) OVER (PARTITION BY f.circuit_id) AS runs
                    FROM findings f JOIN gateways g ON g.id = f.gateway_id WHERE g.name = \(gateway))
                SELECT circuit_id, circuit_name, first_seen, last_seen, runs, generated_at, before, category FROM f
                WHERE before IS DISTINCT FROM category ORDER BY first_seen, circuit_id, generated_at
                """, logger: self.logger).decode((String, String, Date, Date, Int, Date, String?, String).self)
            var timelines: [CircuitTimeline] = []
            for try await (circuit, name, first, last, runs, at, before, category) in rows {
                if timelines.last?.circuitId != circuit {
                    timelines.append(CircuitTimeline(circuitId: circuit, circuitName: name, firstSeen: Timestamps.format(first),
                                                     lastSeen: Timestamps.format(last), runs: runs, categoryChanges: []))
                }
                if let before {
                    timelines[timelines.count - 1].categoryChanges.append(.init(at: Timestamps.format(at), from: before, to: category))
                }
            }
            return timelines
        }
    }
}

/// One circuit of a gateway across all its stored runs.
public struct CircuitTimeline: Codable, Sendable, Equatable {
    public struct Change: Codable, Sendable, Equatable {
        public var at: String
        public var from: String
        public var to: String
    }

    public var circuitId: String
    public var circuitName: String
    public var firstSeen: String
    public var lastSeen: String
    public var runs: Int
    public var categoryChanges: [Change]
}
