import Foundation
import Inventory
import XCTest

/// NetworkManager keyfiles as nm-settings-keyfile(5) writes them (GKeyFile groups, `;`-ended
/// lists), with WireGuard keys made by the real `wg`.
final class NetworkManagerCollectorTests: XCTestCase {
    static let directory = "/etc/NetworkManager/system-connections/"

    static let openVPN = """
        [connection]
        id=office-ovpn
        uuid=2b0f5c8e-6f1e-4c55-9b1a-3c1b8a1e6f01
        type=vpn
        autoconnect=false

        [vpn]
        ca=/etc/openvpn/office/ca.crt
        connection-type=password-tls
        remote=vpn1.office.example:1194, 203.0.113.80:443:tcp
        password-flags=0
        service-type=org.freedesktop.NetworkManager.openvpn
        username=gw

        [vpn-secrets]
        password=nm-Ovpn-Secret-31
        cert-pass=nm-Cert-Secret-32

        [ipv4]
        method=auto
        never-default=true
        route1=10.50.0.0/16,10.8.0.1

        [ipv6]
        method=ignore

        [proxy]
        """

    static let strongSwan = """
        [connection]
        id=hq-ipsec
        uuid=4c0e1a52-1d7a-4b8d-8f2e-0d0b4c2d5e11
        type=vpn

        [vpn]
        address=hq.partner.example
        method=psk
        virtual=yes
        service-type=org.freedesktop.NetworkManager.strongswan

        [vpn-secrets]
        password=nm-Psk-Secret-33
        """

    static let others = [
        ("l2tp.nmconnection", "[connection]\nid=l2tp-lns\ntype=vpn\n\n[vpn]\ngateway=203.0.113.81\nipsec-enabled=yes\nipsec-psk=nm-L2tp-Psk-34\nservice-type=org.freedesktop.NetworkManager.l2tp\n", "l2tp", "203.0.113.81"),
        ("pptp.nmconnection", "[connection]\nid=pptp-old\ntype=vpn\n\n[vpn]\ngateway=203.0.113.82\nuser=gw\nservice-type=org.freedesktop.NetworkManager.pptp\n", "pptp", "203.0.113.82"),
        ("ac.nmconnection", "[connection]\nid=anyconnect\ntype=vpn\n\n[vpn]\ngateway=vpn.partner.example\nprotocol=anyconnect\nservice-type=org.freedesktop.NetworkManager.openconnect\n", "anyconnect", "vpn.partner.example"),
        ("forti.nmconnection", "[connection]\nid=forti\ntype=vpn\n\n[vpn]\ngateway=203.0.113.83:10443\nservice-type=org.freedesktop.NetworkManager.fortisslvpn\n", "fortinet-sslvpn", "203.0.113.83"),
        ("gre.nmconnection", "[connection]\nid=gre-carrier\ntype=ip-tunnel\ninterface-name=gre1\n\n[ip-tunnel]\nlocal=198.51.100.2\nmode=2\nremote=203.0.113.84\nttl=64\n", "gre", "203.0.113.84"),
        ("ipip.nmconnection", "[connection]\nid=ipip1\ntype=ip-tunnel\ninterface-name=ipip1\n\n[ip-tunnel]\nmode=ipip\nremote=203.0.113.85\n", "ip-in-ip", "203.0.113.85"),
        ("vx.nmconnection", "[connection]\nid=vxlan42\ntype=vxlan\ninterface-name=vx42\n\n[vxlan]\nid=42\nlocal=198.51.100.2\nremote=203.0.113.86\ndestination-port=4789\n", "vxlan", "203.0.113.86"),
    ]

    static func wireGuard() throws -> (text: String, secrets: [String], peer: String) {
        let privateKey = try RealTool.run("wg", ["genkey"])
        let peer = try RealTool.run("wg", ["pubkey"], input: try RealTool.run("wg", ["genkey"]))
        let psk = try RealTool.run("wg", ["genpsk"])
        let text = """
            [connection]
            id=wg-hk
            type=wireguard
            interface-name=wg-hk

            [wireguard]
            listen-port=51821
            private-key=\(privateKey)

            [wireguard-peer.\(peer)]
            endpoint=203.0.113.87:51820
            preshared-key=\(psk)
            preshared-key-flags=0
            allowed-ips=10.90.0.0/16;192.168.90.0/24;
            persistent-keepalive=25

            [ipv4]
            address1=10.90.0.2/32
            method=manual
            """
        return (text, [privateKey, psk], peer)
    }

