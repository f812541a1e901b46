import Crypto
import FleetSubmission
import Foundation
import Logging
import PostgresNIO

/// The fleet schema as named, ordered migrations that never change once shipped (a new need is
/// a new migration). Applied under an advisory lock, so several server instances starting
/// together apply each exactly once; the SHA-256 of each applied migration is kept, and a
/// stored one that differs from this version's stops the server instead of guessing.
public enum FleetMigrations {
    public struct Migration: Sendable {
        public var version: Int
        public var name: String
        public var sql: [String]

        var checksum: String { SHA256.hash(data: Data(sql.joined(separator: ";\n").utf8)).map { String(format: "%02x", $0) }.joined() }
    }

    /// The lock id all instances take while migrating ("CAFLEET1" as ASCII bytes).
    static let lockID: Int64 = 0x4341_464C_4545_5431

    public static let all: [Migration] = [
        Migration(version: 1, name: "fleet", sql: [
            """
            CREATE TABLE gateways (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                name text NOT NULL UNIQUE,
                site text,
                public_key bytea NOT NULL CHECK (length(public_key) = 32),
                key_fingerprint text NOT NULL UNIQUE,
                schedule_seconds integer NOT NULL CHECK (schedule_seconds > 0),
                enrolled_at timestamptz NOT NULL DEFAULT now(),
                last_run bigint,
                run_count bigint NOT NULL DEFAULT 0
            )
            """,
            // Every file of every bundle, once per distinct content: a stable gateway's snapshot
            // and unchanged findings are stored once however many runs carry them.
            "CREATE TABLE documents (sha256 bytea PRIMARY KEY, bytes bytea NOT NULL)",
            """
            CREATE TABLE runs (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                gateway_id bigint NOT NULL REFERENCES gateways(id),
                run_id text NOT NULL,
                trigger text NOT NULL,
                generated_at timestamptz NOT NULL,
                as_of date NOT NULL,
                received_at timestamptz NOT NULL DEFAULT now(),
                next_run_due timestamptz,
                tool_version text NOT NULL,
                signer text NOT NULL,
                manifest_sha256 bytea NOT NULL,
                findings_sha256 bytea NOT NULL,
                pseudonymized boolean NOT NULL,
                bundle_bytes integer NOT NULL,
                circuits integer NOT NULL,
                open_findings integer NOT NULL,
                max_severity smallint,
                UNIQUE (gateway_id, run_id),
                UNIQUE (gateway_id, findings_sha256)
            )
            """,
            "CREATE INDEX runs_by_gateway_time ON runs (gateway_id, generated_at DESC)",
            "CREATE INDEX runs_by_time ON runs (generated_at)",
            "ALTER TABLE gateways ADD CONSTRAINT gateways_last_run FOREIGN KEY (last_run) REFERENCES runs(id) ON DELETE SET NULL",
            """
            CREATE TABLE run_members (
                run bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                position integer NOT NULL,
                path text NOT NULL,
                sha256 bytea NOT NULL REFERENCES documents(sha256),
                PRIMARY KEY (run, position)
            )
            """,
            "CREATE INDEX run_members_by_document ON run_members (sha256)",
            // One row per circuit per run: the columns the API filters on, and the finding as
            // the gateway wrote it (a document).
            """
            CREATE TABLE findings (
                run bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                gateway_id bigint NOT NULL REFERENCES gateways(id),
                generated_at timestamptz NOT NULL,
                circuit_id text NOT NULL,
                circuit_name text NOT NULL,
                technology text,
                category text NOT NULL,
                severity smallint NOT NULL,
                rule text NOT NULL,
                flags text[] NOT NULL,
                flag_rules text[] NOT NULL,
                country text,
                remote text,
                supplier text,
                data_export_gap text,
                waived boolean NOT NULL,
                document bytea NOT NULL REFERENCES documents(sha256),
                PRIMARY KEY (run, circuit_id)
            )
            """,
            "CREATE INDEX findings_circuit_history ON findings (gateway_id, circuit_id, generated_at DESC)",
            "CREATE INDEX findings_by_document ON findings (document)",
        ]),
        // The console: its accounts and sessions, counsel's review decisions (kept per circuit,
        // so they follow it into later runs), the access log, and a daily sample of each
        // gateway's open findings by severity for the trend chart, kept by a trigger so every
        // way a run is inserted maintains it.
        Migration(version: 2, name: "console", sql: [
            """
            CREATE TABLE console_users (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                name text NOT NULL UNIQUE,
                password_hash text NOT NULL,
                role text NOT NULL CHECK (role IN ('viewer', 'reviewer', 'admin')),
                created_at timestamptz NOT NULL DEFAULT now(),
                disabled boolean NOT NULL DEFAULT false
            )
            """,
            """
            CREATE TABLE console_sessions (
                token_sha256 bytea PRIMARY KEY,
                user_id bigint NOT NULL REFERENCES console_users(id) ON DELETE CASCADE,
                csrf text NOT NULL,
                created_at timestamptz NOT NULL DEFAULT now(),
                expires_at timestamptz NOT NULL
            )
            """,
            "CREATE INDEX console_sessions_by_expiry ON console_sessions (expires_at)",
            """
            CREATE TABLE reviews (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                gateway_id bigint NOT NULL REFERENCES gateways(id),
                circuit_id text NOT NULL,
                run_id text,
                decision text NOT NULL CHECK (decision IN ('reviewed', 'accepted_risk', 'remediation_requested')),
                until date,
                comment text NOT NULL,
                reviewer text NOT NULL,
                decided_at timestamptz NOT NULL DEFAULT now(),
                CHECK ((decision = 'accepted_risk') = (until IS NOT NULL))
            )
            """,
            "CREATE INDEX reviews_by_circuit ON reviews (gateway_id, circuit_id, decided_at DESC)",
            """
            CREATE TABLE access_log (
                id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
                at timestamptz NOT NULL DEFAULT now(),
                user_name text,
                client text,
                action text NOT NULL,
                target text NOT NULL
            )
            """,
            "CREATE INDEX access_log_by_time ON access_log (at DESC)",
            "CREATE INDEX access_log_failed_logins ON access_log (user_name, at) WHERE action = 'login_failed'",
            "ALTER TABLE runs ADD COLUMN open_by_severity integer[] NOT NULL DEFAULT '{0,0,0,0,0}'",
            """
            UPDATE runs r SET open_by_severity = ARRAY(
                SELECT count(f.run)::integer FROM generate_series(0, 4) s LEFT JOIN findings f ON f.run = r.id AND NOT f.waived AND f.severity = s
                GROUP BY s ORDER BY s)
            """,
            """
            CREATE TABLE daily_runs (
                gateway_id bigint NOT NULL REFERENCES gateways(id),
                day date NOT NULL,
                run bigint NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                generated_at timestamptz NOT NULL,
                open_by_severity integer[] NOT NULL,
                PRIMARY KEY (gateway_id, day)
            )
            """,
            "CREATE INDEX daily_runs_by_day ON daily_runs (day)",
            """
            CREATE FUNCTION daily_runs_track() RETURNS trigger LANGUAGE plpgsql AS $$
            BEGIN
                INSERT INTO daily_runs (gateway_id, day, run, generated_at, open_by_severity)
                VALUES (NEW.gateway_id, (NEW.generated_at AT TIME ZONE 'UTC')::date, NEW.id, NEW.generated_at, NEW.open_by_severity)
                ON CONFLICT (gateway_id, day) DO UPDATE
                    SET run = EXCLUDED.run, generated_at = EXCLUDED.generated_at, open_by_severity = EXCLUDED.open_by_severity
                    WHERE daily_runs.generated_at <= EXCLUDED.generated_at;
                RETURN NULL;
            END
            $$
            """,
            "CREATE TRIGGER runs_daily AFTER INSERT ON runs FOR EACH ROW EXECUTE FUNCTION daily_runs_track()",
            """
            INSERT INTO daily_runs (gateway_id, day, run, generated_at, open_by_severity)
            SELECT DISTINCT ON (gateway_id, (generated_at AT TIME ZONE 'UTC')::date)
                   gateway_id, (generated_at AT TIME ZONE 'UTC')::date, id, generated_at, open_by_severity
            FROM runs ORDER BY gateway_id, (generated_at AT TIME ZONE 'UTC')::date, generated_at DESC
            """,
        ]),
    ]

