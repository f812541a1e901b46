import Foundation
import Inventory
import XCTest

/// A whole gateway: real configs for every kind of tunnel, made by the real tools where a tool
/// makes them, inventoried by every registered collector and then snapshotted.
final class GatewayInventoryTests: XCTestCase {
    private static let samples = "/usr/share/doc/openvpn/examples/sample-config-files/"

    func testEveryTunnelIsFoundAndNoSecretReachesTheSnapshot() throws {
        let tree = try GatewayTree()
        var secrets: [String: String] = [:]

        // WireGuard (wg genkey / genpsk).
        let wgPrivate = try RealTool.run("wg", ["genkey"])
        let wgPeer = try RealTool.run("wg", ["pubkey"], input: try RealTool.run("wg", ["genkey"]))
        let wgPSK = try RealTool.run("wg", ["genpsk"])
        secrets["wireguard private key"] = wgPrivate
        secrets["wireguard preshared key"] = wgPSK
        try tree.write("/etc/wireguard/wg0.conf", """
            [Interface]
            PrivateKey = \(wgPrivate)
            Address = 10.70.0.1/24
            ListenPort = 51820

            [Peer]
            PublicKey = \(wgPeer)
            PresharedKey = \(wgPSK)
            Endpoint = 203.0.113.1:51820
            AllowedIPs = 10.71.0.0/16
            """)

        // OpenVPN: UDP server with a tls-auth file, TCP client with inline tls-auth, client with inline tls-crypt.
        let tlsAuth = try OpenVPNCollectorTests.generatedKey()
        let tlsCrypt = try OpenVPNCollectorTests.generatedKey("tls-crypt")
        for (name, key) in [("tls-auth", tlsAuth), ("tls-crypt", tlsCrypt)] {
            secrets["openvpn \(name) key"] = key.split(separator: "\n").first { $0.count == 32 }.map(String.init)
        }
        let server = DebianSample.enabling(try DebianSample.text(Self.samples + "server.conf", package: "openvpn"), ["tls-auth ta.key 0"])
        try tree.write("/etc/openvpn/server/udp.conf", server)
        try tree.write("/etc/openvpn/server/ta.key", tlsAuth)
        let client = try DebianSample.text(Self.samples + "client.conf", package: "openvpn")
        try tree.write("/etc/openvpn/client/tcp.conf", client.replacingOccurrences(of: "remote my-server-1 1194", with: "remote 203.0.113.2 443")
            .replacingOccurrences(of: "proto udp", with: "proto tcp") + "\nkey-direction 1\n<tls-auth>\n\(tlsAuth)\n</tls-auth>\n")
        try tree.write("/etc/openvpn/client/crypt.ovpn", "client\ndev tun2\nproto udp\nremote 203.0.113.3 1194\n<tls-crypt>\n\(tlsCrypt)\n</tls-crypt>\n")

        // strongSwan: certificate connection and a PSK connection (pki --gen / --self / --issue).
        let certificate = try StrongSwanCollectorTests.certificate()
        secrets["strongswan private key"] = certificate.privateKey.split(separator: "\n")[1].description
        try tree.write("/etc/swanctl/private/gw.pem", certificate.privateKey)
        try tree.write("/etc/swanctl/x509/gw.pem", certificate.certificate)
        try tree.write("/etc/swanctl/conf.d/gw.conf", StrongSwanCollectorTests.swanctl)
        secrets["strongswan psk"] = "0sPSK-partner-Very-Secret"
        try tree.write("/etc/ipsec.secrets", "198.51.100.2 203.0.113.4 : PSK \"legacy-psk-Secret-91\"\n")
        secrets["ipsec.secrets psk"] = "legacy-psk-Secret-91"
        try tree.write("/etc/ipsec.conf", "config setup\n\nconn legacy\n\tleft=198.51.100.2\n\tright=203.0.113.4\n\tauthby=secret\n\tauto=start\n")

        // tinc (tincd -K).
        let tinc = try TincCollectorTests.network(in: tree)
        secrets["tinc private key"] = tinc.privateKey.split(separator: "\n")[1].description

        // ocserv server and an openconnect client.
        try tree.write("/etc/ocserv/ocserv.conf", try DebianSample.text("/etc/ocserv/ocserv.conf", package: "ocserv"))
        try tree.write("/etc/systemd/system/ac.service", "[Service]\nExecStart=/usr/sbin/openconnect --passwd-on-stdin vpn.partner.example:443\n")

        // SoftEther with a cascade.
        try tree.write("/usr/libexec/softether/vpnserver/vpn_server.config", SoftEtherCollectorTests.config)
        for (index, secret) in SoftEtherCollectorTests.secrets.enumerated() { secrets["softether secret \(index)"] = secret }

        // shadowsocks client, V2Ray VMess client (v2ctl uuid).
        try tree.write("/etc/shadowsocks-libev/hk.json", "{\n\"server\": \"203.0.113.30\",\n\"server_port\": 8388,\n\"local_port\": 1080,\n\"password\": \"ss-Secret-Pw-55\",\n\"method\": \"aes-256-gcm\"\n}\n")
        secrets["shadowsocks password"] = "ss-Secret-Pw-55"
        let uuid = try RealTool.run("v2ctl", ["uuid"])
        secrets["vmess id"] = uuid
        try tree.write("/etc/v2ray/config.json", V2RayCollectorTests.config(uuid: uuid))
        secrets["trojan password"] = "trojan-pass-K2"

        // stunnel client; L2TP LAC; PPTP peer with a password; pptpd server.
        try tree.write("/etc/stunnel/relay.conf", "[relay]\nclient = yes\naccept = 127.0.0.1:8443\nconnect = 203.0.113.40:443\n")
        try tree.write("/etc/xl2tpd/xl2tpd.conf", "[lac office]\nlns = 203.0.113.50\npppoptfile = /etc/ppp/options.l2tpd.client\n")
        try tree.write("/etc/ppp/peers/hkvpn", "pty \"pptp 203.0.113.60 --nolaunchpppd\"\nname gw\npassword ppp-Secret-Pw-66\nremotename PPTP\n")
        secrets["ppp password"] = "ppp-Secret-Pw-66"
        try tree.write("/etc/ppp/chap-secrets", "gw PPTP chap-Secret-77 *\n")
        secrets["chap secret"] = "chap-Secret-77"
        try tree.write("/etc/pptpd.conf", "localip 192.168.0.1\nremoteip 192.168.0.234-238\n")

        // VXLAN from the kernel (real ip -d -j link output) and the wg dump.
        try tree.state("ip-link.json", try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent()
            .appendingPathComponent("Fixtures/ip-link-vxlan-tun.json"), encoding: .utf8))
        try tree.state("wg-show-all-dump.txt", "wg0\t\(wgPrivate)\t\(try RealTool.run("wg", ["pubkey"], input: wgPrivate))\t51820\toff\n"
            + "wg0\t\(wgPeer)\t\(wgPSK)\t203.0.113.1:51820\t10.71.0.0/16\t0\t0\t0\toff\n")

