import Foundation
import Inventory
import TestSupport
import XCTest

final class BIRDCollectorTests: XCTestCase {
    static let bgp = """

        /* Uplinks */
        template bgp transit {
            local 198.51.100.2 as 65010;
            ipv4 { import all; export where net ~ [ 10.0.0.0/8+ ]; };
        }
        protocol bgp cn2 from transit {
            description "CN2 GIA to Hong Kong";
            neighbor 198.51.100.1 as 4809;
            password "bgp-md5-secret";
        }
        protocol bgp ibgp_peer {
            local as 65010;
            neighbor 10.0.0.2 port 1179 as 65010;  # iBGP
            multihop;
            ipv4 { import all; export all; };
        }
        """

    func testDebianBirdConfWithBGPProtocolsIsValidBIRDAndGivesHandOffs() throws {
        let text = try DebianSample.text("/etc/bird/bird.conf", package: "bird2")
            .replacingOccurrences(of: "include \"conf.d/*.conf\";", with: "") + Self.bgp
        let directory = try Scratch.directory()
        try text.write(toFile: directory + "/bird.conf", atomically: true, encoding: .utf8)
        // bird -p only parses the configuration: it exits non-zero on a syntax error.
        let bird = try RealTool.require("bird")
        let parsed = try ProcessRunner.run(bird, ["-p", "-c", directory + "/bird.conf"])
        XCTAssertEqual(parsed.status, 0, "the test config is real BIRD syntax: \(parsed.stderr)")

        let tree = try GatewayTree()
        try tree.write("/etc/bird/bird.conf", text)
        let inventory = Inventory.collect(from: tree.system, collectors: [BIRDCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        XCTAssertEqual(inventory.items.map(\.name), ["cn2", "ibgp_peer"])
        let cn2 = inventory.items[0]
        XCTAssertEqual(cn2.technology, "bgp")
        XCTAssertEqual(cn2.role, .handOff)
        XCTAssertEqual(cn2.remote, [NetworkEndpoint(host: "198.51.100.1", port: 179, transport: "tcp")])
        XCTAssertEqual(cn2.attributes["remote-as"], "4809")
        XCTAssertEqual(cn2.attributes["local-as"], "65010", "inherited from the template")
        XCTAssertEqual(cn2.attributes["description"], "CN2 GIA to Hong Kong")
        XCTAssertEqual(cn2.attributes["password"], "set")
        XCTAssertEqual(inventory.items[1].remote.first?.port, 1179)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self).contains("bgp-md5-secret"))
    }

    func testMalformedBirdWarns() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/bird/bird.conf", "protocol bgp a {\n  neighbor 192.0.2.1 as;\n}\nprotocol bgp b from nothere {\n neighbor 192.0.2.2 as 65002;\n}\n}\nprotocol bgp c {\n local as 1;\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [BIRDCollector()])
        for prefix in ["/etc/bird/bird.conf:2 (neighbor)", "/etc/bird/bird.conf:1:", "/etc/bird/bird.conf:4:", "/etc/bird/bird.conf:7:", "/etc/bird/bird.conf:8:"] {
            XCTAssertTrue(inventory.warningTexts.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(inventory.warningTexts)")
        }
        XCTAssertEqual(inventory.items.first { $0.name == "b" }?.remote.first?.host, "192.0.2.2")
    }
}

final class FRRCollectorTests: XCTestCase {
    /// An integrated frr.conf as `write memory` saves it (FRR user guide, BGP chapter).
    static let config = """
        frr version 8.4.4
        frr defaults traditional
        hostname gw
        !
        interface eth1
         description CN2 hand-off
         ip address 198.51.100.2/30
        exit
        !
        router bgp 65010
         bgp router-id 198.51.100.2
         neighbor UPSTREAM peer-group
         neighbor UPSTREAM remote-as 4134
         neighbor 198.51.100.1 remote-as 4809
         neighbor 198.51.100.1 description CN2 GIA
         neighbor 198.51.100.1 password frr-md5-secret
         neighbor 203.0.113.70 peer-group UPSTREAM
         neighbor eth2 interface remote-as external
         !
         address-family ipv4 unicast
          network 10.10.0.0/16
          neighbor 198.51.100.1 activate
         exit-address-family
        exit
        !
        """

    func testNeighborsWithRemoteASDescriptionPeerGroupsAndInterfaces() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/frr/frr.conf", Self.config)
        let inventory = Inventory.collect(from: tree.system, collectors: [FRRCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        XCTAssertEqual(inventory.items.count, 3)
        let cn2 = try XCTUnwrap(inventory.items.first { $0.remote.first?.host == "198.51.100.1" })
        XCTAssertEqual(cn2.role, .handOff)
        XCTAssertEqual(cn2.attributes["remote-as"], "4809")
        XCTAssertEqual(cn2.attributes["local-as"], "65010")
        XCTAssertEqual(cn2.attributes["description"], "CN2 GIA")
        XCTAssertEqual(cn2.interface, "eth1")
        XCTAssertEqual(cn2.attributes["advertised"], "10.10.0.0/16")
        XCTAssertTrue(cn2.sources.contains { $0.line == 14 })
        XCTAssertEqual(inventory.items.first { $0.remote.first?.host == "203.0.113.70" }?.attributes["remote-as"], "4134")
        XCTAssertEqual(inventory.items.first { $0.interface == "eth2" }?.attributes["remote-as"], "external")
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self).contains("frr-md5-secret"))
    }

    func testMalformedFRRWarns() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/frr/frr.conf", "router bgp 65010\n neighbor 192.0.2.1 remote-as many\n neighbor 192.0.2.2\n neighbor 192.0.2.3 peer-group NOPE\n neighbor 192.0.2.4 remote-as 65004\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [FRRCollector()])
        for prefix in ["/etc/frr/frr.conf:2", "/etc/frr/frr.conf:3", "/etc/frr/frr.conf:4:"] {
            XCTAssertTrue(inventory.warningTexts.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(inventory.warningTexts)")
        }
        XCTAssertEqual(inventory.items.first { $0.remote.first?.host == "192.0.2.4" }?.attributes["remote-as"], "65004")
    }
}
