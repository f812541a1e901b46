@preconcurrency import Crypto
import Foundation
import Reports

/// Everything a gateway needs to send its runs: where (the server), as whom (its enrolled name
/// and signing key), what (pseudonymised or not), and where runs wait meanwhile (the spool).
public struct GatewayUpload: Sendable, Equatable {
    public var server: UploadConfiguration
    /// The name the gateway was enrolled under.
    public var gateway: String
    /// The Ed25519 private key (PEM, from `circuit-audit keygen`) whose public half was enrolled.
    public var signingKey: String
    public var spool: String
    /// With a key, findings, reports and flows leave the gateway pseudonymised and without the snapshot.
    public var pseudonymizeKey: String?
    /// The organization file whose mainland ranges count as internal when pseudonymising.
    public var organization: String?

    public init(server: UploadConfiguration, gateway: String, signingKey: String, spool: String, pseudonymizeKey: String? = nil, organization: String? = nil) {
        self.server = server
        self.gateway = gateway
        self.signingKey = signingKey
        self.spool = spool
        self.pseudonymizeKey = pseudonymizeKey
        self.organization = organization
    }

    /// A run id that sorts by time and names the run for good: `20261124T091500Z-000042`.
    public static func runID(generatedAt: String, suffix: String) -> String {
        let compact = generatedAt.filter { $0.isNumber || $0 == "T" || $0 == "Z" }
        return (compact.isEmpty ? "run" : compact) + "-" + suffix
    }

    /// Signs the audit in `auditDirectory` as a run of this gateway and spools it. The same
    /// audit spooled again gets the same run id, so the server stores it once.
    @discardableResult
    public func spoolRun(auditDirectory: String, runID: String? = nil, trigger: String, nextRunDue: Date? = nil, toolVersion: String,
                         key loaded: Curve25519.Signing.PrivateKey? = nil) throws -> Spool.Item {
        let key = try loaded ?? SigningKeys.loadPrivate(signingKey)
        let result = try Reports.loadAudit(auditDirectory)
        let id = runID ?? Self.runID(generatedAt: result.generatedAt, suffix: Self.contentSuffix(auditDirectory))
        let pseudonymizer = try pseudonymizeKey.map { file throws(ReportError) in
            try Reports.pseudonymizer(keyFile: file, for: result, organizationFile: organization)
        }
        let run = EvidenceBundle.Manifest.Run(gateway: gateway, id: id, trigger: trigger, nextRunDue: nextRunDue.map { ISO8601DateFormatter().string(from: $0) })
        let bundle = try EvidenceBundle.export(auditDirectory: auditDirectory, signingKey: key, pseudonymizer: pseudonymizer, run: run, toolVersion: toolVersion)
        return try Spool(directory: spool).add(bundle, runID: id)
    }

    /// The first 16 hex digits of the SHA-256 of the audit's findings.json: what names a
    /// one-shot audit's run.
    static func contentSuffix(_ auditDirectory: String) -> String {
        let bytes = FileManager.default.contents(atPath: auditDirectory + "/findings.json") ?? Data()
        return "manual-" + SHA256.hash(data: bytes).prefix(8).map { String(format: "%02x", $0) }.joined()
    }
}
