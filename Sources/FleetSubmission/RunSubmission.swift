import Audit
@preconcurrency import Crypto
import Foundation
import Reports

/// A run as a gateway sent it, unpacked and checked: the bundle's files exactly as received,
/// the signed manifest and the run it names, and the audit read from its `findings.json`.
/// Only a submission that verified against the gateway's enrolled key is ever made.
public struct RunSubmission: Sendable {
    public var gateway: String
    public var run: EvidenceBundle.Manifest.Run
    public var manifest: EvidenceBundle.Manifest
    public var files: [Tar.Entry]
    public var audit: AuditResult
    public var generatedAt: Date
    public var bundleBytes: Int
    public var signer: String

    /// What a run of the fleet must be to be stored, beyond a valid signature.
    public static let requiredFiles = ["findings.json"]
    /// The longest gateway name or run id accepted.
    public static let maxNameLength = 128

    /// The files of a body sent to the server, inflated within `limits`: the first thing the
    /// server does with it, before the gateway it names is looked up.
    public static func unpack(_ bundle: Data, limits: ArchiveLimits) throws(FleetError) -> [Tar.Entry] {
        do {
            return try EvidenceBundle.entries(of: bundle, path: "the body", limits: limits)
        } catch {
            if case .bundleOverLimit(_, let exceeded) = error { throw .overLimit(exceeded.description) }
            throw .malformed(error.description)
        }
    }

    /// The gateway a bundle claims to come from, read before anything is trusted: the key to
    /// check it with is that gateway's.
    public static func claimedGateway(of files: [Tar.Entry]) throws(FleetError) -> String {
        guard files.contains(where: { $0.path == EvidenceBundle.manifestName }) else { throw .malformed("it has no \(EvidenceBundle.manifestName)") }
        guard let manifest = EvidenceBundle.manifest(in: files) else { throw .malformed("\(EvidenceBundle.manifestName) is not a bundle manifest") }
        guard let run = manifest.run else {
            throw .malformed("\(EvidenceBundle.manifestName) names no gateway run (made by `circuit-audit export`; send runs with `circuit-audit upload` or the daemon)")
        }
        return run.gateway
    }

    /// Checks `files` (the unpacked bundle of `bundleBytes` bytes) against the gateway's key and
    /// reads the audit. Throws the first reason the run cannot be stored.
    public static func verify(_ files: [Tar.Entry], bundleBytes: Int, gateway: String, publicKey: Curve25519.Signing.PublicKey) throws(FleetError) -> RunSubmission {
        let verification = EvidenceBundle.verify(entries: files, publicKey: publicKey)
        if !verification.isIntact {
            let signatureProblems = verification.problems.filter { $0.hasPrefix(EvidenceBundle.signatureName) || $0.contains("not the manifest that was signed") }
            if !signatureProblems.isEmpty { throw .badSignature(gateway: gateway, reason: signatureProblems.joined(separator: "; ")) }
            throw .tampered(gateway: gateway, problems: verification.problems)
        }
        guard let manifest = verification.manifest, let run = manifest.run else { throw .malformed("the manifest names no gateway run") }
        guard run.gateway == gateway else { throw .malformed("the manifest names gateway \"\(run.gateway)\", not \"\(gateway)\"") }
        guard isPlainName(run.id) else { throw .malformed("run id \"\(run.id.prefix(40))\" is not 1-\(maxNameLength) letters, digits, '.', '_' or '-'") }
        for required in requiredFiles where !files.contains(where: { $0.path == required }) {
            throw .malformed("it has no \(required)")
        }
        let findings = files.first { $0.path == "findings.json" }!.data
        let audit: AuditResult
        do {
            audit = try JSONDecoder().decode(AuditResult.self, from: findings)
        } catch {
            throw .malformed("findings.json is not an audit: \(Self.describe(error))")
        }
        guard audit.schemaVersion == AuditResult.currentSchemaVersion else {
            throw .malformed("findings.json has schema version \(audit.schemaVersion); this server reads version \(AuditResult.currentSchemaVersion)")
        }
        guard let generatedAt = Timestamps.parse(audit.generatedAt) else { throw .malformed("findings.json: generated_at \"\(audit.generatedAt)\" is not an ISO 8601 time") }
        if let due = run.nextRunDue, Timestamps.parse(due) == nil { throw .malformed("the manifest's next_run_due \"\(due)\" is not an ISO 8601 time") }
        guard Timestamps.parseDate(audit.asOf) != nil else { throw .malformed("findings.json: as_of \"\(audit.asOf)\" is not a date") }
        return RunSubmission(gateway: gateway, run: run, manifest: manifest, files: files, audit: audit, generatedAt: generatedAt,
                             bundleBytes: bundleBytes, signer: verification.signer ?? "")
    }

    /// A gateway name or run id: what is safe in a URL, a file name and a log line.
    public static func isPlainName(_ text: String) -> Bool {
        !text.isEmpty && text.utf8.count <= maxNameLength && text.first != "." && text.first != "-"
            && text.unicodeScalars.allSatisfy { ("a"..."z").contains($0) || ("A"..."Z").contains($0) || ("0"..."9").contains($0) || "._-".unicodeScalars.contains($0) }
    }

    package var findingsSHA256: Data { Data(SHA256.hash(data: files.first { $0.path == "findings.json" }!.data)) }
    package var manifestSHA256: Data { Data(SHA256.hash(data: files.first { $0.path == EvidenceBundle.manifestName }!.data)) }

    package static func describe(_ error: Error) -> String {
        switch error {
        case DecodingError.dataCorrupted(let context), DecodingError.typeMismatch(_, let context), DecodingError.valueNotFound(_, let context):
            return "at \(path(context.codingPath)): \(context.debugDescription)"
        case DecodingError.keyNotFound(let key, let context):
            return "at \(path(context.codingPath + [key])): missing"
        default:
            return "\(error)"
        }
    }

    private static func path(_ keys: [CodingKey]) -> String {
        keys.isEmpty ? "the top" : keys.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined()
    }
}

/// The audit's times as findings.json writes them (RFC 3339, UTC, with or without
/// milliseconds). Format styles are values, made once: a fleet page formats thousands of
/// times, and a new `ISO8601DateFormatter` costs about half a millisecond on Linux.
public enum Timestamps {
    private static let seconds = Date.ISO8601FormatStyle()
    private static let milliseconds = Date.ISO8601FormatStyle(includingFractionalSeconds: true)
    private static let day = Date.ISO8601FormatStyle().year().month().day()

    public static func parse(_ text: String) -> Date? {
        (try? milliseconds.parse(text)) ?? (try? seconds.parse(text))
    }

    public static func parseDate(_ text: String) -> Date? { try? day.parse(text) }

    public static func format(_ date: Date) -> String { date.formatted(seconds) }

    public static func formatDate(_ date: Date) -> String { date.formatted(day) }
}
