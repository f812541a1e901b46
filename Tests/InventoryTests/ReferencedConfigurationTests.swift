import Foundation
import Inventory
import XCTest

/// Configuration files that running programs and enabled units name outside the default
/// paths, the peer of a VPN program from its sockets, and SoftEther client accounts.
final class ReferencedConfigurationTests: XCTestCase {
    private let client = """
    client
    dev tun
    proto udp
    remote 203.0.113.10 1194
    <tls-auth>
    -----BEGIN OpenVPN Static key V1-----
    00112233445566778899aabbccddeeff
    -----END OpenVPN Static key V1-----
    </tls-auth>
    """

    func testOpenVPNStartedWithAConfigAtANonDefaultPathIsReadFromItsCommandLine() throws {
        let tree = try GatewayTree()
        try tree.write("/opt/branch/hq-link.ovpn", client)
        try tree.state("processes.txt", "1\t/sbin/init\n812\t/usr/sbin/openvpn --daemon --config /opt/branch/hq-link.ovpn\n")
        let inventory = Inventory.collect(from: tree.system)
        let found = try XCTUnwrap(inventory.items("openvpn").first { !$0.remote.isEmpty })
        XCTAssertEqual(found.remote.first?.host, "203.0.113.10")
        XCTAssertEqual(found.role, .client)
        XCTAssertTrue(found.sources.contains { $0.location == "/opt/branch/hq-link.ovpn" })
        XCTAssertTrue(found.sources.contains { $0.location == "ps -e -o pid= -o args=" && $0.line == 2 }, "\(found.sources)")
        XCTAssertEqual(found.attributes["config-named-by"], "ps -e -o pid= -o args=:2")
    }

