import Crypto
import DataExport
import FileSupport
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
        var findings = circuits.map { circuit in
            engine.classify(CircuitFacts(circuit: circuit, organization: organization, operators: policies.operators), organization: organization, asOf: asOf)
        }

        // Data export: a question separate from the circuit's category (R-DX-0). Each circuit
        // gets the assessments of the transfers declared on it and the candidates seen on it.
        var evaluation = DataExportEvaluator(policy: policies.dataExport, asOf: asOf).evaluate(organization)
        let exports = DataExportAudit(policy: policies.dataExport, organization: organization, operators: policies.operators, locator: locator, asOf: asOf)
        let candidates = exports.candidates(traffic: traffic, circuits: circuits)
        evaluation.candidatesWithoutCircuit = candidates.filter { $0.circuit == nil }.map(\.value)
        let carried = circuits.map(exports.transferIndices(on:))
        for (index, transfers) in carried.enumerated() {
            for transfer in transfers { evaluation.transfers[transfer].circuits.append(circuits[index].id) }
        }
        for index in circuits.indices {
            let section = exports.section(transfers: carried[index].map { evaluation.transfers[$0] },
                                          candidates: candidates.filter { $0.circuit == index }.map(\.value))
            if let section { findings[index].attach(section, policy: policies) }
        }
        return AuditResult(
            schemaVersion: AuditResult.currentSchemaVersion, toolVersion: toolVersion,
            generatedAt: Self.generatedAt(now), asOf: asOf.description,
            organization: organization?.legalEntity, policies: policies.files + (organization.map { [$0.header] } ?? []),
            inputs: inputs, warnings: inventory.warnings.map(\.description), circuits: circuits, findings: findings, dataExport: evaluation)
    }

    /// An audit's time, RFC 3339 UTC to the millisecond: it is what tells two audits of an
    /// unchanged gateway apart, so two runs in one second must not share it.
    static func generatedAt(_ now: Date) -> String { now.formatted(Date.ISO8601FormatStyle(includingFractionalSeconds: true)) }
}

extension Finding {
    /// Adds the data-export section and sets F_DATA_EXPORT's severity from its gap: the flag
    /// the rule pack raised for declared transfers, or one for undeclared candidates.
    mutating func attach(_ section: CircuitDataExport, policy: PolicySet) {
        dataExport = section
        if let index = flags.firstIndex(where: { $0.flag == .dataExport }) {
            flags[index].severity = section.severity
        } else {
            flags.append(FlagFinding(flag: .dataExport, label: CircuitFlag.dataExport.label, rule: "R-DX-CANDIDATE", severity: section.severity,
                                     rationale: section.rationale, action: section.action, citations: section.citations))
            flags.sort { $0.flag.rawValue < $1.flag.rawValue }
        }
        let categorySeverity = policy.rules.rules.first { $0.id == rule }?.severity ?? .medium
        severity = ([categorySeverity] + flags.map(\.severity)).max()!
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

        /// The input with the SHA-256 of its bytes (nil for a directory, a FIFO or device, or an
        /// unreadable file). Read in pieces: a capture may be larger than memory.
        public static func file(_ path: String, kind: String) -> Input {
            guard (try? FileReader.kind(of: path)) == .regular, let handle = FileHandle(forReadingAtPath: path) else {
                return Input(path: path, kind: kind, sha256: nil)
            }
            defer { try? handle.close() }
            var hasher = SHA256()
            while let chunk = try? handle.read(upToCount: 1 << 20), !chunk.isEmpty { hasher.update(data: chunk) }
            return Input(path: path, kind: kind, sha256: hasher.finalize().map { String(format: "%02x", $0) }.joined())
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
    /// The cross-border data-export evaluation: processor, counts, every declared transfer,
    /// and candidates on no circuit. Each finding carries the part that concerns its circuit.
    public var dataExport: DataExportEvaluation?

    enum CodingKeys: String, CodingKey {
        case schemaVersion = "schema_version", toolVersion = "tool_version", generatedAt = "generated_at", asOf = "as_of", organization,
             policies, inputs, warnings, circuits, findings, dataExport = "data_export"
    }

    /// Findings at or above `severity` that no active waiver covers.
    public func openFindings(atLeast severity: Severity) -> [Finding] {
        findings.filter { $0.severity >= severity && $0.waiver?.active != true }
    }

    /// Writes `findings.json` (0600, atomically) into `directory` (created 0700); the error
    /// names the file or directory and the system's reason.
    public func write(to directory: String) throws -> String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let data = try encoder.encode(self)
        try Directories.create(directory)
        let path = FilePath(directory).appending("findings.json").string
        try AtomicFile.write(data, to: path)
        return path
    }
}
