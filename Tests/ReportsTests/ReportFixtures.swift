import Audit
import Foundation
import Geo
import Inventory
import Policy
import Reports
import TestSupport

/// Audits of the example gateway's configuration (no capture: these tests need findings, not
/// traffic), written to a temporary directory as `audit` would.
enum ReportFixtures {
    static let example = Corpus.packageRoot.appendingPathComponent("examples/gateway")

    /// `declaringTransfers: false` audits as if the organization file declared no data transfer.
    static func audit(root: String? = nil, declaringTransfers: Bool = true) throws -> AuditResult {
        let policies = try PolicySet.load(directory: Corpus.packageRoot.appendingPathComponent("policies"))
        let organizationPath = example.appendingPathComponent("organization.yaml").path
        var organization = try OrganizationProfile.load(contentsOf: URL(fileURLWithPath: organizationPath))
        if !declaringTransfers { organization.transfers = [] }
        let locator = GeoLocator(declared: organization.sites.flatMap { site in
            site.ranges.map { GeoLocator.DeclaredRange(range: AddressRange($0)!, site: site.name, country: site.country, source: site.definedAt) }
        })
        let tree = root ?? example.appendingPathComponent("snapshot").path
        let inventory = Inventory.collect(from: SystemView(.tree(root: tree)))
        return Auditor(policies: policies, organization: organization, locator: locator, asOf: PolicyDate("2026-11-24")!)
            .run(inventory: inventory, traffic: [],
                 inputs: [AuditResult.Input(path: tree, kind: "configuration tree", sha256: nil), .file(organizationPath, kind: "organization declarations")],
                 toolVersion: "test", now: Date(timeIntervalSince1970: 1_795_000_000))
    }

    /// An audit of an empty configuration tree: no circuit, no finding; by default no declared
    /// transfer either, else the example's transfers, each on no circuit.
    static func emptyAudit(declaringTransfers: Bool = false) throws -> AuditResult {
        let empty = temporaryDirectory()
        try FileManager.default.createDirectory(atPath: empty, withIntermediateDirectories: true)
        return try audit(root: empty, declaringTransfers: declaringTransfers)
    }

    static func temporaryDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("reports-\(UUID().uuidString)").path
    }

    /// Writes `result` as an audit directory and returns its path.
    static func directory(_ result: AuditResult) throws -> String {
        let directory = temporaryDirectory()
        _ = try result.write(to: directory)
        return directory
    }
}
