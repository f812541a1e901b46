import Audit
import Crypto
import FileSupport
import Foundation
import GRDB
import Policy

/// Why the history could not be opened, written or read, with the path and what to do.
public enum HistoryError: Error, Equatable, CustomStringConvertible {
    case noHistory(path: String)
    case cannotOpen(path: String, reason: String)
    case diskFull(path: String)
    case notWritable(path: String, reason: String)
    case noSuchRun(id: Int64, path: String)
    case notEnoughRuns(count: Int, path: String)
    case damaged(path: String, reason: String)

    public var description: String {
        switch self {
        case .noHistory(let path): "\(path): no history yet (run an audit with the daemon, or pass --db)"
        case .cannotOpen(let path, let reason): "\(path): cannot open the history database: \(reason)"
        case .diskFull(let path): "\(path): the disk is full: the run was not recorded (earlier runs are intact); free space and the next run records again"
        case .notWritable(let path, let reason): "\(path): cannot write the history database: \(reason) (check the directory's owner, mode and mount)"
        case .noSuchRun(let id, let path): "\(path): there is no run \(id) (circuit-audit history lists them)"
        case .notEnoughRuns(let count, let path): "\(path): a diff needs two runs and the history has \(count)"
        case .damaged(let path, let reason): "\(path): the history database is damaged: \(reason)"
        }
    }
}

/// One row of `runs`: when an audit ran and what it found, in short.
public struct RunSummary: Sendable, Equatable, Codable {
    public var id: Int64
    public var startedAt: String
    public var finishedAt: String
    public var asOf: String
    public var toolVersion: String
    public var trigger: String
    public var circuits: Int
    public var findings: Int
    public var openFindings: Int
    public var maxSeverity: String?
}

/// A circuit as one run recorded it.
public struct CircuitState: Sendable, Equatable {
    public var circuitID: String
    public var name: String
    public var technology: String
    public var category: String
    public var severity: Severity
    public var flags: [String]
    public var waived: Bool
}

/// One rule's finding on one circuit (the category's rule or a flag's), as recorded.
public struct FindingState: Sendable, Equatable, Hashable {
    public var circuitID: String
    public var circuitName: String
    public var rule: String
    /// The category or flag the rule set.
    public var code: String
    public var severity: Severity
    public var waived: Bool
}

/// Audit runs kept in SQLite (GRDB, WAL): each run with its circuits and findings, written in
/// one transaction so a crash at any moment leaves the earlier runs intact and no half run.
public final class HistoryStore: Sendable {
    public let path: String
    private let pool: DatabasePool

