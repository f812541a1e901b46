import Foundation
import Inventory
import XCTest

/// frp's client and server configurations, in the TOML of frp 0.52 and later and the INI before
/// it, as frp's documentation writes them.
final class FRPCollectorTests: XCTestCase {
    static let clientTOML = """
        # Publish the office NAS and SSH through the VPS in Hong Kong
        serverAddr = "203.0.113.5"
        serverPort = 7000
        auth.method = "token"
        auth.token = "frp-shared-token-123"
        transport.protocol = "kcp"

        [[proxies]]
        name = "ssh"
        type = "tcp"
        localIP = "192.168.10.20"
        localPort = 22
        remotePort = 6022

        [[proxies]]
        name = "nas-web"
        type = "https"
        localPort = 5001
        customDomains = ["nas.example.com"]

        [[visitors]]
        name = "db-visitor"
        type = "stcp"
        serverName = "db"
        secretKey = "visitor-secret-456"
        bindPort = 13306
        """

    static let clientINI = """
        [common]
        server_addr = 198.51.100.7
        server_port = 7500
        token = legacy-token-789

        [rdp]
        type = tcp
        local_ip = 192.168.10.30
        local_port = 3389
        remote_port = 13389
        """

    static let serverTOML = """
        bindAddr = "0.0.0.0"
        bindPort = 7000
        kcpBindPort = 7000
        vhostHTTPSPort = 443
        auth.token = "server-token-000"
        """

    func testClientsAndServersAreItemsWithWhatTheyPublishAndNoSecrets() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/frp/frpc.toml", Self.clientTOML)
        try tree.write("/etc/frp/legacy.ini", Self.clientINI)
        try tree.write("/usr/local/etc/frp/frps.toml", Self.serverTOML)
        let inventory = Inventory.collect(from: tree.system, collectors: [FRPCollector()])
        XCTAssertEqual(inventory.warnings, [])
        let client = try XCTUnwrap(inventory.items.first { $0.name == "frpc frpc" })
        XCTAssertEqual(client.technology, "frp")
        XCTAssertEqual(client.role, .client)
        XCTAssertEqual(client.remote, [NetworkEndpoint(host: "203.0.113.5", port: 7000, transport: "udp")], "KCP runs over UDP")
        XCTAssertEqual(client.attributes["publishes"], "tcp ssh 192.168.10.20:22→:6022; https nas-web 127.0.0.1:5001→nas.example.com")
        XCTAssertEqual(client.attributes["visitors"], "1")
        XCTAssertEqual(client.sources.first, SourceReference("/etc/frp/frpc.toml", line: 2, key: "serverAddr"))
        let legacy = try XCTUnwrap(inventory.items.first { $0.name == "frpc legacy" })
        XCTAssertEqual(legacy.remote, [NetworkEndpoint(host: "198.51.100.7", port: 7500, transport: "tcp")])
        XCTAssertEqual(legacy.attributes["publishes"], "tcp rdp 192.168.10.30:3389→:13389")
        let server = try XCTUnwrap(inventory.items.first { $0.role == .server })
        XCTAssertEqual(server.local, [NetworkEndpoint(host: "0.0.0.0", port: 7000, transport: "tcp")])
        XCTAssertEqual(server.attributes["vhostHTTPSPort"], "443")

        let secrets = ["frp-shared-token-123", "visitor-secret-456", "legacy-token-789", "server-token-000"]
        try SecretChecks.assertKept(secrets, by: FRPCollector(), in: tree, inventory: inventory,
                                    files: ["/etc/frp/frpc.toml", "/etc/frp/legacy.ini", "/usr/local/etc/frp/frps.toml"])
    }

    func testARunningFrpcNamesItsConfigurationAnywhere() throws {
        let tree = try GatewayTree()
        try tree.write("/opt/frp/office.toml", Self.clientTOML)
        try tree.state("processes.txt", "77\t/opt/frp/frpc -c /opt/frp/office.toml\n")
        let inventory = Inventory.collect(from: tree.system)
        XCTAssertTrue(inventory.items("frp").contains { $0.remote.first?.host == "203.0.113.5" && $0.attributes["config-named-by"] != nil },
                      "\(inventory.items("frp")) \(inventory.warningTexts)")
    }

    func testMistakesWarnWithFileAndLine() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/frp/broken.toml", "serverAddr = \"203.0.113.5\"\nserverPort = = 7000\n")
        try tree.write("/etc/frp/port.toml", "serverAddr = \"203.0.113.6\"\nserverPort = \"seven\"\n")
        try tree.write("/etc/frp/empty.ini", "[common]\nlog_level = info\n")
        let warnings = Inventory.collect(from: tree.system, collectors: [FRPCollector()]).warningTexts
        for expected in ["/etc/frp/broken.toml:2: not valid TOML", "/etc/frp/port.toml:2 (serverPort): not a port number", "/etc/frp/empty.ini: neither serverAddr"] {
            XCTAssertTrue(warnings.contains { $0.hasPrefix(expected) }, "\(expected) in \(warnings)")
        }
    }
}
