import Audit
import Inventory
import XCTest

/// A gateway's live state (`ps`, `ss`) describes the programs behind its configured tunnels; it
/// must join those circuits, not add listener circuits that then need review. The shapes here
/// are what the lab's OpenVPN client and strongSwan gateways produced.
final class LiveStateCorrelationTests: XCTestCase {
    private let openVPNClient = ConfigItem(
        technology: "openvpn", role: .client, name: "hq", remote: [NetworkEndpoint(host: "203.0.113.10", port: 1194, transport: "udp")],
        sources: [SourceReference("/etc/openvpn/client/hq.conf", line: 5, key: "remote")])

    private func process(_ technology: String, pid: String, config: String? = nil) -> ConfigItem {
        var attributes = ["process": technology == "ipsec" ? "charon" : technology, "pid": pid]
        attributes["config"] = config
        return ConfigItem(technology: technology, role: .unknown, name: "\(technology) pid \(pid)", isUp: true, attributes: attributes,
                          sources: [SourceReference("ps -e -o pid= -o args=", line: 2)])
    }

    private func socket(_ technology: String, pid: String, port: UInt16) -> ConfigItem {
        ConfigItem(technology: technology, role: .server, name: "listening on 0.0.0.0:\(port)",
                   local: [NetworkEndpoint(host: "0.0.0.0", port: port, transport: "udp")], isUp: true,
                   attributes: ["process": technology, "pid": pid], sources: [SourceReference("ss -tunap", line: 4)])
    }

    func testAClientsProcessAndItsUnconnectedSocketJoinItsConfiguredCircuit() throws {
        let items = [openVPNClient, process("openvpn", pid: "65", config: "/etc/openvpn/client/hq.conf"), socket("openvpn", pid: "65", port: 43671)]
        let findings = try AuditFixtures.audit(items, organization: try AuditFixtures.organization())
        XCTAssertEqual(findings.map(\.category), [.c2], findings.map(\.circuitName).joined(separator: ", "))
    }

    /// Proxy clients of the newer protocols (Xray's VLESS, Hysteria, TUIC, Snell) and frp's reverse
    /// tunnels are channels abroad like any other, not inventory lines the audit passes over.
    func testEveryProxyAndReverseTunnelClientIsACircuitOfItsOwn() throws {
        let technologies = ["vless", "hysteria", "tuic", "snell", "frp"]
        let items = technologies.enumerated().map { index, technology in
            ConfigItem(technology: technology, role: .client, name: "\(technology) client",
                       remote: [NetworkEndpoint(host: "203.0.113.\(20 + index)", port: 443, transport: "tcp")],
                       sources: [SourceReference("/etc/\(technology)/config", line: 3)])
        }
        let findings = try AuditFixtures.audit(items, organization: try AuditFixtures.organization())
        XCTAssertEqual(findings.map(\.circuitName).sorted(), technologies.map { "\($0) client" }.sorted())
        XCTAssertEqual(Set(findings.map(\.category)), [.c2], "self-built channels abroad, none approved")
    }

    func testAProgramRunningAConfigurationNoFileDefinesStaysACircuitOfItsOwn() throws {
        let items = [openVPNClient, process("openvpn", pid: "70", config: "/tmp/other.conf"), socket("openvpn", pid: "70", port: 1194)]
        let findings = try AuditFixtures.audit(items, organization: try AuditFixtures.organization())
        XCTAssertEqual(findings.count, 2, "the unknown instance and its listener are one more circuit")
    }

    func testADaemonWithoutAConfigurationArgumentServesItsTechnologysConnections() throws {
        let tunnel = AuditFixtures.configuredTunnel("ipsec", interface: "hq", remote: "203.0.113.10")
        let items = [tunnel, process("ipsec", pid: "97"), socket("ipsec", pid: "97", port: 500), socket("ipsec", pid: "97", port: 4500)]
        let findings = try AuditFixtures.audit(items, organization: try AuditFixtures.organization())
        XCTAssertEqual(findings.map(\.category), [.c2])
    }

    func testADaemonWithNoConfiguredConnectionIsStillAListenerToReview() throws {
        let findings = try AuditFixtures.audit([process("ipsec", pid: "97"), socket("ipsec", pid: "97", port: 500)],
                                               organization: try AuditFixtures.organization())
        XCTAssertFalse(findings.isEmpty)
        XCTAssertTrue(findings.allSatisfy { $0.category == .c9 })
    }

    func testALoopbackInboundIsTheLocalEntryOfItsFilesOutboundButAPublicOneIsAListener() throws {
        let file = "/etc/v2ray/config.json"
        let outbound = ConfigItem(technology: "vmess", role: .client, name: "v2ray outbound 0",
                                  remote: [NetworkEndpoint(host: "203.0.113.10", port: 10086, transport: "tcp")],
                                  sources: [SourceReference(file, line: 4, key: "outbounds[0]")])
        func inbound(_ host: String) -> ConfigItem {
            ConfigItem(technology: "socks", role: .proxy, name: "v2ray inbound 0", local: [NetworkEndpoint(host: host, port: 1081, transport: "tcp")],
                       sources: [SourceReference(file, line: 3, key: "inbounds[0]")])
        }
        let organization = try AuditFixtures.organization()
        XCTAssertEqual(try AuditFixtures.audit([outbound, inbound("127.0.0.1")], organization: organization).map(\.category), [.c2])
        XCTAssertEqual(try AuditFixtures.audit([outbound, inbound("0.0.0.0")], organization: organization).count, 2)
    }
}
