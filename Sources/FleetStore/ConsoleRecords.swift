import FleetSubmission
import Foundation
import PostgresNIO
import Reports

/// What the console keeps besides the runs: its accounts and sessions, counsel's review
/// decisions and the access log. Passwords arrive here already hashed (the console hashes them
/// with bcrypt); session tokens are stored as SHA-256, so a copy of the database opens no session.

/// What a console user may do; each role includes the one before it.
public enum ConsoleRole: String, Codable, Sendable, CaseIterable, Comparable {
    /// Reads pages and exports.
    case viewer
    /// Also records review decisions on findings.
    case reviewer
    /// Also enrols gateways and manages users.
    case admin

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: ConsoleRole, rhs: ConsoleRole) -> Bool { lhs.rank < rhs.rank }
}

public struct ConsoleUser: Codable, Sendable, Equatable {
    public var id: Int64
    public var name: String
    public var role: ConsoleRole
    public var disabled: Bool
    public var createdAt: String
}

/// A signed-in user's session, found by its token.
public struct ConsoleSession: Sendable, Equatable {
    public var user: ConsoleUser
    /// The token every form of this session carries back.
    public var csrf: String
    public var expiresAt: Date
}

/// Counsel's decision on one circuit of one gateway. It belongs to the circuit, not to a run:
/// later runs of the same circuit show it until a newer decision replaces it.
public struct ReviewDecision: Codable, Sendable, Equatable {
    public enum Kind: String, Codable, Sendable, CaseIterable {
        case reviewed
        /// Accepted until a date, after which the finding needs a decision again.
        case acceptedRisk = "accepted_risk"
        case remediationRequested = "remediation_requested"
    }

    public var gateway: String
    public var circuitId: String
    /// The run the reviewer was reading when deciding.
    public var runId: String?
    public var decision: Kind
    public var until: String?
    public var comment: String
    public var reviewer: String
    public var decidedAt: String

    /// The decision as reports carry it.
    public var findingReview: FindingReview {
        FindingReview(decision: decision.rawValue, until: until, comment: comment, reviewer: reviewer, decidedAt: decidedAt)
    }

    /// An accepted risk past its date no longer stands.
    public func isCurrent(on day: String) -> Bool {
        decision != .acceptedRisk || (until.map { $0 >= day } ?? false)
    }
}

public struct AccessLogEntry: Codable, Sendable, Equatable {
    public var at: String
    public var user: String?
    public var client: String?
    public var action: String
    public var target: String
}

extension FleetStore {
    // MARK: - Users

    static let userColumns = "id, name, role, disabled, created_at"

    static func user(_ row: PostgresRandomAccessRow) throws -> ConsoleUser {
        ConsoleUser(id: try row["id"].decode(Int64.self), name: try row["name"].decode(String.self),
                    role: ConsoleRole(rawValue: try row["role"].decode(String.self)) ?? .viewer, disabled: try row["disabled"].decode(Bool.self),
                    createdAt: Timestamps.format(try row["created_at"].decode(Date.self)))
    }

    /// Adds a user, or with `replace` sets an existing one's password and role (and enables it).
    @discardableResult
    public func putUser(name: String, passwordHash: String, role: ConsoleRole, replace: Bool = false) async throws -> ConsoleUser {
        guard RunSubmission.isPlainName(name) else {
            throw FleetError.badEnrolment("user name \"\(name)\" must be 1-\(RunSubmission.maxNameLength) letters, digits, '.', '_' or '-'")
        }
        return try await transaction { connection in
            let rows = try await connection.query(replace ? """
                INSERT INTO console_users (name, password_hash, role) VALUES (\(name), \(passwordHash), \(role.rawValue))
                ON CONFLICT (name) DO UPDATE SET password_hash = EXCLUDED.password_hash, role = EXCLUDED.role, disabled = false
                RETURNING id, name, role, disabled, created_at
                """ : """
                INSERT INTO console_users (name, password_hash, role) VALUES (\(name), \(passwordHash), \(role.rawValue))
                ON CONFLICT (name) DO NOTHING RETURNING id, name, role, disabled, created_at
                """, logger: self.logger)
            for try await row in rows { return try Self.user(row.makeRandomAccess()) }
            throw FleetError.badEnrolment("user \"\(name)\" exists already")
        }
    }

