import Foundation
import Inventory
import XCTest

final class L2TPAndPPTPCollectorTests: XCTestCase {
    func testDebianXL2TPDSampleGivesTheLNSPoolAndTheLACPeer() throws {
        var sample = try DebianSample.text("/etc/xl2tpd/xl2tpd.conf", package: "xl2tpd")
        sample = DebianSample.enabling(sample, ["[global]", "port = 1701", "[lns default]", "ip range = 192.168.0.1-192.168.0.20", "local ip = 192.168.1.2",
                                                "require chap = yes", "[lac marko]", "lns = lns.marko.net"])
        let tree = try GatewayTree()
        try tree.write("/etc/xl2tpd/xl2tpd.conf", sample)
        let inventory = Inventory.collect(from: tree.system, collectors: [XL2TPDCollector()])
        let server = try XCTUnwrap(inventory.items.first { $0.role == .server })
        XCTAssertEqual(server.technology, "l2tp")
        XCTAssertEqual(server.local.first?.port, 1701)
        XCTAssertEqual(server.networks, ["192.168.0.1-192.168.0.20"])
        XCTAssertEqual(server.attributes["local ip"], "192.168.1.2")
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let client = try XCTUnwrap(inventory.items.first { $0.role == .client })
        XCTAssertEqual(client.name, "marko")
        XCTAssertEqual(client.remote, [NetworkEndpoint(host: "lns.marko.net", port: 1701, transport: "udp")])
    }

    func testMalformedXL2TPDWarnsAndKeepsTheRest() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/xl2tpd/xl2tpd.conf", "[global]\nport = seventeen\n[lac office]\nredial = yes\n[lac hk]\nlns = 203.0.113.9\ngarbage line\n[weird]\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [XL2TPDCollector()])
        let warnings = inventory.warningTexts
        for prefix in ["/etc/xl2tpd/xl2tpd.conf:2 (port)", "/etc/xl2tpd/xl2tpd.conf:3:", "/etc/xl2tpd/xl2tpd.conf:7:", "/etc/xl2tpd/xl2tpd.conf:8:"] {
            XCTAssertTrue(warnings.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(warnings)")
        }
        XCTAssertEqual(inventory.items.first { $0.name == "hk" }?.remote.first?.host, "203.0.113.9")
    }

    func testDebianPPTPDSampleWithAddressesEnabled() throws {
        let sample = DebianSample.enabling(try DebianSample.text("/etc/pptpd.conf", package: "pptpd"),
                                           ["localip 192.168.0.1", "remoteip 192.168.0.234-238,192.168.0.245"])
        let tree = try GatewayTree()
        try tree.write("/etc/pptpd.conf", sample)
        let inventory = Inventory.collect(from: tree.system, collectors: [PPTPDCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let item = try XCTUnwrap(inventory.items("pptp").first)
        XCTAssertEqual(item.role, .server)
        XCTAssertEqual(item.local, [NetworkEndpoint(host: "*", port: 1723, transport: "tcp")])
        XCTAssertEqual(item.attributes["localip"], "192.168.0.1")
        XCTAssertEqual(item.networks, ["192.168.0.234-238", "192.168.0.245"])
        XCTAssertEqual(item.attributes["option"], "/etc/ppp/pptpd-options")
    }

    func testPPPPeerRunningPPTPIsAClientAndPPPoEIsAHandOff() throws {
        let tree = try GatewayTree()
        // As pptp(8) and the pptp-linux peer examples write a peer file.
        try tree.write("/etc/ppp/peers/hkvpn", """
            # written by pptpsetup
            pty "pptp vpn.hk.example.com --nolaunchpppd"
            name gwuser
            remotename PPTP
            require-mppe-128
            file /etc/ppp/options.pptp
            ipparam hkvpn
            password SuperSecretPPP
            """)
        try tree.write("/etc/ppp/peers/dsl-provider", "noipdefault\nusepeerdns\ndefaultroute\nplugin rp-pppoe.so eth0\nuser \"isp-login\"\n")
        try tree.write("/etc/ppp/peers/broken", "pty \"pptp --loglevel 1\"\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [PPPPeersCollector()])
        let pptp = try XCTUnwrap(inventory.items("pptp").first { $0.name == "hkvpn" })
        XCTAssertEqual(pptp.role, .client)
        XCTAssertEqual(pptp.remote, [NetworkEndpoint(host: "vpn.hk.example.com", port: 1723, transport: "tcp")])
        XCTAssertEqual(pptp.attributes["remotename"], "PPTP")
        XCTAssertEqual(inventory.items("pppoe").first?.role, .handOff)
        XCTAssertTrue(inventory.warningTexts.contains { $0.hasPrefix("/etc/ppp/peers/broken:1 (pty)") }, "\(inventory.warningTexts)")
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self).contains("SuperSecretPPP"))
    }
}
