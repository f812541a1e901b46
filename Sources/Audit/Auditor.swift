import Crypto
import Foundation
import Geo
import Inventory
import Policy
import Traffic

/// The audit: circuits from the evidence, each classified against the rule pack.
public struct Auditor: Sendable {
    public var policies: PolicySet
    public var organization: OrganizationProfile?
    public var locator: GeoLocator
    public var asOf: PolicyDate

    public init(policies: PolicySet, organization: OrganizationProfile?, locator: GeoLocator, asOf: PolicyDate) {
        self.policies = policies
        self.organization = organization
        self.locator = locator
        self.asOf = asOf
    }

    public func run(inventory: Inventory, traffic: [TrafficSummary], inputs: [AuditResult.Input], toolVersion: String, now: Date = Date()) -> AuditResult {
        let circuits = CircuitCorrelator(locator: locator, organization: organization).circuits(inventory: inventory, traffic: traffic)
        let engine = RuleEngine(rules: policies.rules)
        let findings = circuits.map { circuit in
            engine.classify(CircuitFacts(circuit: circuit, organization: organization, operators: policies.operators), organization: organization, asOf: asOf)
        }
        return AuditResult(
            schemaVersion: AuditResult.currentSchemaVersion, toolVersion: toolVersion,
            generatedAt: ISO8601DateFormatter().string(from: now), asOf: asOf.description,
            organization: organization?.legalEntity, policies: policies.files + (organization.map { [$0.header] } ?? []),
            inputs: inputs, warnings: inventory.warnings.map(\.description), circuits: circuits, findings: findings)
    }
}

/// `findings.json`: the audit's output, under `schemas/findings.schema.json` (version 1).
public struct AuditResult: Sendable, Codable, Equatable {
    public static let currentSchemaVersion = 1

    public struct Input: Sendable, Codable, Equatable {
        public var path: String
        public var kind: String
        public var sha256: String?

        public init(path: String, kind: String, sha256: String?) {
            self.path = path
            self.kind = kind
            self.sha256 = sha256
        }

        /// The input with the SHA-256 of its bytes (nil for a directory or an unreadable file).
        public static func file(_ path: String, kind: String) -> Input {
            let digest = FileManager.default.contents(atPath: path).map { data in
                SHA256.hash(data: data).map { String(format: "%02x", $0) }.joined()
            }
            return Input(path: path, kind: kind, sha256: digest)
        }
    }

    public var schemaVersion: Int
    public var toolVersion: String
    public var generatedAt: String
    public var asOf: String
    public var organization: String?
    public var policies: [PolicyFileHeader]
    public var inputs: [Input]
    public var warnings: [String]
    public var circuits: [Circuit]
    public var findings: [Finding]

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", toolVersion = "tool_version", generatedAt = "generated_at", asOf = "as_of", organization,
             policies, inputs, warnings, circuits, findings
    }

    /// Findings at or above `severity` that no active waiver covers.
    public func openFindings(atLeast severity: Severity) -> [Finding] {
        findings.filter { $0.severity >= severity && $0.waiver?.active != true }
    }

    /// Writes `findings.json` (0600) into `directory` (created 0700).
    public func write(to directory: String) throws -> String {
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let path = directory + "/findings.json"
        let data = try encoder.encode(self)
        // Write beside, then rename: a reader never sees a half-written file.
        let temporary = path + ".tmp"
        guard FileManager.default.createFile(atPath: temporary, contents: data, attributes: [.posixPermissions: 0o600]) else {
            throw CocoaError(.fileWriteNoPermission, userInfo: [NSFilePathErrorKey: path])
        }
        if rename(temporary, path) != 0 { throw CocoaError(.fileWriteUnknown, userInfo: [NSFilePathErrorKey: path]) }
        return path
    }
}
