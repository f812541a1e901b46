import Foundation
import Inventory
import XCTest

final class ShadowsocksCollectorTests: XCTestCase {
    func testDebianServerConfigAndAClientConfig() throws {
        let tree = try GatewayTree()
        let sample = try DebianSample.text("/etc/shadowsocks-libev/config.json", package: "shadowsocks-libev")
        try tree.write("/etc/shadowsocks-libev/config.json", sample)
        try tree.write("/etc/shadowsocks-libev/hk.json", """
            {
                "server": "203.0.113.30",
                "server_port": 8388,
                "local_address": "0.0.0.0",
                "local_port": 1080,
                "password": "ss-client-secret-Zq9",
                "method": "aes-256-gcm",
                "mode": "tcp_and_udp"
            }
            """)
        let inventory = Inventory.collect(from: tree.system, collectors: [ShadowsocksCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let server = try XCTUnwrap(inventory.items.first { $0.name == "config" })
        XCTAssertEqual(server.role, .server)
        XCTAssertEqual(server.local.map(\.port), [8388, 8388])
        XCTAssertEqual(server.attributes["method"], "chacha20-ietf-poly1305")
        let client = try XCTUnwrap(inventory.items.first { $0.name == "hk" })
        XCTAssertEqual(client.role, .client)
        XCTAssertEqual(client.remote, [NetworkEndpoint(host: "203.0.113.30", port: 8388, transport: "tcp")])
        XCTAssertEqual(client.local.first?.port, 1080)
        XCTAssertTrue(client.sources.contains(SourceReference("/etc/shadowsocks-libev/hk.json", line: 2, key: "server")))
        let json = String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self)
        XCTAssertFalse(json.contains("ss-client-secret-Zq9") || json.contains("hzZ0M3uCz9xx"))
    }

    func testBrokenJSONWarnsWithLine() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/shadowsocks-libev/bad.json", "{\n  \"server\": \"1.2.3.4\",\n  \"server_port\": ,\n}\n")
        try tree.write("/etc/shadowsocks-libev/ok.json", "{\"server\": \"198.51.100.3\", \"server_port\": 443}")
        let inventory = Inventory.collect(from: tree.system, collectors: [ShadowsocksCollector()])
        XCTAssertTrue(inventory.warningTexts.contains { $0.hasPrefix("/etc/shadowsocks-libev/bad.json:") }, "\(inventory.warningTexts)")
        XCTAssertEqual(inventory.items.first?.remote.first?.host, "198.51.100.3")
    }
}

final class V2RayCollectorTests: XCTestCase {
    static func config(uuid: String) -> String {
        """
        {
          // V2Ray accepts comments
          "inbounds": [{
            "listen": "127.0.0.1",
            "port": 10808,
            "protocol": "socks",
            "settings": { "udp": true }
          }],
          "outbounds": [{
            "protocol": "vmess",
            "tag": "hk-vmess",
            "settings": {
              "vnext": [{
                "address": "hk.example.org",
                "port": 443,
                "users": [{ "id": "\(uuid)", "alterId": 0, "security": "auto" }]
              }]
            },
            "streamSettings": { "network": "ws", "security": "tls" }
          }, {
            "protocol": "trojan",
            "settings": { "servers": [{ "address": "198.51.100.77", "port": 8443, "password": "trojan-pass-K2" }] }
          }, {
            "protocol": "freedom",
            "settings": {}
          }]
        }
        """
    }

    func testDebianSampleInboundAndAVMessClient() throws {
        let uuid = try RealTool.run("v2ctl", ["uuid"])
        let tree = try GatewayTree()
        try tree.write("/etc/v2ray/config.json", try DebianSample.text("/etc/v2ray/config.json", package: "v2ray"))
        try tree.write("/usr/local/etc/xray/config.json", Self.config(uuid: uuid))
        let inventory = Inventory.collect(from: tree.system, collectors: [V2RayCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let server = try XCTUnwrap(inventory.items.first { $0.technology == "vmess" && $0.role == .server })
        XCTAssertEqual(server.local.first?.port, 10086)
        XCTAssertEqual(server.attributes["clients"], "1")
        let client = try XCTUnwrap(inventory.items.first { $0.technology == "vmess" && $0.role == .client })
        XCTAssertEqual(client.remote, [NetworkEndpoint(host: "hk.example.org", port: 443, transport: "tcp")])
        XCTAssertEqual(client.attributes["network"], "ws")
        XCTAssertEqual(client.attributes["program"], "xray")
        XCTAssertEqual(client.sources.first { $0.key == "address" }?.line, 14)
        XCTAssertEqual(inventory.items("trojan").first?.remote.first?.port, 8443)
        XCTAssertEqual(inventory.items("socks").first?.role, .proxy)
        let json = String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self)
        XCTAssertFalse(json.contains(uuid) || json.contains("5638fd1b") || json.contains("trojan-pass-K2"))
    }

    func testOutboundWithoutAddressAndBrokenJSONWarn() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/v2ray/a.json", "{\"outbounds\": [{\"protocol\": \"vmess\", \"settings\": {\"vnext\": [{\"port\": 1}]}}, {\"protocol\": \"vless\", \"settings\": {\"vnext\": [{\"address\": \"192.0.2.8\", \"port\": 443}]}}]}")
        try tree.write("/etc/v2ray/b.json", "{\n\"inbounds\": [\n}")
        let inventory = Inventory.collect(from: tree.system, collectors: [V2RayCollector()])
        XCTAssertTrue(inventory.warningTexts.contains { $0.hasPrefix("/etc/v2ray/a.json:1 (outbounds[0])") }, "\(inventory.warningTexts)")
        XCTAssertTrue(inventory.warningTexts.contains { $0.hasPrefix("/etc/v2ray/b.json:") })
        XCTAssertEqual(inventory.items("vless").first?.remote.first?.host, "192.0.2.8")
    }
}

