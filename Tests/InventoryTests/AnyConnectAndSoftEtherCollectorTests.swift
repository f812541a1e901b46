import Foundation
import Inventory
import XCTest

final class OcservCollectorTests: XCTestCase {
    func testDebianOcservConfIsAnAnyConnectServerWithItsRoutesAndPool() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/ocserv/ocserv.conf", try DebianSample.text("/etc/ocserv/ocserv.conf", package: "ocserv"))
        let inventory = Inventory.collect(from: tree.system, collectors: [OcservCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let item = try XCTUnwrap(inventory.items("anyconnect").first)
        XCTAssertEqual(item.role, .server)
        XCTAssertEqual(item.local, [NetworkEndpoint(host: "*", port: 443, transport: "tcp"), NetworkEndpoint(host: "*", port: 443, transport: "udp")])
        XCTAssertEqual(item.networks, ["10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16"])
        XCTAssertEqual(item.attributes["ipv4-network"], "192.168.1.0/24")
        XCTAssertEqual(item.interface, "vpns")
    }

    func testMalformedOcservWarns() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/ocserv/ocserv.conf", "tcp-port = https\nudp-port = 443\nipv4-network = 10.1.0.0\nipv4-netmask = 255.0.255.0\njunk\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [OcservCollector()])
        for prefix in ["/etc/ocserv/ocserv.conf:1 (tcp-port)", "/etc/ocserv/ocserv.conf:4 (ipv4-netmask)", "/etc/ocserv/ocserv.conf:5:"] {
            XCTAssertTrue(inventory.warningTexts.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(inventory.warningTexts)")
        }
        XCTAssertEqual(inventory.items.first?.local, [NetworkEndpoint(host: "*", port: 443, transport: "udp")])
    }
}

final class OpenConnectCollectorTests: XCTestCase {
    func testSystemdUnitRunningOpenConnectIsAClientOfItsServer() throws {
        _ = try RealTool.require("openconnect")
        let tree = try GatewayTree()
        try tree.write("/etc/systemd/system/hk-anyconnect.service", """
            [Unit]
            Description=AnyConnect to the Hong Kong office
            After=network-online.target

            [Service]
            ExecStart=/usr/sbin/openconnect --config=/etc/openconnect/hk.conf --interface=vpn0 https://vpn.hk.example.com:8443/office
            Restart=always
            """)
        try tree.write("/etc/openconnect/hk.conf", "# options without the leading dashes\nuser=gateway\nservercert=pin-sha256:AAAA\nprotocol=anyconnect\n")
        try tree.write("/etc/systemd/system/forti.service", "[Service]\nExecStart=/usr/sbin/openconnect --protocol=fortinet 198.51.100.90\n")
        try tree.write("/etc/systemd/system/broken.service", "[Service]\nExecStart=/usr/sbin/openconnect --user=x\n")
        try tree.write("/etc/systemd/system/other.service", "[Service]\nExecStart=/usr/bin/sleep 1\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [OpenConnectCollector()])
        let hk = try XCTUnwrap(inventory.items.first { $0.name == "openconnect hk-anyconnect" })
        XCTAssertEqual(hk.technology, "anyconnect")
        XCTAssertEqual(hk.remote, [NetworkEndpoint(host: "vpn.hk.example.com", port: 8443, transport: "tcp")])
        XCTAssertEqual(hk.interface, "vpn0")
        XCTAssertEqual(hk.attributes["user"], "gateway")
        XCTAssertEqual(inventory.items.first { $0.name == "openconnect forti" }?.technology, "fortinet-ssl")
        XCTAssertEqual(inventory.items.count, 2)
        XCTAssertTrue(inventory.warningTexts.contains { $0.hasPrefix("/etc/systemd/system/broken.service:2 (ExecStart)") }, "\(inventory.warningTexts)")
    }
}

final class OpenConnectSnapshotTests: XCTestCase {
    func testAPasswordFileBesideTheConfigNeverReachesTheSnapshot() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/systemd/system/openconnect-hq.service",
                       "[Service]\nExecStart=/usr/sbin/openconnect --passwd-on-stdin --config=/etc/openconnect/hq.conf https://203.0.113.10/\nStandardInput=file:/etc/openconnect/hq.secret\n")
        try tree.write("/etc/openconnect/hq.conf", "# HQ\nuser=branch\nprotocol=anyconnect\nno-dtls\n")
        try tree.write("/etc/openconnect/hq.secret", "4a3ebc5453c4c018cc2f4280\n")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-\(UUID())").path
        _ = try Snapshot.write(from: tree.system, to: out, toolVersion: "test")
        XCTAssertFalse(GatewayTree.text(under: out).contains("4a3ebc5453c4c018cc2f4280"))
        let config = try String(contentsOfFile: out + "/etc/openconnect/hq.conf", encoding: .utf8)
        XCTAssertTrue(config.contains("user=branch"), config)
        let item = try XCTUnwrap(Inventory.collect(from: SystemView(.tree(root: out)), collectors: [OpenConnectCollector()]).items.first)
        XCTAssertEqual(item.attributes["user"], "branch")
        XCTAssertEqual(item.remote.first?.host, "203.0.113.10")
    }
}