    /// Changes a user's role or disables it; a disabled user's sessions end at once.
    public func updateUser(name: String, role: ConsoleRole?, disabled: Bool?) async throws {
        try await transaction { connection in
            let rows = try await connection.query("""
                UPDATE console_users SET role = coalesce(\(role?.rawValue), role), disabled = coalesce(\(disabled), disabled)
                WHERE name = \(name) RETURNING id
                """, logger: self.logger)
            guard let id = try await rows.decode(Int64.self).first(where: { _ in true }) else { throw FleetError.notFound("user \"\(name)\"") }
            if disabled == true {
                try await connection.query("DELETE FROM console_sessions WHERE user_id = \(id)", logger: self.logger)
            }
        }
    }

    public func users() async throws -> [ConsoleUser] {
        try await query { connection in
            var users: [ConsoleUser] = []
            for try await row in try await connection.query("SELECT id, name, role, disabled, created_at FROM console_users ORDER BY name", logger: self.logger) {
                users.append(try Self.user(row.makeRandomAccess()))
            }
            return users
        }
    }

    /// The user and its password hash, to check a login against (nil: no such enabled user).
    public func credentials(name: String) async throws -> (user: ConsoleUser, passwordHash: String)? {
        try await query { connection in
            for try await row in try await connection.query("""
                SELECT id, name, role, disabled, created_at, password_hash FROM console_users WHERE name = \(name) AND NOT disabled
                """, logger: self.logger) {
                let cells = row.makeRandomAccess()
                return (try Self.user(cells), try cells["password_hash"].decode(String.self))
            }
            return nil
        }
    }

    // MARK: - Sessions

    /// Opens a session for `user` under `tokenHash` (the SHA-256 of the cookie's token).
    public func openSession(tokenHash: Data, user: ConsoleUser, csrf: String, lifetime: TimeInterval) async throws {
        let expires = Date().addingTimeInterval(lifetime)
        try await query { connection in
            try await connection.query("DELETE FROM console_sessions WHERE expires_at < now()", logger: self.logger)
            try await connection.query("""
                INSERT INTO console_sessions (token_sha256, user_id, csrf, expires_at) VALUES (\(tokenHash), \(user.id), \(csrf), \(expires))
                """, logger: self.logger)
        }
    }

    /// The live session under `tokenHash`, nil when there is none, it expired or its user is disabled.
    public func session(tokenHash: Data) async throws -> ConsoleSession? {
        try await query { connection in
            for try await row in try await connection.query("""
                SELECT u.id, u.name, u.role, u.disabled, u.created_at, s.csrf, s.expires_at
                FROM console_sessions s JOIN console_users u ON u.id = s.user_id
                WHERE s.token_sha256 = \(tokenHash) AND s.expires_at > now() AND NOT u.disabled
                """, logger: self.logger) {
                let cells = row.makeRandomAccess()
                return ConsoleSession(user: try Self.user(cells), csrf: try cells["csrf"].decode(String.self), expiresAt: try cells["expires_at"].decode(Date.self))
            }
            return nil
        }
    }

    public func closeSession(tokenHash: Data) async throws {
        try await query { connection in
            try await connection.query("DELETE FROM console_sessions WHERE token_sha256 = \(tokenHash)", logger: self.logger)
        }
    }

    // MARK: - Access log

    public func logAccess(user: String?, client: String?, action: String, target: String) async throws {
        try await query { connection in
            try await connection.query("INSERT INTO access_log (user_name, client, action, target) VALUES (\(user), \(client), \(action), \(target))",
                                       logger: self.logger)
        }
    }

    /// Failed logins for `user` and from `client` within the last `window` seconds.
    public func recentFailedLogins(user: String, client: String?, window: TimeInterval) async throws -> (byUser: Int, byClient: Int) {
        let since = Date().addingTimeInterval(-window)
        return try await query { connection in
            let rows = try await connection.query("""
                SELECT count(*) FILTER (WHERE user_name = \(user))::bigint, count(*) FILTER (WHERE client = \(client))::bigint
                FROM access_log WHERE action = 'login_failed' AND at > \(since)
                """, logger: self.logger).decode((Int, Int).self)
            for try await (byUser, byClient) in rows { return (byUser, byClient) }
            return (0, 0)
        }
    }

    public func accessLog(limit: Int, offset: Int) async throws -> Page<AccessLogEntry> {
        let total = try await count("SELECT count(*) FROM access_log", PostgresBindings())
        let items = try await query { connection in
            var entries: [AccessLogEntry] = []
            for try await (at, user, client, action, target) in try await connection.query("""
                SELECT at, user_name, client, action, target FROM access_log ORDER BY at DESC, id DESC LIMIT \(limit) OFFSET \(offset)
                """, logger: self.logger).decode((Date, String?, String?, String, String).self) {
                entries.append(AccessLogEntry(at: Timestamps.format(at), user: user, client: client, action: action, target: target))
            }
            return entries
        }
        return Page(total: total, limit: limit, offset: offset, items: items)
    }