    func testEachProgramsConfigArgumentIsFollowed() throws {
        let tree = try GatewayTree()
        try tree.write("/srv/wg/site.conf", "[Interface]\nPrivateKey = x\n\n[Peer]\nPublicKey = y\nEndpoint = 203.0.113.20:51820\nAllowedIPs = 10.9.0.0/24\n")
        try tree.write("/opt/ss/hq.json", #"{"server": "203.0.113.21", "server_port": 8443, "method": "chacha20-ietf-poly1305", "password": "p", "local_port": 1080}"#)
        try tree.write("/opt/v2/client.json", #"{"outbounds": [{"protocol": "vmess", "settings": {"vnext": [{"address": "203.0.113.22", "port": 10086, "users": [{"id": "b831381d-6324-4d53-ad4f-8cda48b30811"}]}]}}]}"#)
        try tree.write("/srv/tinc/corp/tinc.conf", "Name = branch\nConnectTo = hq\n")
        try tree.write("/srv/tinc/corp/hosts/branch", "Subnet = 10.1.0.0/16\n")
        try tree.write("/srv/tinc/corp/hosts/hq", "Address = 203.0.113.23\nSubnet = 10.20.0.0/16\n")
        try tree.write("/opt/ipsec/site.conf", "connections {\n  hq {\n    remote_addrs = 203.0.113.24\n    children { net { remote_ts = 10.20.0.0/16 } }\n  }\n}\n")
        try tree.write("/opt/sb/office.json", #"{"outbounds": [{"type": "trojan", "tag": "hq", "server": "203.0.113.25", "server_port": 443, "password": "p"}]}"#)
        try tree.state("processes.txt", """
        10\twg-quick up /srv/wg/site.conf
        11\tss-local -c /opt/ss/hq.json -u
        12\t/usr/bin/v2ray run -c /opt/v2/client.json
        13\ttincd -c /srv/tinc/corp -D
        14\t/usr/sbin/swanctl --load-all --file /opt/ipsec/site.conf
        15\t/usr/bin/sing-box run -c /opt/sb/office.json

        """)
        let inventory = Inventory.collect(from: tree.system)
        let remotes = Set(inventory.items.flatMap { $0.remote.map(\.host) })
        for address in ["203.0.113.20", "203.0.113.21", "203.0.113.22", "203.0.113.23", "203.0.113.24", "203.0.113.25"] {
            XCTAssertTrue(remotes.contains(address), "\(address) not found; warnings: \(inventory.warnings)")
        }
    }

    func testEnabledUnitsExecStartConfigIsFollowed() throws {
        let tree = try GatewayTree()
        try tree.write("/srv/vpn/hq.conf", client)
        try tree.write("/etc/systemd/system/multi-user.target.wants/hq-vpn.service",
                       "[Unit]\nDescription=HQ\n\n[Service]\nExecStart=/usr/sbin/openvpn --config /srv/vpn/hq.conf\n")
        let found = Inventory.collect(from: tree.system).items("openvpn").filter { !$0.remote.isEmpty }
        XCTAssertEqual(found.map(\.remote.first?.host), ["203.0.113.10"])
    }

    func testFilesAtDefaultPathsAreNotReadTwice() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/openvpn/client/hq.conf", client)
        try tree.state("processes.txt", "812\topenvpn --config /etc/openvpn/client/hq.conf\n")
        let found = Inventory.collect(from: tree.system).items("openvpn").filter { !$0.remote.isEmpty }
        XCTAssertEqual(found.count, 1)
        XCTAssertNil(found.first?.attributes["config-named-by"])
    }

    func testRelativeAndMissingConfigurationsAreWarnings() throws {
        let tree = try GatewayTree()
        try tree.state("processes.txt", "5\topenvpn --config hq.ovpn\n6\topenvpn --config /opt/gone/hq.ovpn\n")
        let warnings = Inventory.collect(from: tree.system).warnings.map(\.description)
        XCTAssertTrue(warnings.contains { $0.contains("relative path hq.ovpn") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.contains("/opt/gone/hq.ovpn") }, "\(warnings)")
    }

    func testSnapshotCopiesTheFollowedFileRedacted() throws {
        let tree = try GatewayTree()
        try tree.write("/opt/branch/hq-link.ovpn", client)
        try tree.state("processes.txt", "812\t/usr/sbin/openvpn --config /opt/branch/hq-link.ovpn\n")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("snap-\(UUID().uuidString)").path
        let manifest = try Snapshot.write(from: tree.system, to: out, toolVersion: "test")
        XCTAssertTrue(manifest.files.contains { $0.path == "/opt/branch/hq-link.ovpn" })
        let copied = try String(contentsOfFile: out + "/opt/branch/hq-link.ovpn", encoding: .utf8)
        XCTAssertFalse(copied.contains("00112233445566778899aabbccddeeff"), copied)
        XCTAssertTrue(copied.contains("remote 203.0.113.10 1194"))
        // The snapshot is read like the gateway: the followed file is found again.
        XCTAssertTrue(Inventory.collect(from: SystemView(.tree(root: out))).items("openvpn").contains { $0.remote.first?.host == "203.0.113.10" })
    }

    func testARunningVPNProgramNamingNoPeerTakesItsEstablishedSocketsPeer() throws {
        let tree = try GatewayTree()
        try tree.state("processes.txt", "900\t/usr/sbin/openvpn --client --dev tun0 --proto tcp-client\n")
        try tree.state("ss-tunap.txt", """
        Netid State  Recv-Q Send-Q Local Address:Port  Peer Address:Port Process
        tcp   ESTAB  0      0      198.51.100.2:40812  203.0.113.30:443  users:(("openvpn",pid=900,fd=5))
        tcp   ESTAB  0      0      127.0.0.1:7505      127.0.0.1:40000   users:(("openvpn",pid=900,fd=7))
        tcp   ESTAB  0      0      198.51.100.2:51000  203.0.113.99:443  users:(("curl",pid=901,fd=3))

        """)
        let process = try XCTUnwrap(Inventory.collect(from: tree.system).items("openvpn").first { $0.attributes["pid"] == "900" })
        XCTAssertEqual(process.remote, [NetworkEndpoint(host: "203.0.113.30", port: 443, transport: "tcp")], "loopback and other programs' sockets left out")
        XCTAssertEqual(process.attributes["peer-source"], "established socket")
        XCTAssertTrue(process.sources.contains { $0.location == "ss -tunap" && $0.line == 2 })
    }

    func testASocketPeerIsNotAddedWhenTheProcessesFileNamesOne() throws {
        let tree = try GatewayTree()
        try tree.write("/opt/branch/hq-link.ovpn", client)
        try tree.state("processes.txt", "812\topenvpn --config /opt/branch/hq-link.ovpn\n")
        try tree.state("ss-tunap.txt", "udp ESTAB 0 0 198.51.100.2:40812 203.0.113.10:1194 users:((\"openvpn\",pid=812,fd=5))\n")
        let process = try XCTUnwrap(Inventory.collect(from: tree.system).items("openvpn").first { $0.attributes["pid"] == "812" })
        XCTAssertEqual(process.remote, [])
        XCTAssertNil(process.attributes["peer-source"])
    }

    func testOpenConnectsServerComesFromItsCommandLineAndTheRestFromItsConfigFile() throws {
        let tree = try GatewayTree()
        try tree.write("/opt/oc/hq.conf", "# HQ\nuser=alice\nauthgroup=Staff\nno-dtls\n")
        try tree.state("processes.txt", "70\topenconnect --config /opt/oc/hq.conf -c /opt/oc/cert.pem --background vpn.example.com:8443\n")
        let items = Inventory.collect(from: tree.system).items("anyconnect")
        let configured = try XCTUnwrap(items.first { $0.attributes["config-named-by"] != nil })
        XCTAssertEqual(configured.remote, [NetworkEndpoint(host: "vpn.example.com", port: 8443, transport: "tcp")])
        XCTAssertEqual(configured.attributes["user"], "alice")
        XCTAssertEqual(configured.attributes["authgroup"], "Staff")
        let process = try XCTUnwrap(items.first { $0.attributes["pid"] == "70" })
        XCTAssertEqual(process.attributes["config"], "/opt/oc/hq.conf", "-c is openconnect's certificate, not its config")
    }
}

/// SoftEther VPN Client accounts (vpn_client.config) and vpncmd AccountExport files.
final class SoftEtherClientAccountTests: XCTestCase {
    private let clientConfig = """
    \u{FEFF}# Software Configuration File
    declare root
    {
    \tuint ConfigRevision 3
    \tdeclare AccountDatabase
    \t{
    \t\tdeclare Account0
    \t\t{
    \t\t\tbool CheckServerCert false
    \t\t\tdeclare ClientAuth
    \t\t\t{
    \t\t\t\tuint AuthType 1
    \t\t\t\tbyte HashedPassword c2VjcmV0aGFzaA==
    \t\t\t\tstring Username branch
    \t\t\t}
    \t\t\tdeclare ClientOption
    \t\t\t{
    \t\t\t\tstring AccountName HQ$20link
    \t\t\t\tstring DeviceName vpn
    \t\t\t\tstring Hostname 203.0.113.10
    \t\t\t\tstring HubName HQHUB
    \t\t\t\tuint Port 5555
    \t\t\t}
    \t\t\tbool StartupAccount true
    \t\t}
    \t}
    }
    """

    func testClientAccountGivesServerPortHubAndUserButNoPassword() throws {
        let tree = try GatewayTree()
        try tree.write("/usr/libexec/softether/vpnclient/vpn_client.config", clientConfig)
        let account = try XCTUnwrap(Inventory.collect(from: tree.system).items("softether").first)
        XCTAssertEqual(account.role, .client)
        XCTAssertEqual(account.remote, [NetworkEndpoint(host: "203.0.113.10", port: 5555, transport: "tcp")])
        XCTAssertEqual(account.attributes["remote-hub"], "HQHUB")
        XCTAssertEqual(account.attributes["user"], "branch")
        XCTAssertEqual(account.attributes["startup"], "true")
        XCTAssertEqual(account.attributes["account"], "HQ link", "SoftEther writes a space as $20")
        XCTAssertFalse(account.attributes.values.contains { $0.contains("c2VjcmV0") })
    }

    func testExportedAccountFileIsReadAndItsPasswordRedactedInSnapshots() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/softether/hq.vpn", """
        # VPN Client VPN Connection Setting File
        declare root
        {
        \tdeclare ClientAuth
        \t{
        \t\tuint AuthType 2
        \t\tstring PlainPassword hunter2
        \t\tstring Username branch
        \t}
        \tdeclare ClientOption
        \t{
        \t\tstring AccountName HQ
        \t\tstring Hostname vpn.example.com
        \t\tstring HubName HQ
        \t\tuint Port 443
        \t}
        }
        """)
        let account = try XCTUnwrap(Inventory.collect(from: tree.system).items("softether").first)
        XCTAssertEqual(account.remote.first?.host, "vpn.example.com")
        XCTAssertEqual(account.attributes["auth"], "plain-password")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("snap-\(UUID().uuidString)").path
        try Snapshot.write(from: tree.system, to: out, toolVersion: "test")
        let copied = try String(contentsOfFile: out + "/etc/softether/hq.vpn", encoding: .utf8)
        XCTAssertFalse(copied.contains("hunter2"))
        XCTAssertTrue(copied.contains("string Hostname vpn.example.com"))
    }

    func testAccountWithoutAHostnameIsAWarning() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/softether/vpn_client.config", "declare root\n{\n\tdeclare AccountDatabase\n\t{\n\t\tdeclare Account0\n\t\t{\n\t\t\tdeclare ClientOption\n\t\t\t{\n\t\t\t\tstring AccountName X\n\t\t\t}\n\t\t}\n\t}\n}\n")
        let inventory = Inventory.collect(from: tree.system)
        XCTAssertTrue(inventory.items("softether").isEmpty)
        XCTAssertTrue(inventory.warnings.contains { $0.description.contains("without a Hostname") })
    }
}
