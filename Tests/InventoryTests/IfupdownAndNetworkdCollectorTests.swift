import Foundation
import Inventory
import XCTest

/// ifupdown's interfaces(5) and systemd-networkd's systemd.netdev(5) tunnel definitions.
final class IfupdownAndNetworkdCollectorTests: XCTestCase {
    static let interfaces = """
        # The loopback network interface
        auto lo
        iface lo inet loopback

        auto eth0
        iface eth0 inet static
            address 198.51.100.2/24
            gateway 198.51.100.1

        source /etc/network/interfaces.d/*

        # GRE to the carrier's hand-off router
        auto gre1
        iface gre1 inet tunnel
            mode gre
            endpoint 203.0.113.90
            local 198.51.100.2
            address 10.255.0.1
            netmask 255.255.255.252
            dstaddr 10.255.0.2
            ttl 64

        auto he-ipv6
        iface he-ipv6 inet6 tunnel
            mode sit
            endpoint 203.0.113.91
            address 2001:db8:1f0a::2
            netmask 64
        """

    static let overlays = """
        auto vx100
        iface vx100 inet manual
            pre-up ip link add $IFACE type vxlan id 100 nolearning remote 203.0.113.92 \\
                local 198.51.100.2 dstport 4789 dev eth0
            up ip link set $IFACE up
            down ip link del $IFACE

        auto gnv0
        iface gnv0 inet manual
            pre-up /sbin/ip link add name gnv0 type geneve id 7 remote 203.0.113.93; ip link set gnv0 mtu 1450

        auto wg0
        iface wg0 inet static
            address 10.70.0.1/24
            pre-up ip link add dev wg0 type wireguard
            pre-up wg setconf wg0 /etc/wireguard/wg0.conf

        auto tun9
        iface tun9 inet manual
            up ip tunnel add tun9 mode ipip remote 203.0.113.94 local 198.51.100.2 ttl 64
        """