    // MARK: - Reviews

    /// Records a decision on a circuit of a gateway; it must be one the gateway reported.
    @discardableResult
    public func recordReview(gateway: String, circuitID: String, runID: String?, decision: ReviewDecision.Kind, until: String?, comment: String,
                             reviewer: String) async throws -> ReviewDecision {
        if let until, Timestamps.parseDate(until) == nil { throw FleetError.malformed("until=\(until): a date, YYYY-MM-DD") }
        guard (decision == .acceptedRisk) == (until != nil) else {
            throw FleetError.malformed(decision == .acceptedRisk ? "an accepted risk needs the date it is accepted until" : "only an accepted risk has an until date")
        }
        return try await transaction { connection in
            let known = try await connection.query("""
                SELECT g.id FROM gateways g WHERE g.name = \(gateway)
                    AND EXISTS (SELECT 1 FROM findings f WHERE f.gateway_id = g.id AND f.circuit_id = \(circuitID))
                """, logger: self.logger).decode(Int64.self).first { _ in true }
            guard let gatewayID = known else { throw FleetError.notFound("circuit \(circuitID) of gateway \"\(gateway)\"") }
            let stamp = try await connection.query("""
                INSERT INTO reviews (gateway_id, circuit_id, run_id, decision, until, comment, reviewer)
                VALUES (\(gatewayID), \(circuitID), \(runID), \(decision.rawValue), \(until)::date, \(comment), \(reviewer))
                RETURNING decided_at
                """, logger: self.logger).decode(Date.self).first { _ in true } ?? Date()
            return ReviewDecision(gateway: gateway, circuitId: circuitID, runId: runID, decision: decision, until: until, comment: comment,
                                  reviewer: reviewer, decidedAt: Timestamps.format(stamp))
        }
    }

    /// Every decision on one circuit, newest first.
    public func reviews(gateway: String, circuitID: String) async throws -> [ReviewDecision] {
        try await reviewRows("WHERE g.name = $1 AND r.circuit_id = $2 ORDER BY r.decided_at DESC, r.id DESC", [gateway, circuitID])
    }

    /// The newest decision on each circuit of the named gateways (all when empty), keyed by gateway and circuit.
    public func latestReviews(gateways names: [String] = []) async throws -> [ReviewKey: ReviewDecision] {
        let rows = try await reviewRows("""
            WHERE cardinality($1::text[]) = 0 OR g.name = ANY($1::text[])
            ORDER BY r.gateway_id, r.circuit_id, r.decided_at DESC, r.id DESC
            """, [names], distinct: true)
        return Dictionary(rows.map { (ReviewKey(gateway: $0.gateway, circuitID: $0.circuitId), $0) }, uniquingKeysWith: { first, _ in first })
    }

    private func reviewRows(_ tail: String, _ values: [any PostgresEncodable & Sendable], distinct: Bool = false) async throws -> [ReviewDecision] {
        var query = PostgresQuery(unsafeSQL: """
            SELECT \(distinct ? "DISTINCT ON (r.gateway_id, r.circuit_id)" : "") g.name, r.circuit_id, r.run_id, r.decision, r.until::text, r.comment, r.reviewer, r.decided_at
            FROM reviews r JOIN gateways g ON g.id = r.gateway_id \(tail)
            """)
        for value in values { try query.binds.append(value) }
        let statement = query
        return try await self.query { connection in
            var decisions: [ReviewDecision] = []
            for try await (gateway, circuit, run, decision, until, comment, reviewer, at) in try await connection.query(statement, logger: self.logger)
                .decode((String, String, String?, String, String?, String, String, Date).self) {
                decisions.append(ReviewDecision(gateway: gateway, circuitId: circuit, runId: run, decision: ReviewDecision.Kind(rawValue: decision) ?? .reviewed,
                                                until: until, comment: comment, reviewer: reviewer, decidedAt: Timestamps.format(at)))
            }
            return decisions
        }
    }
}

/// A circuit of a gateway, the key reviews are kept under.
public struct ReviewKey: Hashable, Sendable {
    public var gateway: String
    public var circuitID: String

    public init(gateway: String, circuitID: String) {
        self.gateway = gateway
        self.circuitID = circuitID
    }
}

extension Dictionary where Key == ReviewKey, Value == ReviewDecision {
    /// One gateway's decisions by circuit id, as a report takes them.
    public func byCircuit(of gateway: String) -> [String: FindingReview] {
        var byCircuit: [String: FindingReview] = [:]
        for (key, review) in self where key.gateway == gateway { byCircuit[key.circuitID] = review.findingReview }
        return byCircuit
    }
}
