import Audit
import Foundation
import Geo
import Inventory
import Policy
import TestSupport

/// The shipped policies and a small organization, for rule tests.
enum AuditFixtures {
    static var policies: PolicySet {
        get throws { try PolicySet.load(directory: Corpus.packageRoot.appendingPathComponent("policies")) }
    }

    static let organizationText = """
        version: 1
        as_of: 2026-11-01
        sources: ["test declarations"]
        organization:
          legal_entity: Example Trading (Shanghai) Co., Ltd.
          affiliates: [Example GmbH]
        sites:
          - {name: Shanghai gateway, country: CN, kind: gateway, ranges: [198.51.100.0/28]}
          - {name: Shanghai office, country: CN, kind: office, ranges: [10.1.0.0/16]}
          - {name: Beijing office, country: CN, kind: office, ranges: [192.0.2.0/26]}
          - {name: Hong Kong office, country: HK, kind: office, ranges: [192.0.2.64/26]}
          - {name: Frankfurt HQ, country: DE, kind: office, ranges: [203.0.113.0/26]}
        approved_circuits:
          - id: CTG-1
            carrier: China Telecom Global
            china_leg: China Telecom
            carrier_circuit_id: CTG-IPLC-0001
            user_file: {reference: CTG-UF-0001, date: 2025-01-10}
            permitted_use: internal office use only
            match: {interfaces: [gre-ctg]}
        thresholds: {external_sources: 10}
        """

    static func organization(_ extra: String = "") throws -> OrganizationProfile {
        try OrganizationProfile.parse(organizationText + extra, file: "organization.yaml")
    }

    static func locator(_ organization: OrganizationProfile) -> GeoLocator {
        GeoLocator(declared: organization.sites.flatMap { site in
            site.ranges.map { GeoLocator.DeclaredRange(range: AddressRange($0)!, site: site.name, country: site.country, source: site.definedAt) }
        })
    }

    /// A circuit as the correlator would build it from one configured tunnel.
    static func configuredTunnel(_ technology: String = "wireguard", interface: String = "wg0", remote: String, role: ConfigItem.Role = .siteToSite,
                                 networks: [String] = []) -> ConfigItem {
        ConfigItem(technology: technology, role: role, name: interface, remote: [NetworkEndpoint(host: remote, port: 51820, transport: "udp")],
                   networks: networks, interface: interface, sources: [SourceReference("/etc/wireguard/\(interface).conf", line: 5, key: "Endpoint")])
    }

    /// Classifies the circuits of `inventory` with the shipped rules.
    static func audit(_ items: [ConfigItem], organization: OrganizationProfile, asOf: String = "2026-11-24") throws -> [Finding] {
        let auditor = Auditor(policies: try policies, organization: organization, locator: locator(organization), asOf: PolicyDate(asOf)!)
        return auditor.run(inventory: Inventory(items: items), traffic: [], inputs: [], toolVersion: "test").findings
    }
}