final class StunnelCollectorTests: XCTestCase {
    func testDebianSampleClientServicesWithBOM() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/stunnel/mail.conf", try DebianSample.text("/usr/share/doc/stunnel4/examples/stunnel.conf-sample", package: "stunnel4"))
        try tree.write("/etc/stunnel/relay.conf", "pid = /run/stunnel.pid\n[hk-relay]\nclient = yes\naccept = 127.0.0.1:8443\nconnect = 203.0.113.40:443\n[inbound]\naccept = 4443\nconnect = 127.0.0.1:8080\ncert = /etc/stunnel/s.pem\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [StunnelCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let pop = try XCTUnwrap(inventory.items.first { $0.name == "gmail-pop3" })
        XCTAssertEqual(pop.role, .client)
        XCTAssertEqual(pop.remote, [NetworkEndpoint(host: "pop.gmail.com", port: 995, transport: "tcp")])
        XCTAssertEqual(inventory.items.first { $0.name == "hk-relay" }?.remote.first?.host, "203.0.113.40")
        let server = try XCTUnwrap(inventory.items.first { $0.name == "inbound" })
        XCTAssertEqual(server.role, .server)
        XCTAssertEqual(server.local.first?.port, 4443)
    }

    func testMalformedStunnelWarns() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/stunnel/bad.conf", "[a]\naccept = 1.2.3.4:http\nconnect = 192.0.2.1:443\nclient = yes\nnonsense\n[empty]\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [StunnelCollector()])
        for prefix in ["/etc/stunnel/bad.conf:2 (accept)", "/etc/stunnel/bad.conf:5:", "/etc/stunnel/bad.conf:6:"] {
            XCTAssertTrue(inventory.warningTexts.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(inventory.warningTexts)")
        }
        XCTAssertEqual(inventory.items.first?.remote.first?.host, "192.0.2.1")
    }
}

final class TorCollectorTests: XCTestCase {
    func testDebianTorrcWithSocksPortRelayAndBridges() throws {
        var torrc = try DebianSample.text("/etc/tor/torrc", package: "tor")
        torrc = DebianSample.enabling(torrc, ["SocksPort 192.168.0.1:9100", "ORPort 9001", "HiddenServiceDir /var/lib/tor/hidden_service/", "HiddenServicePort 80 127.0.0.1:80"])
        torrc += "\nUseBridges 1\nClientTransportPlugin obfs4 exec /usr/bin/obfs4proxy\nBridge obfs4 198.51.100.50:443 0123456789ABCDEF0123456789ABCDEF01234567 cert=abc iat-mode=0\nBridge 203.0.113.51:9001\n"
        let tree = try GatewayTree()
        try tree.write("/etc/tor/torrc", torrc)
        let inventory = Inventory.collect(from: tree.system, collectors: [TorCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let client = try XCTUnwrap(inventory.items.first { $0.name == "tor client" })
        XCTAssertEqual(client.local, [NetworkEndpoint(host: "192.168.0.1", port: 9100, transport: "tcp")])
        XCTAssertEqual(client.remote.map(\.host), ["198.51.100.50", "203.0.113.51"])
        XCTAssertEqual(client.attributes["transports"], "obfs4")
        XCTAssertEqual(inventory.items.first { $0.name == "tor relay" }?.local.first?.port, 9001)
        XCTAssertNotNil(inventory.items.first { $0.name.hasPrefix("onion service") })
    }

    func testDefaultTorrcIsALocalSocksProxyAndBadLinesWarn() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/tor/torrc", try DebianSample.text("/etc/tor/torrc", package: "tor") + "\nSocksPort nonsense:port\nBridge obfs4\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [TorCollector()])
        XCTAssertEqual(inventory.items.first?.local, [NetworkEndpoint(host: "127.0.0.1", port: 9050, transport: "tcp")])
        XCTAssertEqual(inventory.warnings.count, 2, "\(inventory.warningTexts)")
        XCTAssertTrue(inventory.warnings.allSatisfy { $0.source.location == "/etc/tor/torrc" && $0.source.line != nil })
    }
}

final class ProxychainsCollectorTests: XCTestCase {
    func testDebianProxyListAndAuthenticatedProxyPasswordIsRedacted() throws {
        let sample = try DebianSample.text("/etc/proxychains4.conf", package: "proxychains4")
        let tree = try GatewayTree()
        try tree.write("/etc/proxychains4.conf", sample + "socks5\t203.0.113.60 1080 chainuser ChainPass-77\nhttp 198.51.100.61 3128\nsocks5 broken\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [ProxychainsCollector()])
        XCTAssertEqual(inventory.items.map { $0.remote.first?.host }, ["127.0.0.1", "203.0.113.60", "198.51.100.61"])
        XCTAssertEqual(inventory.items.map(\.technology), ["socks", "socks", "http-proxy"])
        XCTAssertEqual(inventory.items[1].attributes["chain"], "strict_chain")
        XCTAssertEqual(inventory.warnings.count, 1)
        XCTAssertEqual(inventory.warnings.first?.source.line, sample.split(separator: "\n", omittingEmptySubsequences: false).count + 2)
        let out = try Scratch.directory() + "/snap"
        try Snapshot.write(from: tree.system, collectors: [ProxychainsCollector()], to: out, toolVersion: "test")
        XCTAssertFalse(GatewayTree.text(under: out).contains("ChainPass-77"))
        XCTAssertEqual(Inventory.collect(from: SystemView(.tree(root: out)), collectors: [ProxychainsCollector()]).items, inventory.items)
    }
}
