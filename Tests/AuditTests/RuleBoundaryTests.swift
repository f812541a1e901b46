import Audit
import Capture
import Detection
import Flows
import Inventory
import Packets
import Policy
import Traffic
import XCTest

/// The rules that depend on traffic, listeners, suppliers and other entities, each just met and
/// just missed.
final class RuleBoundaryTests: XCTestCase {
    private func listener() -> ConfigItem {
        ConfigItem(technology: "wireguard", role: .server, name: "wg1 peer x", local: [NetworkEndpoint(host: "*", port: 51821, transport: "udp")],
                   interface: "wg1", sources: [SourceReference("/etc/wireguard/wg1.conf", line: 4, key: "ListenPort")])
    }

    /// `count` outside addresses each opening a WireGuard session to the listener.
    private func inboundSessions(_ count: Int) -> TrafficSummary {
        let flows = (0..<count).map { index in
            AnalyzedFlow(record: FlowRecord(
                id: UInt64(index + 1), ipProtocol: .udp, vlan: nil, source: IPAddress(ipv4: 0x2D40_0000 + UInt32(index)), sourcePort: 40000,
                destination: IPAddress("198.51.100.2")!, destinationPort: 51821, forward: DirectionCounters(packets: 1, bytes: 190),
                reverse: DirectionCounters(packets: 1, bytes: 134), firstSeen: Timestamp(seconds: 1_700_000_000), lastSeen: Timestamp(seconds: 1_700_000_001),
                endReason: .endOfCapture),
                tunnel: TunnelVerdict(.wireguard, confidence: .confirmed, evidence: "handshake"))
        }
        return TrafficSummary(source: "test.pcap", linkType: .ethernet, flows: flows, capture: CaptureStatisticsFixture.empty,
                              table: FlowTableStatistics(), frames: FrameStatistics(), error: nil)
    }

    private func audit(_ items: [ConfigItem], traffic: [TrafficSummary] = [], organization: OrganizationProfile) throws -> [Finding] {
        let auditor = Auditor(policies: try AuditFixtures.policies, organization: organization, locator: AuditFixtures.locator(organization),
                              asOf: PolicyDate("2026-11-24")!)
        return auditor.run(inventory: Inventory(items: items), traffic: traffic, inputs: [], toolVersion: "test").findings
    }

    func testListenerWithMoreExternalSourcesThanTheThresholdIsServiceToOthers() throws {
        let organization = try AuditFixtures.organization()  // threshold 10
        let eleven = try audit([listener()], traffic: [inboundSessions(11)], organization: organization)
        XCTAssertEqual(eleven.first?.category, .c5)
        XCTAssertEqual(eleven.first?.severity, .critical)
        let ten = try audit([listener()], traffic: [inboundSessions(10)], organization: organization)
        XCTAssertNotEqual(ten.first?.category, .c5, "exactly the threshold is not more than it")
    }

    func testNATOfAnUndeclaredNetworkTowardATunnelIsServiceToOthers() throws {
        let organization = try AuditFixtures.organization()
        let tunnel = AuditFixtures.configuredTunnel(remote: "203.0.113.7")
        let nat = ConfigItem(technology: "nat", role: .forwarding, name: "masquerade", networks: ["10.99.0.0/24"], interface: "wg0",
                             attributes: ["out-interface": "wg0"], sources: [SourceReference("nft -j list ruleset", key: "[3]")])
        XCTAssertEqual(try audit([tunnel, nat], organization: organization).first?.category, .c5)
        var own = nat
        own.networks = ["10.1.0.0/24"]  // inside the declared Shanghai office
        XCTAssertEqual(try audit([tunnel, own], organization: organization).first?.category, .c2)
    }

    func testOtherEntitysPrefixesMakeASubleaseAndAffiliatesOnlyAReview() throws {
        let tunnel = AuditFixtures.configuredTunnel("gre", interface: "gre-partner", remote: "203.0.113.20")
        let partner = try AuditFixtures.organization("""

            other_entities:
              - {name: Partner Co., affiliate: false, prefixes: [10.50.0.0/16], match: {interfaces: [gre-partner]}}
            """)
        XCTAssertEqual(try audit([tunnel], organization: partner).first?.category, .c6)
        let affiliate = try AuditFixtures.organization("""

            other_entities:
              - {name: Example GmbH, affiliate: true, prefixes: [10.40.0.0/16], match: {interfaces: [gre-partner]}}
            """)
        let finding = try XCTUnwrap(audit([tunnel], organization: affiliate).first)
        XCTAssertEqual(finding.category, .c9)
        XCTAssertEqual(finding.rule, "R-C6-2")
        XCTAssertTrue(finding.flags.contains { $0.flag == .affiliateTraffic })
    }

    func testDataCentreLinkServingThirdPartiesIsC4ButAnInternalOneIsNot() throws {
        let base = AuditFixtures.organizationText.replacingOccurrences(of: "approved_circuits:", with: """
              - {name: Shanghai DC, country: CN, kind: datacenter, ranges: [198.51.100.32/27]}
              - {name: Singapore DC, country: SG, kind: datacenter, ranges: [203.0.113.64/27], public_services: [203.0.113.80]}
            approved_circuits:
            """)
        let organization = try OrganizationProfile.parse(base, file: "organization.yaml")
        var link = AuditFixtures.configuredTunnel("vxlan", interface: "vx-dc", remote: "203.0.113.70")
        link.local = [NetworkEndpoint(host: "198.51.100.40")]
        XCTAssertEqual(try audit([link], organization: organization).first?.category, .c4)
        let internalOnly = try OrganizationProfile.parse(base.replacingOccurrences(of: ", public_services: [203.0.113.80]", with: ""), file: "organization.yaml")
        XCTAssertEqual(try audit([link], organization: internalOnly).first?.category, .c2, "R-C4-2: an internal DC link falls through")
    }

