import Foundation
@testable import Inventory
import TestSupport
import XCTest

/// Netplan's tunnels (netplan(5) YAML), checked against what `netplan generate` itself renders
/// them into for systemd-networkd.
final class NetplanCollectorTests: XCTestCase {
    private struct Keys {
        var privateKey: String
        var peer: String
        var presharedKey: String
    }

    private func keys() throws -> Keys {
        Keys(privateKey: try RealTool.run("wg", ["genkey"]), peer: try RealTool.run("wg", ["pubkey"], input: try RealTool.run("wg", ["genkey"])),
             presharedKey: try RealTool.run("wg", ["genpsk"]))
    }

    private func tunnels(_ keys: Keys) -> String {
        """
        # Tunnels to the carrier, the IPv6 broker and the overseas office.
        network:
          version: 2
          renderer: networkd
          ethernets:
            eth0:
              addresses: [198.51.100.2/24]
          tunnels:
            he-ipv6:
              mode: sit
              remote: 203.0.113.91
              local: 198.51.100.2
              addresses: ["2001:db8:1f0a::2/64"]
            gre-carrier:
              mode: gre
              remote: 203.0.113.90
              local: 198.51.100.2
              ttl: 64
              keys:
                input: 1234
                output: 5678
            vx42:
              mode: vxlan
              id: 42
              remote: 203.0.113.100
              local: 198.51.100.2
              port: 4789
            wg0:
              mode: wireguard
              port: 51820
              key:
                private: \(keys.privateKey)
              addresses: [10.80.0.1/24]
              peers:
                - keys: {public: \(keys.peer), shared: \(keys.presharedKey)}
                  allowed-ips: [10.80.0.0/16, "192.168.80.0/24"]
                  endpoint: 203.0.113.80:51820
                  keepalive: 25
        """
    }

    func testTunnelsAndWireGuardPeersAreItemsWithTheirLinesAndNoKeys() throws {
        let keys = try keys()
        let tree = try GatewayTree()
        try tree.write("/etc/netplan/50-tunnels.yaml", tunnels(keys))
        let inventory = Inventory.collect(from: tree.system, collectors: [NetplanCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        XCTAssertEqual(inventory.items.map(\.name).sorted(), ["gre-carrier", "he-ipv6", "vx42", "wg0 peer \(keys.peer.prefix(8))"])
        let sit = try XCTUnwrap(inventory.items("ip-in-ip").first)
        XCTAssertEqual(sit.remote, [NetworkEndpoint(host: "203.0.113.91")])
        XCTAssertEqual(sit.role, .siteToSite)
        XCTAssertTrue(sit.sources.contains(SourceReference("/etc/netplan/50-tunnels.yaml", line: 11, key: "network.tunnels.he-ipv6.remote")))
        let gre = try XCTUnwrap(inventory.items("gre").first)
        XCTAssertEqual(gre.attributes["inputkey"], "1234")
        XCTAssertEqual(gre.local, [NetworkEndpoint(host: "198.51.100.2")])
        let vxlan = try XCTUnwrap(inventory.items("vxlan").first)
        XCTAssertEqual(vxlan.remote, [NetworkEndpoint(host: "203.0.113.100", port: 4789, transport: "udp")])
        XCTAssertEqual(vxlan.attributes["vni"], "42")
        let wireGuard = try XCTUnwrap(inventory.items("wireguard").first)
        XCTAssertEqual(wireGuard.remote, [NetworkEndpoint(host: "203.0.113.80", port: 51820, transport: "udp")])
        XCTAssertEqual(wireGuard.local, [NetworkEndpoint(host: "*", port: 51820, transport: "udp")])
        XCTAssertEqual(wireGuard.networks, ["10.80.0.0/16", "192.168.80.0/24"])
        XCTAssertEqual(wireGuard.role, .siteToSite)
        XCTAssertEqual(wireGuard.attributes["preshared-key"], "set")
        XCTAssertEqual(wireGuard.attributes["persistent-keepalive"], "25")

        let snapshot = try SecretChecks.assertKept([keys.privateKey, keys.presharedKey], by: NetplanCollector(), in: tree, inventory: inventory,
                                                   files: ["/etc/netplan/50-tunnels.yaml"])
        XCTAssertTrue(snapshot.contains(keys.peer), "a public key is no secret")
    }

    /// netplan(8) renders the same YAML into `.netdev` files; the systemd-networkd collector
    /// must find in those the tunnels this collector finds in the YAML.
    func testTheTunnelsAreTheOnesNetplanRendersForNetworkd() throws {
        let netplan = try RealTool.require("netplan")
        let tree = try GatewayTree()
        try tree.write("/etc/netplan/50-tunnels.yaml", tunnels(try keys()))
        chmod(tree.root + "/etc/netplan/50-tunnels.yaml", 0o600)
        let generated = try ProcessRunner.run(netplan, ["generate", "--root-dir", tree.root])
        XCTAssertEqual(generated.status, 0, generated.stderr)
        let rendered = try FileManager.default.contentsOfDirectory(atPath: tree.root + "/run/systemd/network").filter { $0.hasSuffix(".netdev") }
        XCTAssertEqual(rendered.count, 4, "\(rendered)")
        let networkd = SystemdNetworkdCollector()
        let fromNetdevs = try rendered.flatMap { file in
            networkd.parse(try Scratch.read(tree.root + "/run/systemd/network/" + file), path: file).items
        }
        let fromYAML = Inventory.collect(from: tree.system, collectors: [NetplanCollector()]).items
        func summary(_ items: [ConfigItem]) -> [String] {
            items.map { "\($0.technology) \($0.name) \($0.role) \($0.local) \($0.remote) \($0.networks) \($0.attributes["vni"] ?? "")" }.sorted()
        }
        XCTAssertEqual(summary(fromYAML), summary(fromNetdevs))
    }

    func testMistakesWarnWithFileLineAndKeyAndTheRestIsRead() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/netplan/60-mistakes.yaml", """
            network:
              version: 2
              tunnels:
                nomode:
                  remote: 203.0.113.1
                odd:
                  mode: carrier-pigeon
                vx9:
                  mode: vxlan
                  id: 9
                  remote: 203.0.113.9
                  port: huge
                wg9:
                  mode: wireguard
                  peers:
                    - keys: {public: abc}
                      endpoint: nohostport
            """)
        try tree.write("/etc/netplan/70-broken.yaml", "network:\n  tunnels:\n    gre1: [mode: gre\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [NetplanCollector()])
        let warnings = inventory.warningTexts
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/netplan/60-mistakes.yaml:5 (network.tunnels.nomode)") && $0.contains("without mode") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/netplan/60-mistakes.yaml:7 (network.tunnels.odd.mode)") && $0.contains("carrier-pigeon") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/netplan/60-mistakes.yaml:12 (network.tunnels.vx9.port)") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/netplan/60-mistakes.yaml:17 (network.tunnels.wg9.peers[0].endpoint)") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/netplan/70-broken.yaml:") && $0.contains("not valid YAML") }, "\(warnings)")
        XCTAssertEqual(inventory.items("vxlan").first?.remote, [NetworkEndpoint(host: "203.0.113.9", port: 4789, transport: "udp")])
        XCTAssertEqual(inventory.items("wireguard").first?.name, "wg9 peer abc")
    }
}