    /// Opens (creating when `create` is true) the database at `path` and applies any pending
    /// migration. Files are created 0600 in a directory created 0700.
    public init(path: String, create: Bool = true) throws(HistoryError) {
        self.path = path
        var info = stat()
        if stat(path, &info) == 0 {
            // SQLite would wait on a FIFO or write into a device: only a regular file is a database.
            let kind = FileKind(mode: info.st_mode)
            guard kind == .regular else {
                throw .cannotOpen(path: path, reason: FileSystemError(path: path, operation: .read, problem: .wrongKind(kind, expected: .regular)).reason)
            }
        } else if errno != ENOENT {
            throw .cannotOpen(path: path, reason: String(cString: strerror(errno)))
        } else {
            guard create else { throw .noHistory(path: path) }
            do {
                try Directories.create(FilePath(path).containingDirectory.string, reportingAs: path)
            } catch {
                throw error.isDiskFull ? .diskFull(path: path) : .notWritable(path: path, reason: error.reason)
            }
            let descriptor = open(path, O_CREAT | O_WRONLY | O_CLOEXEC, 0o600)
            if descriptor < 0 {
                let code = errno
                throw code == ENOSPC ? .diskFull(path: path) : .notWritable(path: path, reason: String(cString: strerror(code)))
            }
            close(descriptor)
        }
        var configuration = Configuration()
        configuration.foreignKeysEnabled = true
        configuration.busyMode = .timeout(10)
        configuration.label = "history"
        do {
            pool = try DatabasePool(path: path, configuration: configuration)
            try Self.migrator.migrate(pool)
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// Versioned schema: each migration runs once, in order, recorded in grdb_migrations.
    static var migrator: DatabaseMigrator {
        var migrator = DatabaseMigrator()
        migrator.registerMigration("v1: runs, circuits, findings") { db in
            try db.execute(sql: """
                CREATE TABLE runs (
                    id INTEGER PRIMARY KEY AUTOINCREMENT,
                    started_at TEXT NOT NULL,
                    finished_at TEXT NOT NULL,
                    as_of TEXT NOT NULL,
                    tool_version TEXT NOT NULL,
                    trigger TEXT NOT NULL,
                    organization TEXT,
                    circuit_count INTEGER NOT NULL,
                    finding_count INTEGER NOT NULL,
                    open_finding_count INTEGER NOT NULL,
                    max_severity TEXT,
                    policies TEXT NOT NULL,
                    inputs TEXT NOT NULL,
                    warnings TEXT NOT NULL
                );
                CREATE INDEX runs_by_start ON runs(started_at);
                -- Circuit and finding JSON, stored once by content: a stable gateway audited every
                -- few minutes repeats them run after run.
                CREATE TABLE documents (
                    sha256 TEXT PRIMARY KEY,
                    body TEXT NOT NULL
                ) WITHOUT ROWID;
                CREATE TABLE circuits (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    circuit_id TEXT NOT NULL,
                    name TEXT NOT NULL,
                    technology TEXT NOT NULL,
                    origin TEXT NOT NULL,
                    remote_address TEXT,
                    remote_country TEXT,
                    category TEXT NOT NULL,
                    severity TEXT NOT NULL,
                    severity_rank INTEGER NOT NULL,
                    flags TEXT NOT NULL,
                    waived INTEGER NOT NULL,
                    circuit TEXT NOT NULL REFERENCES documents(sha256),
                    finding TEXT NOT NULL REFERENCES documents(sha256),
                    PRIMARY KEY (run_id, circuit_id)
                ) WITHOUT ROWID;
                -- "When did this circuit appear, and how has it been classified since?"
                CREATE INDEX circuits_by_id ON circuits(circuit_id, run_id);
                -- "Which runs saw a C2 or C5 circuit?"
                CREATE INDEX circuits_by_category ON circuits(category, run_id);
                CREATE TABLE findings (
                    run_id INTEGER NOT NULL REFERENCES runs(id) ON DELETE CASCADE,
                    circuit_id TEXT NOT NULL,
                    rule TEXT NOT NULL,
                    kind TEXT NOT NULL CHECK (kind IN ('category', 'flag')),
                    code TEXT NOT NULL,
                    severity TEXT NOT NULL,
                    severity_rank INTEGER NOT NULL,
                    waived INTEGER NOT NULL,
                    PRIMARY KEY (run_id, circuit_id, rule, code),
                    FOREIGN KEY (run_id, circuit_id) REFERENCES circuits(run_id, circuit_id) ON DELETE CASCADE
                ) WITHOUT ROWID;
                -- "Every open HIGH or CRITICAL finding, newest run first."
                CREATE INDEX findings_by_severity ON findings(severity_rank, run_id);
                -- "Since when has rule R fired?"
                CREATE INDEX findings_by_rule ON findings(rule, run_id);
                CREATE INDEX findings_by_circuit ON findings(circuit_id, run_id);
                """)
        }
        return migrator
    }

    /// Records a run and everything it found in one transaction; returns the run's id.
    @discardableResult
    public func record(_ result: AuditResult, startedAt: Date, finishedAt: Date, trigger: String) throws(HistoryError) -> Int64 {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        let circuits = Dictionary(result.circuits.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        do {
            let open = result.findings.filter { $0.waiver?.active != true }
            return try pool.write { db in
                try db.execute(sql: """
                    INSERT INTO runs (started_at, finished_at, as_of, tool_version, trigger, organization, circuit_count, finding_count,
                                      open_finding_count, max_severity, policies, inputs, warnings)
                    VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                    """, arguments: [
                        Self.timestamp(startedAt), Self.timestamp(finishedAt), result.asOf, result.toolVersion, trigger, result.organization,
                        result.circuits.count, result.findings.count, open.count, open.map(\.severity).max()?.rawValue,
                        try Self.text(encoder.encode(result.policies)), try Self.text(encoder.encode(result.inputs)),
                        try Self.text(encoder.encode(result.warnings)),
                    ])
                let runID = db.lastInsertedRowID
                for finding in result.findings {
                    let circuit = circuits[finding.circuitID]
                    let waived = finding.waiver?.active == true
                    try db.execute(sql: """
                        INSERT INTO circuits (run_id, circuit_id, name, technology, origin, remote_address, remote_country, category,
                                              severity, severity_rank, flags, waived, circuit, finding)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [
                            runID, finding.circuitID, finding.circuitName, circuit?.technology ?? "", circuit?.origin.rawValue ?? "",
                            circuit?.remoteAddress, circuit?.remoteLocation?.country, finding.category.rawValue, finding.severity.rawValue,
                            finding.severity.rank, finding.flags.map(\.flag.rawValue).sorted().joined(separator: ","), waived,
                            try Self.store(circuit.map { try encoder.encode($0) } ?? Data("{}".utf8), in: db),
                            try Self.store(encoder.encode(finding), in: db),
                        ])
                    var rows: [(rule: String, kind: String, code: String, severity: Severity)] = [(finding.rule, "category", finding.category.rawValue, finding.severity)]
                    rows += finding.flags.map { ($0.rule, "flag", $0.flag.rawValue, $0.severity) }
                    for row in rows {
                        try db.execute(sql: """
                            INSERT OR IGNORE INTO findings (run_id, circuit_id, rule, kind, code, severity, severity_rank, waived)
                            VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                            """, arguments: [runID, finding.circuitID, row.rule, row.kind, row.code, row.severity.rawValue, row.severity.rank, waived])
                    }
                }
                return runID
            }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// Runs, oldest first (or the last `limit`).
    public func runs(limit: Int? = nil) throws(HistoryError) -> [RunSummary] {
        do {
            return try pool.read { db in
                let rows = try Row.fetchAll(db, sql: """
                    SELECT * FROM (SELECT * FROM runs ORDER BY id DESC LIMIT ?) ORDER BY id
                    """, arguments: [limit ?? -1])
                return rows.map(Self.summary)
            }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// One run's summary.
    public func run(_ id: Int64) throws(HistoryError) -> RunSummary {
        let row: Row?
        do {
            row = try pool.read { db in try Row.fetchOne(db, sql: "SELECT * FROM runs WHERE id = ?", arguments: [id]) }
        } catch {
            throw Self.classify(error, path: path)
        }
        guard let row else { throw .noSuchRun(id: id, path: path) }
        return Self.summary(row)
    }

    /// The circuits a run recorded, by id.
    public func circuits(run id: Int64) throws(HistoryError) -> [String: CircuitState] {
        _ = try run(id)
        do {
            return try pool.read { db in
                var states: [String: CircuitState] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT circuit_id, name, technology, category, severity, flags, waived FROM circuits WHERE run_id = ?", arguments: [id]) {
                    let flags: String = row["flags"]
                    let state = CircuitState(circuitID: row["circuit_id"], name: row["name"], technology: row["technology"], category: row["category"],
                                             severity: Severity(rawValue: row["severity"]) ?? .info,
                                             flags: flags.isEmpty ? [] : flags.split(separator: ",").map(String.init), waived: row["waived"])
                    states[state.circuitID] = state
                }
                return states
            }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// The findings a run recorded.
    public func findings(run id: Int64) throws(HistoryError) -> [FindingState] {
        _ = try run(id)
        do {
            return try pool.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT f.circuit_id, c.name, f.rule, f.code, f.severity, f.waived FROM findings f
                    JOIN circuits c ON c.run_id = f.run_id AND c.circuit_id = f.circuit_id WHERE f.run_id = ?
                    """, arguments: [id]).map { row in
                    FindingState(circuitID: row[0], circuitName: row[1], rule: row[2], code: row[3], severity: Severity(rawValue: row[4]) ?? .info, waived: row[5])
                }
            }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// The full findings a run recorded (as in its findings.json), decoded.
    public func storedFindings(run id: Int64) throws(HistoryError) -> [Finding] {
        _ = try run(id)
        do {
            let texts = try pool.read { db in try String.fetchAll(db, sql: """
                SELECT d.body FROM circuits c JOIN documents d ON d.sha256 = c.finding WHERE c.run_id = ? ORDER BY c.circuit_id
                """, arguments: [id]) }
            let decoder = JSONDecoder()
            return try texts.map { try decoder.decode(Finding.self, from: Data($0.utf8)) }
        } catch let error as HistoryError {
            throw error
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// Deletes all but the newest `keep` runs, with their circuits and findings, and the stored
    /// documents no remaining run refers to; in one transaction, so a crash leaves either the
    /// old history or the pruned one. Returns how many runs were deleted.
    @discardableResult
    public func prune(keepingNewest keep: Int) throws(HistoryError) -> Int {
        precondition(keep >= 1, "a history keeps at least its newest run")
        do {
            return try pool.write { db in
                try db.execute(sql: "DELETE FROM runs WHERE id NOT IN (SELECT id FROM runs ORDER BY id DESC LIMIT ?)", arguments: [keep])
                let deleted = db.changesCount
                if deleted > 0 {
                    try db.execute(sql: """
                        DELETE FROM documents WHERE sha256 NOT IN (SELECT circuit FROM circuits UNION SELECT finding FROM circuits)
                        """)
                }
                return deleted
            }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// SQLite's own check of every page and index; "ok" when the file is sound.
    public func integrityCheck() throws(HistoryError) -> [String] {
        do {
            return try pool.read { db in try String.fetchAll(db, sql: "PRAGMA integrity_check") }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    /// The schema versions applied, oldest first.
    public func appliedMigrations() throws(HistoryError) -> [String] {
        do {
            return try pool.read { db in try Self.migrator.appliedMigrations(db) }
        } catch {
            throw Self.classify(error, path: path)
        }
    }

    // MARK: - Helpers

    static func summary(_ row: Row) -> RunSummary {
        RunSummary(id: row["id"], startedAt: row["started_at"], finishedAt: row["finished_at"], asOf: row["as_of"], toolVersion: row["tool_version"],
                   trigger: row["trigger"], circuits: row["circuit_count"], findings: row["finding_count"], openFindings: row["open_finding_count"],
                   maxSeverity: row["max_severity"])
    }

    static func text(_ data: Data) -> String { String(decoding: data, as: UTF8.self) }

    /// Stores a JSON document once, by its SHA-256; returns the hash that refers to it.
    static func store(_ data: Data, in db: Database) throws -> String {
        let hash = SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
        try db.execute(sql: "INSERT OR IGNORE INTO documents (sha256, body) VALUES (?, ?)", arguments: [hash, text(data)])
        return hash
    }

    /// RFC 3339 UTC with milliseconds.
    public static func timestamp(_ date: Date) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return formatter.string(from: date)
    }

    static func reason(_ error: Error) -> String {
        if let error = error as? CocoaError, let underlying = error.userInfo[NSUnderlyingErrorKey] as? NSError,
           underlying.domain == NSPOSIXErrorDomain {
            return String(cString: strerror(Int32(underlying.code)))
        }
        return "\(error)"
    }

    /// Turns SQLite's result codes into errors a user can act on.
    static func classify(_ error: Error, path: String) -> HistoryError {
        if let error = error as? HistoryError { return error }
        guard let error = error as? DatabaseError else { return .cannotOpen(path: path, reason: "\(error)") }
        let message = error.message ?? "\(error.resultCode)"
        switch error.resultCode.primaryResultCode {
        case .SQLITE_FULL: return .diskFull(path: path)
        case .SQLITE_READONLY, .SQLITE_PERM, .SQLITE_CANTOPEN, .SQLITE_AUTH: return .notWritable(path: path, reason: message)
        case .SQLITE_CORRUPT, .SQLITE_NOTADB: return .damaged(path: path, reason: message)
        case .SQLITE_IOERR:
            // SQLite reports ENOSPC on the WAL or shared memory as an I/O error; say which it was.
            if error.extendedResultCode == .SQLITE_IOERR_WRITE || error.extendedResultCode == .SQLITE_IOERR_SHMSIZE
                || error.extendedResultCode == .SQLITE_IOERR_TRUNCATE || error.extendedResultCode == .SQLITE_IOERR_FSYNC {
                return Self.diskIsFull(path) ? .diskFull(path: path) : .notWritable(path: path, reason: message)
            }
            return .notWritable(path: path, reason: message)
        default: return .cannotOpen(path: path, reason: message)
        }
    }

    /// Whether the file system holding `path` has no free block left for this user.
    static func diskIsFull(_ path: String) -> Bool {
        var info = statvfs()
        guard statvfs(FilePath(path).containingDirectory.string, &info) == 0 else { return false }
        return info.f_bavail < 2
    }
}

extension Severity {
    /// 0 for INFO up to 4 for CRITICAL: the order severities are compared in.
    public var rank: Int { Severity.allCases.firstIndex(of: self)! }
}
