import Foundation
import Inventory
import XCTest

/// Clash and mihomo configurations as their documentation writes them: block and one-line
/// proxies, listeners, a provider with its cached server list, and the secrets none may keep.
final class ClashCollectorTests: XCTestCase {
    static let config = """
        # Office egress through the provider's servers
        mixed-port: 7890
        socks-port: 7891
        allow-lan: true
        bind-address: "*"
        mode: rule
        log-level: info
        external-controller: 127.0.0.1:9090
        proxies:
          - name: "hk-ss"
            type: ss
            server: 203.0.113.10
            port: 8388
            cipher: chacha20-ietf-poly1305
            password: "s3cret-ss-password"
          - {name: jp-vmess, type: vmess, server: jp.example.net, port: 443, uuid: 8b3a1f52-5c3e-4f7e-9d5b-0a1b2c3d4e5f, alterId: 0, cipher: auto, tls: true, network: ws}
          - {name: sg-trojan, type: trojan, server: 198.51.100.20, port: 443, password: trojan-pass, sni: sg.example.net}
          - {name: us-hy2, type: hysteria2, server: 192.0.2.30, port: 8443, password: hy2-pass}
          - {name: lan-direct, type: direct}
        proxy-providers:
          airport:
            type: http
            url: "https://sub.example.org/api/v1/client/subscribe?token=0123456789abcdef"
            interval: 3600
            path: ./providers/airport.yaml
        proxy-groups:
          - {name: PROXY, type: select, proxies: [hk-ss, jp-vmess, sg-trojan]}
        rules:
          - GEOIP,CN,DIRECT
          - MATCH,PROXY
        """

    static let provider = """
        proxies:
          - {name: "us-vless", type: vless, server: 192.0.2.40, port: 443, uuid: 11111111-2222-3333-4444-555555555555, network: grpc, tls: true}
        """

    func testProxiesListenersAndCachedProvidersAreItemsWithoutSecrets() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/mihomo/config.yaml", Self.config)
        try tree.write("/etc/mihomo/providers/airport.yaml", Self.provider)
        let inventory = Inventory.collect(from: tree.system, collectors: [ClashCollector()])
        XCTAssertEqual(inventory.items.map(\.name).sorted(), [
            "mihomo mixed-port", "mihomo proxy hk-ss", "mihomo proxy jp-vmess", "mihomo proxy sg-trojan", "mihomo proxy us-hy2",
            "mihomo proxy us-vless", "mihomo socks-port",
        ])
        let shadowsocks = try XCTUnwrap(inventory.items("shadowsocks").first)
        XCTAssertEqual(shadowsocks.remote, [NetworkEndpoint(host: "203.0.113.10", port: 8388, transport: "tcp")])
        XCTAssertEqual(shadowsocks.role, .client)
        XCTAssertEqual(shadowsocks.sources, [SourceReference("/etc/mihomo/config.yaml", line: 10, key: "proxies[0]")])
        let vmess = try XCTUnwrap(inventory.items("vmess").first)
        XCTAssertEqual(vmess.remote.first?.host, "jp.example.net")
        XCTAssertEqual(vmess.attributes["network"], "ws")
        XCTAssertEqual(vmess.attributes["tls"], "true")
        XCTAssertEqual(inventory.items("trojan").first?.attributes["server-name"], "sg.example.net")
        XCTAssertEqual(inventory.items("hysteria").first?.remote, [NetworkEndpoint(host: "192.0.2.30", port: 8443, transport: "udp")])
        XCTAssertEqual(inventory.items("vless").first?.sources.first?.location, "/etc/mihomo/providers/airport.yaml")
        let mixed = try XCTUnwrap(inventory.items.first { $0.name == "mihomo mixed-port" })
        XCTAssertEqual(mixed.local, [NetworkEndpoint(host: "*", port: 7890, transport: "tcp")], "allow-lan: the whole network may use it")
        XCTAssertEqual(mixed.role, .proxy)
        XCTAssertEqual(inventory.warnings, [], "the provider's servers are in its cached copy")
        let uncached = try GatewayTree()
        try uncached.write("/etc/mihomo/config.yaml", Self.config)
        XCTAssertEqual(Inventory.collect(from: uncached.system, collectors: [ClashCollector()]).warningTexts,
                       ["/etc/mihomo/config.yaml:23 (proxy-providers.airport.url): mihomo fetches the servers of provider airport from sub.example.org when it runs, and no cached copy of them is here (path: /etc/mihomo/providers/airport.yaml)"])

        let secrets = ["s3cret-ss-password", "8b3a1f52-5c3e-4f7e-9d5b-0a1b2c3d4e5f", "trojan-pass", "hy2-pass", "0123456789abcdef",
                       "11111111-2222-3333-4444-555555555555"]
        let snapshot = try SecretChecks.assertKept(secrets, by: ClashCollector(), in: tree, inventory: inventory,
                                                   files: ["/etc/mihomo/config.yaml", "/etc/mihomo/providers/airport.yaml"])
        XCTAssertTrue(snapshot.contains("https://sub.example.org/api/v1/client/subscribe?<redacted"), "the provider's host stays: \(snapshot)")
    }

    func testMistakesWarnWithFileLineAndKeyAndTheRestIsRead() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/clash/config.yaml", """
            port: none
            allow-lan: false
            socks-port: 7891
            proxies:
              - {name: a, server: 192.0.2.1, port: 1}
              - {name: b, type: carrier-pigeon, server: 192.0.2.2, port: 2}
              - {name: c, type: ss, port: 3}
              - {name: d, type: ss, server: 192.0.2.4}
              - {name: e, type: trojan, server: 192.0.2.5, port: 443, password: x}
            """)
        try tree.write("/etc/clash/broken.yaml", "proxies:\n  - {name: x, type: ss\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [ClashCollector()])
        let warnings = inventory.warningTexts
        for expected in ["/etc/clash/config.yaml:1 (port)", "/etc/clash/config.yaml:5 (proxies[0])", "/etc/clash/config.yaml:6 (proxies[1])",
                         "/etc/clash/config.yaml:7 (proxies[2])", "/etc/clash/config.yaml:8 (proxies[3].port)", "/etc/clash/broken.yaml:"] {
            XCTAssertTrue(warnings.contains { $0.hasPrefix(expected) }, "\(expected) in \(warnings)")
        }
        XCTAssertEqual(inventory.items("trojan").map(\.name), ["clash proxy e"])
        XCTAssertEqual(inventory.items("shadowsocks").first?.remote, [NetworkEndpoint(host: "192.0.2.4", transport: "tcp")])
        XCTAssertEqual(inventory.items("socks").first?.local, [NetworkEndpoint(host: "127.0.0.1", port: 7891, transport: "tcp")], "no allow-lan: loopback only")
    }
}