    func testIfupdownTunnelsAndHookCommandsAreItemsWithFileAndLine() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/network/interfaces", Self.interfaces)
        try tree.write("/etc/network/interfaces.d/overlays", Self.overlays)
        let inventory = Inventory.collect(from: tree.system, collectors: [IfupdownCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")

        let gre = try XCTUnwrap(inventory.items("gre").first)
        XCTAssertEqual(gre.name, "gre1")
        XCTAssertEqual(gre.role, .siteToSite)
        XCTAssertEqual(gre.remote, [NetworkEndpoint(host: "203.0.113.90")])
        XCTAssertEqual(gre.local, [NetworkEndpoint(host: "198.51.100.2")])
        XCTAssertEqual(gre.attributes["ttl"], "64")
        XCTAssertTrue(gre.sources.contains(SourceReference("/etc/network/interfaces", line: 14, key: "iface gre1")))
        XCTAssertTrue(gre.sources.contains(SourceReference("/etc/network/interfaces", line: 16, key: "endpoint")))
        let sit = try XCTUnwrap(inventory.items("ip-in-ip").first { $0.name == "he-ipv6" })
        XCTAssertEqual(sit.remote.first?.host, "203.0.113.91")
        XCTAssertEqual(sit.attributes["family"], "inet6")

        let overlays = "/etc/network/interfaces.d/overlays"
        let vxlan = try XCTUnwrap(inventory.items("vxlan").first)
        XCTAssertEqual(vxlan.name, "vx100")
        XCTAssertEqual(vxlan.remote, [NetworkEndpoint(host: "203.0.113.92", port: 4789, transport: "udp")])
        XCTAssertEqual(vxlan.local.first?.host, "198.51.100.2")
        XCTAssertEqual(vxlan.attributes["id"], "100")
        XCTAssertEqual(vxlan.sources.first, SourceReference(overlays, line: 3, key: "pre-up"))
        XCTAssertEqual(inventory.items("geneve").first?.remote.first, NetworkEndpoint(host: "203.0.113.93", port: 6081, transport: "udp"))
        XCTAssertEqual(inventory.items("wireguard").first?.interface, "wg0")
        let ipip = try XCTUnwrap(inventory.items("ip-in-ip").first { $0.name == "tun9" })
        XCTAssertEqual(ipip.remote.first?.host, "203.0.113.94")
        XCTAssertEqual(ipip.sources.first, SourceReference(overlays, line: 20, key: "up"))
    }

    func testIfupdownMistakesWarnWithFileAndLineAndTheRestIsRead() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/network/interfaces", """
            address 10.0.0.1
            iface broken
            iface gre2 inet tunnel
                endpoint 203.0.113.95
            iface gre3 inet tunnel
                mode banana
                endpoint 203.0.113.96
            iface vx1 inet manual
                pre-up ip link add vx1 type vxlan id 1 dstport notaport remote 203.0.113.97
                pre-up ip link add vx2 type vxlan id 2
            iface gre4 inet tunnel
                mode gre
                endpoint 203.0.113.98
            """)
        let inventory = Inventory.collect(from: tree.system, collectors: [IfupdownCollector()])
        let warnings = inventory.warningTexts
        let file = "/etc/network/interfaces"
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(file):1:") && $0.contains("outside an iface") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(file):2:") && $0.contains("address family") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(file):3:") && $0.contains("without a mode") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(file):6 (mode)") && $0.contains("banana") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(file):9 (pre-up)") && $0.contains("notaport") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("\(file):10 (pre-up)") && $0.contains("without a remote") }, "\(warnings)")
        XCTAssertEqual(inventory.items("gre").map(\.name), ["gre4"])
    }

    static let netdevs = [
        ("25-vx42.netdev", "[NetDev]\nName=vx42\nKind=vxlan\n\n[VXLAN]\nVNI=42\nRemote=203.0.113.100\nLocal=198.51.100.2\nDestinationPort=4789\n"),
        ("25-gre.netdev", "[NetDev]\nName=gre-isp\nKind=gre\n\n[Tunnel]\nLocal=198.51.100.2\nRemote=203.0.113.101\nTTL=64\n"),
        ("25-sit.netdev", "# 6in4 broker\n[NetDev]\nName=sit-he\nKind=sit\nMTUBytes=1480\n\n[Tunnel]\nLocal=any\nRemote=203.0.113.102\n"),
        ("25-l2tp.netdev", "[NetDev]\nName=l2tp-carrier\nKind=l2tp\n\n[L2TP]\nTunnelId=10\nPeerTunnelId=11\nUDPSourcePort=3000\nUDPDestinationPort=4000\nLocal=198.51.100.2\nRemote=203.0.113.103\nEncapsulationType=udp\n\n[L2TPSession]\nName=l2tp-ses1\nSessionId=15\nPeerSessionId=16\n"),
        ("25-br0.netdev", "[NetDev]\nName=br0\nKind=bridge\n"),
        ("25-xfrm.netdev", "[NetDev]\nName=xfrm7\nKind=xfrm\n\n[Xfrm]\nInterfaceId=7\n"),
    ]

    func testNetdevTunnelsAndWireGuardPeersAreItemsWithoutKeys() throws {
        let tree = try GatewayTree()
        for (file, text) in Self.netdevs { try tree.write("/etc/systemd/network/" + file, text) }
        let privateKey = try RealTool.run("wg", ["genkey"])
        let psk = try RealTool.run("wg", ["genpsk"])
        let peer = try RealTool.run("wg", ["pubkey"], input: try RealTool.run("wg", ["genkey"]))
        try tree.write("/etc/systemd/network/30-wg0.netdev", """
            [NetDev]
            Name=wg0
            Kind=wireguard

            [WireGuard]
            PrivateKey=\(privateKey)
            ListenPort=51820

            [WireGuardPeer]
            PublicKey=\(peer)
            PresharedKey=\(psk)
            AllowedIPs=10.80.0.0/16,192.168.80.0/24
            AllowedIPs=fd80::/64
            Endpoint=[2001:db8::80]:51820
            """)
        let inventory = Inventory.collect(from: tree.system, collectors: [SystemdNetworkdCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let vxlan = try XCTUnwrap(inventory.items("vxlan").first)
        XCTAssertEqual(vxlan.remote, [NetworkEndpoint(host: "203.0.113.100", port: 4789, transport: "udp")])
        XCTAssertEqual(vxlan.attributes["vni"], "42")
        XCTAssertTrue(vxlan.sources.contains(SourceReference("/etc/systemd/network/25-vx42.netdev", line: 7, key: "Remote")))
        XCTAssertEqual(inventory.items("gre").first?.name, "gre-isp")
        let sit = try XCTUnwrap(inventory.items("ip-in-ip").first)
        XCTAssertEqual(sit.remote.first?.host, "203.0.113.102")
        XCTAssertTrue(sit.local.isEmpty, "Local=any is no address")
        let l2tp = try XCTUnwrap(inventory.items("l2tp").first)
        XCTAssertEqual(l2tp.remote, [NetworkEndpoint(host: "203.0.113.103", port: 4000, transport: "udp")])
        XCTAssertEqual(inventory.items("ipsec").first?.attributes["if_id"], "7")
        XCTAssertTrue(inventory.items.allSatisfy { $0.name != "br0" })

        let wireGuard = try XCTUnwrap(inventory.items("wireguard").first)
        XCTAssertEqual(wireGuard.remote, [NetworkEndpoint(host: "2001:db8::80", port: 51820, transport: "udp")])
        XCTAssertEqual(wireGuard.networks, ["10.80.0.0/16", "192.168.80.0/24", "fd80::/64"])
        XCTAssertEqual(wireGuard.attributes["preshared-key"], "set")
        let json = String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self)
        XCTAssertFalse(json.contains(privateKey))
        XCTAssertFalse(json.contains(psk))
        let out = try Scratch.directory() + "/snapshot"
        try Snapshot.write(from: tree.system, collectors: [SystemdNetworkdCollector()], to: out, toolVersion: "test")
        let snapshot = GatewayTree.text(under: out)
        XCTAssertFalse(snapshot.contains(privateKey))
        XCTAssertFalse(snapshot.contains(psk))
    }

    func testNetdevMistakesWarnWithFileAndLineAndTheRestIsRead() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/systemd/network/10-bad.netdev", """
            [NetDev]
            Name=vx9
            Kind=vxlan
            garbage line
            [VXLAN]
            VNI=9
            DestinationPort=huge
            """)
        try tree.write("/etc/systemd/network/11-nokind.netdev", "[NetDev]\nName=x\n")
        try tree.write("/etc/systemd/network/12-wg.netdev", "[NetDev]\nName=wg9\nKind=wireguard\n\n[WireGuardPeer]\nPublicKey=abc\nEndpoint=nohostport\n")
        try tree.write("/etc/systemd/network/25-vx42.netdev", Self.netdevs[0].1)
        let inventory = Inventory.collect(from: tree.system, collectors: [SystemdNetworkdCollector()])
        let warnings = inventory.warningTexts
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/systemd/network/10-bad.netdev:4:") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/systemd/network/10-bad.netdev:7 (DestinationPort)") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/systemd/network/10-bad.netdev:5:") && $0.contains("Remote=") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/systemd/network/11-nokind.netdev:1:") && $0.contains("Kind=") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/systemd/network/12-wg.netdev:7 (Endpoint)") }, "\(warnings)")
        XCTAssertEqual(inventory.items("vxlan").map(\.name).sorted(), ["vx42", "vx9"])
        XCTAssertEqual(inventory.items("wireguard").first?.name, "wg9 peer abc")
    }
}