    /// Brings the database to the newest schema; returns the versions applied now.
    @discardableResult
    public static func apply(on client: PostgresClient, logger: Logger) async throws -> [Int] {
        do {
            return try await client.withTransaction(logger: logger) { connection in
                try await connection.query("SELECT pg_advisory_xact_lock(\(lockID))", logger: logger)
                try await connection.query("""
                    CREATE TABLE IF NOT EXISTS schema_migrations (
                        version integer PRIMARY KEY, name text NOT NULL, checksum text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())
                    """, logger: logger)
                var applied: [Int: String] = [:]
                for try await (version, checksum) in try await connection.query("SELECT version, checksum FROM schema_migrations", logger: logger)
                    .decode((Int, String).self) {
                    applied[version] = checksum
                }
                let known = Set(all.map(\.version))
                if let newer = applied.keys.filter({ !known.contains($0) }).max() {
                    throw FleetError.migration("the database is at schema version \(newer), newer than this server knows (\(known.max() ?? 0)): upgrade the server")
                }
                var now: [Int] = []
                for migration in all {
                    if let stored = applied[migration.version] {
                        guard stored == migration.checksum else {
                            throw FleetError.migration("migration \(migration.version) (\(migration.name)) in the database differs from the one this server ships")
                        }
                        continue
                    }
                    for statement in migration.sql {
                        try await connection.query(PostgresQuery(unsafeSQL: statement), logger: logger)
                    }
                    try await connection.query(
                        "INSERT INTO schema_migrations (version, name, checksum) VALUES (\(migration.version), \(migration.name), \(migration.checksum))",
                        logger: logger)
                    logger.notice("applied schema migration \(migration.version) (\(migration.name))")
                    now.append(migration.version)
                }
                return now
            }
        } catch let error as FleetError {
            throw error
        } catch {
            throw FleetError.databaseUnavailable(String(reflecting: error))
        }
    }
}