        let inventory = Inventory.collect(from: tree.system)
        let expected: [(technology: String, remote: String)] = [
            ("wireguard", "203.0.113.1"), ("openvpn", "203.0.113.2"), ("openvpn", "203.0.113.3"), ("ipsec", "203.0.113.7"),
            ("ipsec", "partner.example.net"), ("ipsec", "203.0.113.4"), ("tinc", "203.0.113.20"), ("anyconnect", "vpn.partner.example"),
            ("softether", "203.0.113.100"), ("shadowsocks", "203.0.113.30"), ("vmess", "hk.example.org"), ("stunnel", "203.0.113.40"),
            ("l2tp", "203.0.113.50"), ("pptp", "203.0.113.60"), ("vxlan", "203.0.113.7"),
        ]
        for (technology, remote) in expected {
            XCTAssertTrue(inventory.items(technology).contains { $0.remote.contains { $0.host == remote } }, "\(technology) to \(remote)")
        }
        for (technology, role) in [("openvpn", ConfigItem.Role.server), ("anyconnect", .server), ("pptp", .server), ("softether", .server)] {
            XCTAssertTrue(inventory.items(technology).contains { $0.role == role }, "\(technology) \(role)")
        }

        let out = try Scratch.directory() + "/snapshot"
        try Snapshot.write(from: tree.system, to: out, toolVersion: "test")
        let snapshot = GatewayTree.text(under: out)
        XCTAssertFalse(snapshot.isEmpty)
        for (what, secret) in secrets {
            XCTAssertFalse(secret.isEmpty, what)
            XCTAssertFalse(snapshot.contains(secret), "\(what) is in the snapshot")
        }
        let json = String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self)
        for (what, secret) in secrets { XCTAssertFalse(json.contains(secret), "\(what) is in the inventory") }
        // The snapshot reads back to the same tunnels.
        let reread = Inventory.collect(from: SystemView(.tree(root: out)))
        XCTAssertEqual(Set(reread.items.map(\.name)), Set(inventory.items.map(\.name)))
    }
}
