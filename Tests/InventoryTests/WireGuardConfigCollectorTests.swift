import Inventory
import XCTest

final class WireGuardConfigCollectorTests: XCTestCase {
    /// A wg-quick client config with keys made by the real `wg genkey` / `wg pubkey` / `wg genpsk`.
    private func clientConfig() throws -> (text: String, secrets: [String], peerPublicKey: String) {
        let privateKey = try RealTool.run("wg", ["genkey"])
        let peerPrivate = try RealTool.run("wg", ["genkey"])
        let peerPublic = try RealTool.run("wg", ["pubkey"], input: peerPrivate)
        let preshared = try RealTool.run("wg", ["genpsk"])
        let text = """
            [Interface]
            PrivateKey = \(privateKey)
            Address = 10.8.0.2/24, fd00:8::2/64
            DNS = 10.8.0.1

            [Peer]
            PublicKey = \(peerPublic)
            PresharedKey = \(preshared)
            AllowedIPs = 0.0.0.0/0, ::/0
            Endpoint = vpn.example.net:51820
            PersistentKeepalive = 25
            """
        return (text, [privateKey, preshared], peerPublic)
    }

    func testClientPeerIsFoundWithEndpointAllowedIPsAndSourceLines() throws {
        let tree = try GatewayTree()
        let config = try clientConfig()
        try tree.write("/etc/wireguard/wg0.conf", config.text)
        let inventory = Inventory.collect(from: tree.system, collectors: [WireGuardConfigCollector()])
        let item = try XCTUnwrap(inventory.items("wireguard").first)
        XCTAssertEqual(item.role, .client)
        XCTAssertEqual(item.remote, [NetworkEndpoint(host: "vpn.example.net", port: 51820, transport: "udp")])
        XCTAssertEqual(item.networks, ["0.0.0.0/0", "::/0"])
        XCTAssertEqual(item.interface, "wg0")
        XCTAssertEqual(item.attributes["public-key"], config.peerPublicKey)
        XCTAssertTrue(item.sources.contains(SourceReference("/etc/wireguard/wg0.conf", line: 10, key: "Endpoint")))
        XCTAssertTrue(inventory.warnings.isEmpty)
    }

    func testNoKeyEverReachesAnItem() throws {
        let tree = try GatewayTree()
        let config = try clientConfig()
        try tree.write("/etc/wireguard/wg0.conf", config.text)
        let json = String(decoding: try JSONEncoder().encode(Inventory.collect(from: tree.system)), as: UTF8.self)
        for secret in config.secrets { XCTAssertFalse(json.contains(secret)) }
    }

    func testServerWithPeersWithoutEndpointsIsAServer() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/wireguard/wg1.conf", """
            [Interface]
            ListenPort = 51820
            PrivateKey = \(try RealTool.run("wg", ["genkey"]))

            [Peer]
            PublicKey = \(try RealTool.run("wg", ["pubkey"], input: try RealTool.run("wg", ["genkey"])))
            AllowedIPs = 10.9.0.2/32
            """)
        let item = try XCTUnwrap(Inventory.collect(from: tree.system).items("wireguard").first)
        XCTAssertEqual(item.role, .server)
        XCTAssertEqual(item.local.first?.port, 51820)
    }

    func testMalformedLinesWarnWithFileAndLineAndTheRestIsRead() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/wireguard/broken.conf", """
            [Interface]
            ListenPort = banana
            this line is nonsense
            [Peer
            [Peer]
            PublicKey = abc
            Endpoint = 203.0.113.7:notaport
            AllowedIPs = 10.0.0.0/8
            """)
        let inventory = Inventory.collect(from: tree.system, collectors: [WireGuardConfigCollector()])
        let warnings = inventory.warnings.map(\.description)
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/wireguard/broken.conf:2 (ListenPort)") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/wireguard/broken.conf:3") })
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/wireguard/broken.conf:4") })
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/wireguard/broken.conf:7 (Endpoint)") })
        XCTAssertEqual(inventory.items("wireguard").first?.networks, ["10.0.0.0/8"])
    }
}