    func testSupplierWithoutInternationalLicenceIsC3AndWithOneIsNot() throws {
        let tunnel = AuditFixtures.configuredTunnel("vxlan", interface: "vx-sdwan", remote: "203.0.113.9")
        func supplier(_ licences: String, foreign: Bool = true) throws -> OrganizationProfile {
            try AuditFixtures.organization("""

                suppliers:
                  - name: FastLink
                    foreign: \(foreign)
                    licences: [\(licences)]
                    contract: {reference: MSA-1, compliance_on_customer: true}
                    match: {interfaces: [vx-sdwan]}
                """)
        }
        let unlicensed = try XCTUnwrap(audit([tunnel], organization: supplier("")).first)
        XCTAssertEqual(unlicensed.category, .c3)
        XCTAssertEqual(unlicensed.flags.first { $0.flag == .supplierRisk }?.rule, "R-SUP-1")
        let domesticOnly = try XCTUnwrap(audit([tunnel], organization: supplier("B13", foreign: false)).first)
        XCTAssertEqual(domesticOnly.rule, "R-C3-2")
        let licensed = try XCTUnwrap(audit([tunnel], organization: supplier("A14-1", foreign: false)).first)
        XCTAssertNotEqual(licensed.category, .c3)
        XCTAssertTrue(licensed.flags.contains { $0.flag == .supplierRisk && $0.rule == "R-SUP-3" }, "the contract still pushes compliance onto the customer")
    }

    func testEmployeeDeviceTunnelToAConsumerServiceIsRemoteAccessAndCircumvention() throws {
        let organization = try AuditFixtures.organization()
        let flow = AnalyzedFlow(record: FlowRecord(
            id: 1, ipProtocol: .tcp, vlan: nil, source: IPAddress("10.1.0.50")!, sourcePort: 51000, destination: IPAddress("203.0.113.9")!,
            destinationPort: 443, forward: DirectionCounters(packets: 4, bytes: 600), reverse: DirectionCounters(packets: 4, bytes: 900),
            firstSeen: Timestamp(seconds: 1_700_000_000), lastSeen: Timestamp(seconds: 1_700_000_009), endReason: .endOfCapture),
            tunnel: TunnelVerdict(.vpnService, product: "NordVPN", confidence: .likely, evidence: "SNI nl1.nordvpn.com"))
        let summary = TrafficSummary(source: "t.pcap", linkType: .ethernet, flows: [flow], capture: CaptureStatisticsFixture.empty,
                                     table: FlowTableStatistics(), frames: FrameStatistics(), error: nil)
        let finding = try XCTUnwrap(audit([], traffic: [summary], organization: organization).first)
        XCTAssertEqual(finding.category, .c2)
        XCTAssertEqual(finding.rule, "R-C2-2")
        XCTAssertEqual(finding.confidence, .low)
        XCTAssertEqual(Set(finding.flags.map(\.flag)), [.remoteAccess, .circumvention])
    }

    func testBGPHandOffToACarrierASNWithoutADeclaredCircuitIsASNOnlyEvidence() throws {
        let organization = try AuditFixtures.organization()
        let bgp = ConfigItem(technology: "bgp", role: .handOff, name: "neighbor 198.51.100.10", remote: [NetworkEndpoint(host: "198.51.100.10")],
                             interface: "eth3", attributes: ["remote-as": "4809"], sources: [SourceReference("/etc/frr/frr.conf", line: 12)])
        let finding = try XCTUnwrap(audit([bgp], organization: organization).first)
        XCTAssertTrue(finding.flags.contains { $0.flag == .asnOnlyEvidence })
        var unknown = bgp
        unknown.attributes["remote-as"] = "64999"
        XCTAssertFalse(try XCTUnwrap(audit([unknown], organization: organization).first).flags.contains { $0.flag == .asnOnlyEvidence })
    }

    func testWaiverHoldsUntilItsExpiryAndTheFindingComesBackAfter() throws {
        let tunnel = AuditFixtures.configuredTunnel(remote: "203.0.113.7")
        let id = try XCTUnwrap(audit([tunnel], organization: AuditFixtures.organization()).first).circuitID
        let waived = try AuditFixtures.organization("""

            waivers:
              - {circuit: \(id), rule: R-C2-1, justification: interim, approver: GC, date: 2026-01-01, expires: 2026-11-24}
            """)
        let auditor = { (date: String) in
            Auditor(policies: try AuditFixtures.policies, organization: waived, locator: AuditFixtures.locator(waived), asOf: PolicyDate(date)!)
        }
        let onExpiry = try auditor("2026-11-24").run(inventory: Inventory(items: [tunnel]), traffic: [], inputs: [], toolVersion: "t")
        XCTAssertEqual(onExpiry.findings.first?.waiver?.active, true)
        XCTAssertTrue(onExpiry.openFindings(atLeast: .high).isEmpty)
        let dayAfter = try auditor("2026-11-25").run(inventory: Inventory(items: [tunnel]), traffic: [], inputs: [], toolVersion: "t")
        XCTAssertEqual(dayAfter.findings.first?.waiver?.active, false)
        XCTAssertEqual(dayAfter.openFindings(atLeast: .high).count, 1)
    }
}

enum CaptureStatisticsFixture {
    static let empty = CaptureStatistics(packetsRead: 0)
}
