import Audit
import Inventory
import Policy
import XCTest

/// Each rule of DOMAIN.md §6 at its boundary: the condition just met, and just missed.
final class ClassificationTests: XCTestCase {
    func testSelfBuiltTunnelToAnOffshorePeerIsC2AndJustMissesWhenTheCircuitIsApproved() throws {
        let organization = try AuditFixtures.organization()
        let selfBuilt = try AuditFixtures.audit([AuditFixtures.configuredTunnel(remote: "203.0.113.7")], organization: organization)
        XCTAssertEqual(selfBuilt.first?.category, .c2)
        XCTAssertEqual(selfBuilt.first?.rule, "R-C2-1")
        XCTAssertEqual(selfBuilt.first?.severity, .high)

        let approved = try AuditFixtures.audit([AuditFixtures.configuredTunnel("gre", interface: "gre-ctg", remote: "192.0.2.70")], organization: organization)
        XCTAssertEqual(approved.first?.category, .c1, "an approved CTG circuit with a China Telecom leg is C1")
        XCTAssertEqual(approved.first?.rule, "R-C1-1")
        XCTAssertFalse(approved.first!.flags.contains { $0.flag == .noUserFile })
    }

    func testHongKongMacauAndTaiwanEndsAreCrossBorder() throws {
        let organization = try AuditFixtures.organization()
        let findings = try AuditFixtures.audit([AuditFixtures.configuredTunnel(remote: "192.0.2.70")], organization: organization)
        XCTAssertEqual(findings.first?.category, .c2, "a self-built tunnel to Hong Kong is cross-border")
    }

    func testTunnelBetweenTwoMainlandSitesIsC0() throws {
        let findings = try AuditFixtures.audit([AuditFixtures.configuredTunnel("gre", interface: "gre-bj", remote: "192.0.2.10")],
                                               organization: try AuditFixtures.organization())
        XCTAssertEqual(findings.first?.category, .c0)
        XCTAssertEqual(findings.first?.severity, .info)
    }

    func testApprovedCircuitWithoutUserFileRaisesNoUserFile() throws {
        let extra = """

              - id: CUG-2
                carrier: China Unicom Global
                china_leg: China Unicom
                carrier_circuit_id: CUG-0002
                permitted_use: internal office use only
                match: {interfaces: [gre-cug]}
            """
        let text = AuditFixtures.organizationText.replacingOccurrences(of: "\nthresholds:", with: extra + "\nthresholds:")
        let organization = try OrganizationProfile.parse(text, file: "organization.yaml")
        let finding = try XCTUnwrap(AuditFixtures.audit([AuditFixtures.configuredTunnel("gre", interface: "gre-cug", remote: "192.0.2.80")], organization: organization).first)
        XCTAssertEqual(finding.category, .c1)
        XCTAssertEqual(finding.flags.map(\.flag), [.noUserFile])
        XCTAssertEqual(finding.flags.first?.rule, "R-DOC-1")
    }

    func testChinaLegByANonCarrierIsNotC1() throws {
        let text = AuditFixtures.organizationText.replacingOccurrences(of: "china_leg: China Telecom", with: "china_leg: CITIC Networks")
        let organization = try OrganizationProfile.parse(text, file: "organization.yaml")
        let finding = try XCTUnwrap(AuditFixtures.audit([AuditFixtures.configuredTunnel("gre", interface: "gre-ctg", remote: "192.0.2.70")], organization: organization).first)
        XCTAssertNotEqual(finding.category, .c1)
    }

    func testUndeclaredFarEndNeedsReview() throws {
        let finding = try XCTUnwrap(AuditFixtures.audit([AuditFixtures.configuredTunnel(remote: "198.18.0.9")], organization: try AuditFixtures.organization()).first)
        XCTAssertEqual(finding.category, .c9)
        XCTAssertEqual(finding.rule, "R-C9-1")
        XCTAssertTrue(finding.trace.contains { $0.rule == "R-C2-1" && !$0.matched })
    }

    func testTraceListsEveryRuleInOrderAndSaysWhy() throws {
        let finding = try XCTUnwrap(AuditFixtures.audit([AuditFixtures.configuredTunnel(remote: "203.0.113.7")], organization: try AuditFixtures.organization()).first)
        XCTAssertEqual(finding.trace.map(\.rule).prefix(6), ["R-C5-1", "R-C6-2", "R-C6-1", "R-C4-1", "R-C2-2", "R-C2-1"])
        let c2 = try XCTUnwrap(finding.trace.first { $0.rule == "R-C2-1" })
        XCTAssertTrue(c2.matched)
        XCTAssertTrue(c2.because.contains("cross_border: yes"), c2.because)
        XCTAssertTrue(finding.evidence.contains { $0.predicate == "cross_border" && $0.sources.contains { $0.contains("organization") || $0.contains("Frankfurt") } })
        XCTAssertTrue(finding.disclaimer.en.contains("For legal review"))
    }
}