final class SoftEtherCollectorTests: XCTestCase {
    /// vpn_server.config in the text form SoftEther VPN Server saves.
    static let config = """
        # Software Configuration File
        # ---------------------------
        #
        # You may edit this file when the VPN Server / Client / Bridge program is not running.
        #
        # In prior to edit this file manually by your text editor,
        # shutdown the VPN Server / Client / Bridge background service.
        # Otherwise, all changes will be lost.
        #
        declare root
        {
        \tuint ConfigRevision 17
        \tbool IPsecMessageDisplayed true
        \tstring Region CN
        \tbool VgsMessageDisplayed false

        \tdeclare DDnsClient
        \t{
        \t\tbool Disabled false
        \t\tbyte Key ZGRucy1jbGllbnQta2V5LVNFQ1JFVC0xMjM0NTY3OA==
        \t}
        \tdeclare IPsec
        \t{
        \t\tbool EtherIP_IPsec false
        \t\tstring IPsec_Secret softether-ipsec-psk-Q7
        \t\tstring L2TP_DefaultHub DEFAULT
        \t\tbool L2TP_IPsec true
        \t\tbool L2TP_Raw false
        \t}
        \tdeclare ListenerList
        \t{
        \t\tdeclare Listener0
        \t\t{
        \t\t\tbool DisableDos false
        \t\t\tbool Enabled true
        \t\t\tuint Port 443
        \t\t}
        \t\tdeclare Listener1
        \t\t{
        \t\t\tbool DisableDos false
        \t\t\tbool Enabled true
        \t\t\tuint Port 5555
        \t\t}
        \t}
        \tdeclare ServerConfiguration
        \t{
        \t\tbyte HashedPassword c2VydmVyLWFkbWluLWhhc2gtU0VDUkVU
        \t\tbool OpenVPN_Enable true
        \t\tstring OpenVPN_UdpPortList 1194
        \t}
        \tdeclare VirtualHUB
        \t{
        \t\tdeclare DEFAULT
        \t\t{
        \t\t\tdeclare CascadeList
        \t\t\t{
        \t\t\t\tdeclare Cascade0
        \t\t\t\t{
        \t\t\t\t\tbool Online true
        \t\t\t\t\tdeclare ClientAuth
        \t\t\t\t\t{
        \t\t\t\t\t\tuint AuthType 1
        \t\t\t\t\t\tbyte HashedPassword Y2FzY2FkZS1oYXNoLVNFQ1JFVC1YWVo=
        \t\t\t\t\t\tstring Username cascade-user
        \t\t\t\t\t}
        \t\t\t\t\tdeclare ClientOption
        \t\t\t\t\t{
        \t\t\t\t\t\tstring AccountName hk-link
        \t\t\t\t\t\tstring Hostname 203.0.113.100
        \t\t\t\t\t\tstring HubName HKHUB
        \t\t\t\t\t\tuint Port 992
        \t\t\t\t\t}
        \t\t\t\t}
        \t\t\t}
        \t\t\tdeclare SecurityAccountDatabase
        \t\t\t{
        \t\t\t\tdeclare UserList
        \t\t\t\t{
        \t\t\t\t\tdeclare alice
        \t\t\t\t\t{
        \t\t\t\t\t\tbyte AuthNtLmSecureHash YWxpY2UtbnRsbS1TRUNSRVQ=
        \t\t\t\t\t\tbyte AuthPassword YWxpY2UtcGFzcy1TRUNSRVQ=
        \t\t\t\t\t\tuint AuthType 1
        \t\t\t\t\t}
        \t\t\t\t}
        \t\t\t}
        \t\t}
        \t}
        }
        """

