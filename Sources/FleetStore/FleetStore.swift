import Audit
@preconcurrency import Crypto
import FleetSubmission
import Foundation
import Logging
import Policy
import PostgresNIO
import Reports

/// The fleet in PostgreSQL: enrolled gateways, every run they sent (each file of its bundle as
/// received, byte for byte, stored once per distinct content), and the circuits and findings
/// derived from it in the same transaction, which the API queries. Stateless beyond the
/// database: several servers can share one.
public final class FleetStore: Sendable {
    public let client: PostgresClient
    public let logger: Logger
    /// The longest a request waits for PostgreSQL before it is answered as unavailable.
    public let deadline: Duration

    /// A store over `client`, whose `run()` must be running (the server's service group does it).
    public init(client: PostgresClient, logger: Logger, deadline: Duration = .seconds(15)) {
        self.client = client
        self.logger = logger
        self.deadline = deadline
    }

    public static func makeClient(_ url: DatabaseURL, logger: Logger) -> PostgresClient {
        PostgresClient(configuration: url.clientConfiguration(), backgroundLogger: logger)
    }

    /// Runs `body` with a store on a client of its own, for one-shot commands (enrol, migrate).
    public static func withStore<T: Sendable>(_ url: DatabaseURL, logger: Logger, _ body: @Sendable (FleetStore) async throws -> T) async throws -> T {
        let client = makeClient(url, logger: logger)
        return try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            defer { group.cancelAll() }
            return try await body(FleetStore(client: client, logger: logger))
        }
    }

    // MARK: - Gateways

    public struct Enrolment: Sendable, Equatable {
        public var name: String
        public var fingerprint: String
        public var created: Bool
    }

    /// Registers a gateway and the Ed25519 key its bundles are signed with. Enrolling a name
    /// again with the same key changes nothing; with another key it is refused (a key change is
    /// `rekey: true`, an administrator's deliberate act).
    public func enroll(name: String, publicKey: Curve25519.Signing.PublicKey, site: String? = nil, scheduleSeconds: Int = 3600,
                       rekey: Bool = false) async throws -> Enrolment {
        guard RunSubmission.isPlainName(name) else {
            throw FleetError.badEnrolment("gateway name \"\(name)\" must be 1-\(RunSubmission.maxNameLength) letters, digits, '.', '_' or '-'")
        }
        guard scheduleSeconds > 0 else { throw FleetError.badEnrolment("the schedule must be at least one second") }
        let fingerprint = SigningKeys.fingerprint(publicKey)
        let key = publicKey.rawRepresentation
        return try await transaction { connection in
            let existing = try await connection.query("SELECT key_fingerprint FROM gateways WHERE name = \(name) FOR UPDATE", logger: self.logger)
                .decode(String.self).first { _ in true }
            if let existing {
                if existing == fingerprint {
                    try await connection.query("UPDATE gateways SET site = coalesce(\(site), site), schedule_seconds = \(scheduleSeconds) WHERE name = \(name)", logger: self.logger)
                    return Enrolment(name: name, fingerprint: fingerprint, created: false)
                }
                guard rekey else {
                    throw FleetError.badEnrolment("gateway \"\(name)\" is enrolled with key \(existing), not \(fingerprint); pass --rekey to replace its key")
                }
                try await connection.query("UPDATE gateways SET public_key = \(key), key_fingerprint = \(fingerprint), site = coalesce(\(site), site), schedule_seconds = \(scheduleSeconds) WHERE name = \(name)", logger: self.logger)
                return Enrolment(name: name, fingerprint: fingerprint, created: false)
            }
            let taken = try await connection.query("SELECT name FROM gateways WHERE key_fingerprint = \(fingerprint)", logger: self.logger)
                .decode(String.self).first { _ in true }
            if let taken { throw FleetError.badEnrolment("key \(fingerprint) is already gateway \"\(taken)\"'s: each gateway signs with a key of its own") }
            try await connection.query("""
                INSERT INTO gateways (name, site, public_key, key_fingerprint, schedule_seconds)
                VALUES (\(name), \(site), \(key), \(fingerprint), \(scheduleSeconds))
                """, logger: self.logger)
            return Enrolment(name: name, fingerprint: fingerprint, created: true)
        }
    }

    struct EnrolledKey {
        var id: Int64
        var key: Curve25519.Signing.PublicKey
    }

    func enrolledKey(_ name: String) async throws -> EnrolledKey {
        let row = try await query { connection in
            try await connection.query("SELECT id, public_key FROM gateways WHERE name = \(name)", logger: self.logger)
                .decode((Int64, Data).self).first { _ in true }
        }
        guard let (id, raw) = row else { throw FleetError.unknownGateway(name) }
        guard let key = try? Curve25519.Signing.PublicKey(rawRepresentation: raw) else { throw FleetError.databaseUnavailable("gateway \(name)'s stored key is damaged") }
        return EnrolledKey(id: id, key: key)
    }

    // MARK: - Ingestion

    /// What happened to a run that was sent.
    public enum Ingestion: Sendable, Equatable {
        /// Stored now, as the fleet's run `id`.
        case stored(id: Int64, gateway: String, runID: String)
        /// Already stored: the same run sent again (a retry). Nothing changed.
        case duplicate(id: Int64, gateway: String, runID: String)
    }

    /// Verifies a bundle against its gateway's enrolled key and stores it whole, or not at all.
    public func ingest(bundle: Data, limits: ArchiveLimits = .standard) async throws -> Ingestion {
        let files = try RunSubmission.unpack(bundle, limits: limits)
        let gateway = try RunSubmission.claimedGateway(of: files)
        let enrolled = try await enrolledKey(gateway)
        let submission = try RunSubmission.verify(files, bundleBytes: bundle.count, gateway: gateway, publicKey: enrolled.key)
        return try await store(submission, gatewayID: enrolled.id)
    }

    /// Stores a verified submission in one transaction: the run, its files, its findings, and
    /// the gateway's latest run. A run id or audit already stored is reported, not stored again.
    func store(_ submission: RunSubmission, gatewayID: Int64) async throws -> Ingestion {
        let run = submission.run
        let audit = submission.audit
        let open = audit.findings.filter { $0.waiver?.active != true }
        let maxSeverity = open.map(\.severity).max().map(SeverityRank.rank)
        let openBySeverity = Severity.allCases.map { severity in open.count { $0.severity == severity } }
        let asOf = Timestamps.parseDate(audit.asOf)!
        let nextRunDue = run.nextRunDue.flatMap(Timestamps.parse)
        let findingsHash = submission.findingsSHA256
        return try await transaction { connection in
            // Shared with other stores, exclusive to retention's collection of unused documents:
            // a document this run reuses must not be collected before the run refers to it.
            try await connection.query("SELECT pg_advisory_xact_lock_shared(\(Self.documentsLockID))", logger: self.logger)
            let inserted = try await connection.query("""
                INSERT INTO runs (gateway_id, run_id, trigger, generated_at, as_of, next_run_due, tool_version, signer, manifest_sha256, findings_sha256,
                                  pseudonymized, bundle_bytes, circuits, open_findings, max_severity, open_by_severity)
                VALUES (\(gatewayID), \(run.id), \(run.trigger), \(submission.generatedAt), \(asOf), \(nextRunDue), \(submission.manifest.toolVersion),
                        \(submission.signer), \(submission.manifestSHA256), \(findingsHash), \(submission.manifest.pseudonymized), \(submission.bundleBytes),
                        \(audit.circuits.count), \(open.count), \(maxSeverity), \(openBySeverity))
                ON CONFLICT DO NOTHING
                RETURNING id
                """, logger: self.logger).decode(Int64.self).first { _ in true }
            guard let runKey = inserted else {
                return try await self.alreadyStored(submission, gatewayID: gatewayID, findingsHash: findingsHash, on: connection)
            }
            var hashes: [String: Data] = [:]
            for file in submission.files {
                let digest = Data(SHA256.hash(data: file.data))
                hashes[file.path] = digest
                try await self.putDocument(digest, file.data, on: connection)
            }
            for (position, file) in submission.files.enumerated() {
                try await connection.query("INSERT INTO run_members (run, position, path, sha256) VALUES (\(runKey), \(position), \(file.path), \(hashes[file.path]!))",
                                           logger: self.logger)
            }
            let circuits = Dictionary(audit.circuits.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
            for finding in audit.findings {
                let document = try encoder.encode(finding)
                let digest = Data(SHA256.hash(data: document))
                try await self.putDocument(digest, document, on: connection)
                let circuit = circuits[finding.circuitID]
                try await connection.query("""
                    INSERT INTO findings (run, gateway_id, generated_at, circuit_id, circuit_name, technology, category, severity, rule, flags, flag_rules,
                                          country, remote, supplier, data_export_gap, waived, document)
                    VALUES (\(runKey), \(gatewayID), \(submission.generatedAt), \(finding.circuitID), \(finding.circuitName), \(circuit?.technology),
                            \(finding.category.rawValue), \(SeverityRank.rank(finding.severity)), \(finding.rule), \(finding.flags.map(\.flag.rawValue)),
                            \(finding.flags.map(\.rule)), \(circuit?.remoteLocation?.country), \(circuit?.remoteAddress), \(finding.supplier),
                            \(finding.dataExport?.gap.rawValue), \(finding.waiver?.active == true), \(digest))
                    ON CONFLICT DO NOTHING
                    """, logger: self.logger)
            }
            // The gateway's latest run moves only forward: a spooled older run arriving late is history.
            try await connection.query("""
                UPDATE gateways SET run_count = run_count + 1,
                    last_run = CASE WHEN last_run IS NULL OR (SELECT generated_at FROM runs WHERE id = last_run) <= \(submission.generatedAt)
                                    THEN \(runKey) ELSE last_run END
                WHERE id = \(gatewayID)
                """, logger: self.logger)
            return .stored(id: runKey, gateway: submission.gateway, runID: run.id)
        }
    }

    private func alreadyStored(_ submission: RunSubmission, gatewayID: Int64, findingsHash: Data, on connection: PostgresConnection) async throws -> Ingestion {
        let byID = try await connection.query("SELECT id, findings_sha256 FROM runs WHERE gateway_id = \(gatewayID) AND run_id = \(submission.run.id)", logger: logger)
            .decode((Int64, Data).self).first { _ in true }
        if let (id, stored) = byID {
            guard stored == findingsHash else { throw FleetError.conflictingRun(gateway: submission.gateway, runID: submission.run.id) }
            return .duplicate(id: id, gateway: submission.gateway, runID: submission.run.id)
        }
        let byContent = try await connection.query("SELECT run_id FROM runs WHERE gateway_id = \(gatewayID) AND findings_sha256 = \(findingsHash)", logger: logger)
            .decode(String.self).first { _ in true }
        throw FleetError.replay(gateway: submission.gateway, runID: submission.run.id, storedAs: byContent ?? "?")
    }

    private func putDocument(_ digest: Data, _ bytes: Data, on connection: PostgresConnection) async throws {
        try await connection.query("INSERT INTO documents (sha256, bytes) VALUES (\(digest), \(bytes)) ON CONFLICT DO NOTHING", logger: logger)
    }

    // MARK: - Retention

    /// The advisory lock between storing runs and collecting documents no run uses.
    static let documentsLockID: Int64 = 0x4341_464C_444F_4353

    /// Deletes runs older than `days` (never a gateway's latest), in batches so ingestion is not
    /// held up, then the documents no remaining run refers to. Returns the runs deleted.
    @discardableResult
    public func prune(olderThanDays days: Int, batch: Int = 500, now: Date = Date()) async throws -> Int {
        let cutoff = now.addingTimeInterval(-Double(days) * 86_400)
        var deleted = 0
        while true {
            let count = try await query { connection in
                try await connection.query("""
                    WITH doomed AS (
                        SELECT id FROM runs WHERE generated_at < \(cutoff)
                            AND id NOT IN (SELECT last_run FROM gateways WHERE last_run IS NOT NULL)
                        ORDER BY generated_at LIMIT \(batch))
                    DELETE FROM runs WHERE id IN (SELECT id FROM doomed) RETURNING gateway_id
                    """, logger: self.logger).decode(Int64.self).reduce(into: [Int64: Int]()) { $0[$1, default: 0] += 1 }
            }
            if count.isEmpty { break }
            for (gateway, runs) in count {
                _ = try await query { connection in
                    try await connection.query("UPDATE gateways SET run_count = greatest(run_count - \(runs), 0) WHERE id = \(gateway)", logger: self.logger)
                }
            }
            deleted += count.values.reduce(0, +)
        }
        if deleted > 0 {
            _ = try await transaction { connection in
                // Waits for runs being stored, which may reuse a document no stored run uses yet.
                try await connection.query("SELECT pg_advisory_xact_lock(\(Self.documentsLockID))", logger: self.logger)
                try await connection.query("""
                    DELETE FROM documents d WHERE NOT EXISTS (SELECT 1 FROM run_members m WHERE m.sha256 = d.sha256)
                        AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.document = d.sha256)
                    """, logger: self.logger)
            }
            logger.notice("retention: deleted \(deleted) run(s) older than \(days) days")
        }
        return deleted
    }

    // MARK: - Plumbing

    /// Runs `body` on one connection inside BEGIN/COMMIT; rolls back and rethrows its error.
    func transaction<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        try await query { connection in
            try await connection.query("BEGIN", logger: self.logger)
            do {
                let value = try await body(connection)
                try await connection.query("COMMIT", logger: self.logger)
                return value
            } catch {
                _ = try? await connection.query("ROLLBACK", logger: self.logger)
                throw error
            }
        }
    }

    /// Runs `body` on a pooled connection, with PostgreSQL's failures as `FleetError`. While
    /// PostgreSQL is down the pool would hold a request until its own breaker trips (a minute);
    /// past `deadline` the request fails as unavailable instead, so a gateway hears 503 at once
    /// and spools. A transaction cut short this way never committed.
    public func query<T: Sendable>(_ body: @escaping @Sendable (PostgresConnection) async throws -> T) async throws -> T {
        let client = self.client, deadline = self.deadline
        do {
            return try await withThrowingTaskGroup(of: T?.self) { group in
                group.addTask { try await client.withConnection { try await body($0) } }
                group.addTask {
                    try await Task.sleep(for: deadline)
                    return nil
                }
                defer { group.cancelAll() }
                guard let first = try await group.next(), let value = first else {
                    throw FleetError.databaseUnavailable("no answer from PostgreSQL within \(deadline)")
                }
                return value
            }
        } catch let error as FleetError {
            throw error
        } catch {
            throw Self.classify(error)
        }
    }

    static func classify(_ error: Error) -> FleetError {
        if let psql = error as? PSQLError {
            if let message = psql.serverInfo?[.message] {
                return .databaseUnavailable("PostgreSQL: \(message) (SQLSTATE \(psql.serverInfo?[.sqlState] ?? "?"))")
            }
            return .databaseUnavailable("PostgreSQL: \(psql.code)")
        }
        return .databaseUnavailable("\(error)")
    }
}

/// Severities as numbers the database orders by (INFO 0 ... CRITICAL 4).
public enum SeverityRank {
    public static func rank(_ severity: Severity) -> Int16 { Int16(Severity.allCases.firstIndex(of: severity)!) }
    public static func severity(_ rank: Int16) -> Severity? { Severity.allCases.indices.contains(Int(rank)) ? Severity.allCases[Int(rank)] : nil }
}
