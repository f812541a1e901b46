import Foundation

/// Why the fleet server refused a run or could not do something. Each case says what a
/// gateway's operator or the server's administrator can do about it; `FleetServer` maps them to HTTP.
public enum FleetError: Error, Equatable, CustomStringConvertible {
    /// The bundle names a gateway that was never enrolled.
    case unknownGateway(String)
    /// The signature does not verify with the enrolled key.
    case badSignature(gateway: String, reason: String)
    /// A file of the bundle is not the one the signed manifest lists.
    case tampered(gateway: String, problems: [String])
    /// Not a bundle, or a bundle without what a fleet run needs.
    case malformed(String)
    /// This audit is already stored under another run id: an old run sent again as new.
    case replay(gateway: String, runID: String, storedAs: String)
    /// The run id is already stored with other findings.
    case conflictingRun(gateway: String, runID: String)
    /// The body is larger than the server accepts.
    case tooLarge(bytes: Int, limit: Int)
    /// The bundle inflates past the server's limits (a gzip bomb, too many members).
    case overLimit(String)
    /// A gateway name or key that cannot be enrolled.
    case badEnrolment(String)
    /// PostgreSQL could not be reached or failed; nothing was stored, try again later.
    case databaseUnavailable(String)
    /// Something that is not there (a gateway, a run, a circuit).
    case notFound(String)
    /// A stored migration differs from the one this version ships.
    case migration(String)

    public var description: String {
        switch self {
        case .unknownGateway(let name): "gateway \"\(name)\" is not enrolled: enrol it with `circuit-audit server enroll --name \(name) --pub KEY.pub`"
        case .badSignature(let gateway, let reason): "the bundle's signature does not verify with gateway \"\(gateway)\"'s enrolled key: \(reason)"
        case .tampered(let gateway, let problems): "the bundle from \"\(gateway)\" does not match its signed manifest: \(problems.joined(separator: "; "))"
        case .malformed(let reason): "not a run bundle: \(reason)"
        case .replay(let gateway, let runID, let stored): "replay: this audit of gateway \"\(gateway)\" is already stored as run \(stored); refused as run \(runID)"
        case .conflictingRun(let gateway, let runID): "run \(runID) of gateway \"\(gateway)\" is already stored with other findings"
        case .tooLarge(let bytes, let limit): "the body (\(bytes) bytes or more) exceeds the server's limit of \(limit) bytes (limits.max_bundle_bytes)"
        case .overLimit(let reason): "the bundle is refused unread: \(reason)"
        case .badEnrolment(let reason): "cannot enrol: \(reason)"
        case .databaseUnavailable(let reason): "the fleet database is unavailable: \(reason); nothing was stored, send again later"
        case .notFound(let what): "\(what) not found"
        case .migration(let reason): "database schema: \(reason)"
        }
    }

    /// A short, stable word for logs and metrics labels.
    public var reason: String {
        switch self {
        case .unknownGateway: "unknown_gateway"
        case .badSignature: "bad_signature"
        case .tampered: "tampered"
        case .malformed: "malformed"
        case .replay: "replay"
        case .conflictingRun: "conflicting_run"
        case .tooLarge, .overLimit: "too_large"
        case .badEnrolment: "bad_enrolment"
        case .databaseUnavailable: "database_unavailable"
        case .notFound: "not_found"
        case .migration: "migration"
        }
    }
}