    static let secrets = ["ZGRucy1jbGllbnQta2V5LVNFQ1JFVC0xMjM0NTY3OA==", "softether-ipsec-psk-Q7", "c2VydmVyLWFkbWluLWhhc2gtU0VDUkVU",
                          "Y2FzY2FkZS1oYXNoLVNFQ1JFVC1YWVo=", "YWxpY2UtbnRsbS1TRUNSRVQ=", "YWxpY2UtcGFzcy1TRUNSRVQ="]

    func testListenersCascadesAndUsersAndEverySecretRedacted() throws {
        let tree = try GatewayTree()
        try tree.write("/usr/libexec/softether/vpnserver/vpn_server.config", Self.config)
        let inventory = Inventory.collect(from: tree.system, collectors: [SoftEtherCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let server = try XCTUnwrap(inventory.items.first { $0.role == .server })
        XCTAssertEqual(server.local.map(\.port), [443, 5555])
        XCTAssertEqual(server.attributes["users"], "1")
        XCTAssertEqual(server.attributes["L2TP_IPsec"], "true")
        XCTAssertEqual(server.attributes["OpenVPN_Enable"], "true")
        let cascade = try XCTUnwrap(inventory.items.first { $0.role == .siteToSite })
        XCTAssertEqual(cascade.remote, [NetworkEndpoint(host: "203.0.113.100", port: 992, transport: "tcp")])
        XCTAssertEqual(cascade.attributes["remote-hub"], "HKHUB")
        let redacted = SoftEtherCollector().redact(Self.config, input: .files("x"), path: "/x/vpn_server.config")
        for secret in Self.secrets { XCTAssertFalse(redacted.contains(secret), secret) }
        XCTAssertTrue(redacted.contains("string Hostname 203.0.113.100"))
        let generic = SecretRedactor.redact(Self.config, path: "/x/vpn_server.config")
        XCTAssertTrue(Self.secrets.contains { generic.contains($0) }, "the generic redactor alone would leak: the override is needed")
    }

    func testConfigAsVpnserverWritesItWithAByteOrderMarkIsRead() throws {
        let tree = try GatewayTree()
        try tree.write("/var/lib/softether/vpn_server.config", "\u{FEFF}# Software Configuration File\n# ---------------------------\n" + Self.config)
        let inventory = Inventory.collect(from: tree.system, collectors: [SoftEtherCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        XCTAssertEqual(inventory.items.first { $0.role == .siteToSite }?.remote.first?.host, "203.0.113.100")
    }

    func testMalformedConfigWarns() throws {
        let tree = try GatewayTree()
        try tree.write("/usr/local/vpnserver/vpn_server.config", "declare root\n{\n\tdeclare ListenerList\n\t{\n\t\tdeclare L\n\t\t{\n\t\t\tuint Port big\n\t\t}\n\t}\n\tgarbage here\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [SoftEtherCollector()])
        for prefix in ["/usr/local/vpnserver/vpn_server.config:7 (L.Port)", "/usr/local/vpnserver/vpn_server.config:10:", "/usr/local/vpnserver/vpn_server.config:1:"] {
            XCTAssertTrue(inventory.warningTexts.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(inventory.warningTexts)")
        }
    }
}
