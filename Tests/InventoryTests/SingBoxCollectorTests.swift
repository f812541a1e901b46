import Foundation
import Inventory
import XCTest

/// sing-box configurations as its documentation writes them: proxy outbounds, local and proxy
/// inbounds, a WireGuard endpoint, and the secrets none may keep.
final class SingBoxCollectorTests: XCTestCase {
    static let config = """
        {
          "log": {"level": "info"},
          "inbounds": [
            {"type": "mixed", "tag": "mixed-in", "listen": "0.0.0.0", "listen_port": 2080},
            {"type": "tun", "tag": "tun-in", "interface_name": "tun0", "address": ["172.19.0.1/30"], "auto_route": true},
            {"type": "shadowsocks", "tag": "ss-in", "listen": "::", "listen_port": 8388, "method": "2022-blake3-aes-128-gcm", "password": "c2VydmVyLXBhc3N3b3Jk"}
          ],
          "outbounds": [
            {
              "type": "vless",
              "tag": "jp-vless",
              "server": "203.0.113.50",
              "server_port": 443,
              "uuid": "bf000d23-0752-40b4-affe-68f7707a9661",
              "tls": {"enabled": true, "server_name": "jp.example.net"},
              "transport": {"type": "grpc", "service_name": "tun"}
            },
            {"type": "hysteria2", "tag": "us-hy2", "server": "198.51.100.60", "server_port": 8443, "password": "hy2-secret"},
            {"type": "shadowsocks", "tag": "hk-ss", "server": "hk.example.net", "server_port": 8388, "method": "aes-128-gcm", "password": "ss-secret"},
            {"type": "direct", "tag": "direct"},
            {"type": "selector", "tag": "proxy", "outbounds": ["jp-vless", "us-hy2"]}
          ],
          "endpoints": [
            {
              "type": "wireguard",
              "tag": "wg-office",
              "name": "wg0",
              "address": ["10.90.0.2/32"],
              "private_key": "YNXtAzepDqRv9H52osJVDQnznT5AL11eCK3uDJUmQR0=",
              "listen_port": 51822,
              "peers": [{"address": "192.0.2.70", "port": 51820, "public_key": "Z1XXLsKYkYxuiYjJIkRvtIKFepCYHTgON+GwPq7SOV4=", "allowed_ips": ["10.90.0.0/24"]}]
            }
          ]
        }
        """

    func testOutboundsInboundsAndWireGuardPeersAreItemsWithoutSecrets() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/sing-box/config.json", Self.config)
        let inventory = Inventory.collect(from: tree.system, collectors: [SingBoxCollector()])
        XCTAssertEqual(inventory.warnings, [])
        XCTAssertEqual(inventory.items.map(\.name).sorted(), [
            "sing-box endpoint wg-office peer Z1XXLsKY", "sing-box inbound mixed-in", "sing-box inbound ss-in", "sing-box outbound hk-ss",
            "sing-box outbound jp-vless", "sing-box outbound us-hy2",
        ])
        let vless = try XCTUnwrap(inventory.items("vless").first)
        XCTAssertEqual(vless.remote, [NetworkEndpoint(host: "203.0.113.50", port: 443, transport: "tcp")])
        XCTAssertEqual(vless.attributes["server-name"], "jp.example.net")
        XCTAssertEqual(vless.attributes["network"], "grpc")
        XCTAssertEqual(vless.sources, [SourceReference("/etc/sing-box/config.json", line: 10, key: "outbounds[0]")])
        XCTAssertEqual(inventory.items("hysteria").first?.remote, [NetworkEndpoint(host: "198.51.100.60", port: 8443, transport: "udp")])
        let mixed = try XCTUnwrap(inventory.items.first { $0.name == "sing-box inbound mixed-in" })
        XCTAssertEqual(mixed.role, .proxy)
        XCTAssertEqual(mixed.local, [NetworkEndpoint(host: "0.0.0.0", port: 2080, transport: "tcp")])
        let server = try XCTUnwrap(inventory.items.first { $0.name == "sing-box inbound ss-in" })
        XCTAssertEqual(server.role, .server)
        XCTAssertEqual(server.technology, "shadowsocks")
        let wireGuard = try XCTUnwrap(inventory.items("wireguard").first)
        XCTAssertEqual(wireGuard.remote, [NetworkEndpoint(host: "192.0.2.70", port: 51820, transport: "udp")])
        XCTAssertEqual(wireGuard.role, .siteToSite)
        XCTAssertEqual(wireGuard.interface, "wg0")

        let secrets = ["c2VydmVyLXBhc3N3b3Jk", "bf000d23-0752-40b4-affe-68f7707a9661", "hy2-secret", "ss-secret", "YNXtAzepDqRv9H52osJVDQnznT5AL11eCK3uDJUmQR0="]
        try SecretChecks.assertKept(secrets, by: SingBoxCollector(), in: tree, inventory: inventory, files: ["/etc/sing-box/config.json"])
    }

    func testMistakesWarnWithFileLineAndKeyAndTheRestIsRead() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/sing-box/config.json", """
            {
              "outbounds": [
                {"tag": "untyped"},
                {"type": "trojan", "tag": "no-server", "server_port": 443},
                {"type": "vmess", "tag": "no-port", "server": "192.0.2.9"},
                {"type": "trojan", "tag": "ok", "server": "192.0.2.10", "server_port": 443}
              ]
            }
            """)
        try tree.write("/etc/sing-box/broken.json", "{\n  \"outbounds\": [\n    {\"type\": \"vless\",\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [SingBoxCollector()])
        let warnings = inventory.warningTexts
        for expected in ["/etc/sing-box/config.json (outbounds[0])", "/etc/sing-box/config.json:4 (outbounds[1])",
                         "/etc/sing-box/config.json:5 (outbounds[2].server_port)", "/etc/sing-box/broken.json:"] {
            XCTAssertTrue(warnings.contains { $0.hasPrefix(expected) }, "\(expected) in \(warnings)")
        }
        XCTAssertEqual(inventory.items("trojan").map(\.name), ["sing-box outbound ok"])
        XCTAssertEqual(inventory.items("vmess").first?.remote, [NetworkEndpoint(host: "192.0.2.9", transport: "tcp")])
    }
}