    func testEveryConnectionTypeIsAnItemWithItsFarEndAndSourceLine() throws {
        let tree = try GatewayTree()
        try tree.write(Self.directory + "office.nmconnection", Self.openVPN)
        try tree.write(Self.directory + "hq.nmconnection", Self.strongSwan)
        for (file, text, _, _) in Self.others { try tree.write(Self.directory + file, text) }
        try tree.write(Self.directory + "eth0.nmconnection", "[connection]\nid=eth0\ntype=ethernet\n\n[ipv4]\nmethod=auto\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [NetworkManagerCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")

        let openVPN = try XCTUnwrap(inventory.items("openvpn").first)
        XCTAssertEqual(openVPN.name, "office-ovpn")
        XCTAssertEqual(openVPN.role, .client)
        XCTAssertEqual(openVPN.remote, [NetworkEndpoint(host: "vpn1.office.example", port: 1194, transport: "udp"),
                                        NetworkEndpoint(host: "203.0.113.80", port: 443, transport: "tcp")])
        XCTAssertEqual(openVPN.networks, ["10.50.0.0/16"])
        XCTAssertEqual(openVPN.attributes["ipv4-never-default"], "true")
        XCTAssertTrue(openVPN.sources.contains(SourceReference(Self.directory + "office.nmconnection", line: 10, key: "remote")))

        let ipsec = try XCTUnwrap(inventory.items("ipsec").first)
        XCTAssertEqual(ipsec.remote.first?.host, "hq.partner.example")
        for (_, _, technology, remote) in Self.others {
            XCTAssertTrue(inventory.items(technology).contains { $0.remote.first?.host == remote }, "\(technology) to \(remote)")
        }
        let gre = try XCTUnwrap(inventory.items("gre").first)
        XCTAssertEqual(gre.interface, "gre1")
        XCTAssertEqual(gre.attributes["mode"], "gre")
        XCTAssertEqual(gre.local.first?.host, "198.51.100.2")
        XCTAssertEqual(inventory.items("vxlan").first?.remote.first?.port, 4789)
        XCTAssertEqual(inventory.items("vxlan").first?.attributes["vni"], "42")
        XCTAssertEqual(inventory.items("fortinet-sslvpn").first?.remote.first?.port, 10443)
        XCTAssertEqual(inventory.items.count, 9, "the ethernet profile is not a channel")
    }

    func testWireGuardPeersAreItemsAndNoSecretReachesItemsOrSnapshot() throws {
        let tree = try GatewayTree()
        let wireGuard = try Self.wireGuard()
        try tree.write(Self.directory + "wg-hk.nmconnection", wireGuard.text)
        try tree.write(Self.directory + "office.nmconnection", Self.openVPN)
        try tree.write(Self.directory + "hq.nmconnection", Self.strongSwan)
        try tree.write(Self.directory + "l2tp.nmconnection", Self.others[0].1)
        let inventory = Inventory.collect(from: tree.system, collectors: [NetworkManagerCollector()])
        let peer = try XCTUnwrap(inventory.items("wireguard").first)
        XCTAssertEqual(peer.remote, [NetworkEndpoint(host: "203.0.113.87", port: 51820, transport: "udp")])
        XCTAssertEqual(peer.networks, ["10.90.0.0/16", "192.168.90.0/24"])
        XCTAssertEqual(peer.local.first?.port, 51821)
        XCTAssertEqual(peer.role, .siteToSite)
        XCTAssertEqual(peer.attributes["public-key"], wireGuard.peer)
        XCTAssertEqual(peer.attributes["preshared-key"], "set")

        let secrets = wireGuard.secrets + ["nm-Ovpn-Secret-31", "nm-Cert-Secret-32", "nm-Psk-Secret-33", "nm-L2tp-Psk-34"]
        let json = String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self)
        let out = try Scratch.directory() + "/snapshot"
        try Snapshot.write(from: tree.system, collectors: [NetworkManagerCollector()], to: out, toolVersion: "test")
        let snapshot = GatewayTree.text(under: out)
        for secret in secrets {
            XCTAssertFalse(json.contains(secret), "\(secret) in the inventory")
            XCTAssertFalse(snapshot.contains(secret), "\(secret) in the snapshot")
        }
        let reread = Inventory.collect(from: SystemView(.tree(root: out)), collectors: [NetworkManagerCollector()])
        XCTAssertEqual(reread.items, inventory.items)
    }

    func testMalformedKeyfilesWarnWithFileAndLineAndTheRestIsRead() throws {
        let tree = try GatewayTree()
        try tree.write(Self.directory + "broken.nmconnection", """
            [connection]
            id=broken
            type=vpn
            this is not a key file line
            [vpn
            [vpn]
            remote=vpn.example.net:notaport
            service-type=org.freedesktop.NetworkManager.openvpn
            """)
        try tree.write(Self.directory + "notype.nmconnection", "[connection]\nid=x\n")
        try tree.write(Self.directory + "badmode.nmconnection", "[connection]\nid=t\ntype=ip-tunnel\n\n[ip-tunnel]\nmode=42\nremote=203.0.113.9\n")
        try tree.write(Self.directory + "vx.nmconnection", Self.others[6].1)
        let inventory = Inventory.collect(from: tree.system, collectors: [NetworkManagerCollector()])
        let warnings = inventory.warningTexts
        let broken = Self.directory + "broken.nmconnection"
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(broken):4:") && $0.contains("not a [group]") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(broken):5:") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(broken):7 (remote)") && $0.contains("notaport") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix(Self.directory + "notype.nmconnection:1") && $0.contains("type=") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix(Self.directory + "badmode.nmconnection:6 (mode)") && $0.contains("42") }, "\(warnings)")
        // The broken VPN is still an item (without the bad remote), and the good file is read.
        XCTAssertEqual(inventory.items("openvpn").first?.name, "broken")
        XCTAssertEqual(inventory.items("vxlan").first?.remote.first?.host, "203.0.113.86")
    }
}
