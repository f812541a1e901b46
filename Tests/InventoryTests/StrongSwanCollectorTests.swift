import Foundation
import Inventory
import XCTest

final class StrongSwanCollectorTests: XCTestCase {
    /// A CA and a gateway certificate made with the real strongswan-pki `pki --gen` / `--self` /
    /// `--issue`; returns the private key PEM and the certificate PEM.
    static func certificate() throws -> (privateKey: String, certificate: String) {
        let directory = try Scratch.directory()
        let caKey = try RealTool.run("pki", ["--gen", "--type", "rsa", "--size", "2048", "--outform", "pem"])
        try caKey.write(toFile: directory + "/ca.key", atomically: true, encoding: .utf8)
        let caCert = try RealTool.run("pki", ["--self", "--ca", "--in", directory + "/ca.key", "--dn", "CN=Test CA", "--outform", "pem"])
        try caCert.write(toFile: directory + "/ca.pem", atomically: true, encoding: .utf8)
        let key = try RealTool.run("pki", ["--gen", "--type", "rsa", "--size", "2048", "--outform", "pem"])
        try key.write(toFile: directory + "/gw.key", atomically: true, encoding: .utf8)
        let publicKey = try RealTool.run("pki", ["--pub", "--in", directory + "/gw.key", "--outform", "pem"])
        try publicKey.write(toFile: directory + "/gw.pub", atomically: true, encoding: .utf8)
        let cert = try RealTool.run("pki", ["--issue", "--in", directory + "/gw.pub", "--cacert", directory + "/ca.pem",
                                            "--cakey", directory + "/ca.key", "--dn", "CN=gw.example.com", "--san", "gw.example.com", "--outform", "pem"])
        XCTAssertTrue(key.contains("PRIVATE KEY") && cert.contains("BEGIN CERTIFICATE"))
        return (key, cert)
    }

    static let swanctl = """
        # swanctl.conf written as swanctl.conf(5) documents it
        connections {
            hk-office {
                version = 2
                local_addrs = 198.51.100.2
                remote_addrs = 203.0.113.7
                local {
                    auth = pubkey
                    certs = gw.pem
                    id = gw.example.com
                }
                remote { auth = pubkey
                    id = hk.example.com }
                children {
                    office-net {
                        local_ts = 10.10.0.0/16
                        remote_ts = 172.20.0.0/16
                        start_action = start
                    }
                }
            }
            partner : hk-office {
                remote_addrs = partner.example.net
                remote_port = 4500
                local { auth = psk }
                remote { auth = psk }
                children { p { remote_ts = 192.168.77.0/24 } }
            }
            roadwarriors {
                pools = rw-pool
                local_addrs = %any
                children { rw { local_ts = 0.0.0.0/0 } }
            }
        }
        secrets {
            ike-partner {
                id = partner.example.net
                secret = "0sPSK-partner-Very-Secret"
            }
        }
        """

    func testSwanctlConnectionsWithAddressesSelectorsAndLines() throws {
        let tree = try GatewayTree()
        _ = try Self.certificate()
        try tree.write("/etc/swanctl/swanctl.conf", Self.swanctl)
        let inventory = Inventory.collect(from: tree.system, collectors: [SwanctlCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let office = try XCTUnwrap(inventory.items.first { $0.name == "hk-office" })
        XCTAssertEqual(office.technology, "ipsec")
        XCTAssertEqual(office.role, .siteToSite)
        XCTAssertEqual(office.remote, [NetworkEndpoint(host: "203.0.113.7", port: 500, transport: "udp")])
        XCTAssertEqual(office.networks, ["10.10.0.0/16", "172.20.0.0/16"])
        XCTAssertEqual(office.attributes["local-auth"], "pubkey")
        XCTAssertEqual(office.attributes["remote-id"], "hk.example.com")
        XCTAssertTrue(office.sources.contains(SourceReference("/etc/swanctl/swanctl.conf", line: 6, key: "remote_addrs")))
        XCTAssertNil(office.isUp)
        let partner = try XCTUnwrap(inventory.items.first { $0.name == "partner" })
        XCTAssertEqual(partner.remote.first, NetworkEndpoint(host: "partner.example.net", port: 4500, transport: "udp"))
        XCTAssertEqual(partner.attributes["local-auth"], "psk")
        XCTAssertEqual(inventory.items.first { $0.name == "roadwarriors" }?.role, .server)
        XCTAssertFalse(String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self).contains("Very-Secret"))
    }

    /// `swanctl --list-sas` output in the layout swanctl prints.
    static let listSAs = """
        hk-office: #3, ESTABLISHED, IKEv2, 1f0c3a7b2e9d4c51_i* 8a2b6c4d1e0f3a9b_r
          local  'gw.example.com' @ 198.51.100.2[4500]
          remote 'hk.example.com' @ 203.0.113.7[4500]
          AES_CBC-256/HMAC_SHA2_256_128/PRF_HMAC_SHA2_256/CURVE_25519
          established 95s ago, rekeying in 13957s
          office-net: #7, reqid 1, INSTALLED, TUNNEL-in-UDP, ESP:AES_GCM_16-256
            installed 95s ago, rekeying in 3204s, expires in 3865s
            in  c2a1b3d4,   1204 bytes,    12 packets,     3s ago
            out c9e8f7a6,   2211 bytes,    14 packets,     3s ago
            local  10.10.0.0/16
            remote 172.20.0.0/16
        vici-only: #4, CONNECTING, IKEv2, 2222222222222222_i* 0000000000000000_r
          local  '%any' @ 198.51.100.2[500]
          remote '%any' @ 192.0.2.44[500]
        """

    func testListSAsMarksConnectionsUpOrDownAndKeepsUnconfiguredSAs() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/swanctl/conf.d/office.conf", Self.swanctl)
        try tree.state("swanctl-list-sas.txt", Self.listSAs)
        try tree.state("swanctl-list-conns.txt", "hk-office: IKEv2, no reauthentication, rekeying every 14400s\n  local:  198.51.100.2\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [SwanctlCollector()])
        XCTAssertEqual(inventory.items.first { $0.name == "hk-office" }?.isUp, true)
        XCTAssertEqual(inventory.items.first { $0.name == "hk-office" }?.attributes["loaded"], "true")
        XCTAssertEqual(inventory.items.first { $0.name == "partner" }?.isUp, false)
        let extra = try XCTUnwrap(inventory.items.first { $0.name == "vici-only" })
        XCTAssertEqual(extra.isUp, false)
        XCTAssertEqual(extra.remote.first, NetworkEndpoint(host: "192.0.2.44", port: 500, transport: "udp"))
    }

    func testMalformedSwanctlWarnsWithLineAndOtherConnectionsSurvive() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/swanctl/swanctl.conf", """
            connections {
                good {
                    remote_addrs = 192.0.2.1
                    remote_port = fivehundred
                }
                this is not valid
                bad key = 1
            }
            }
            """)
        let inventory = Inventory.collect(from: tree.system, collectors: [SwanctlCollector()])
        let warnings = inventory.warningTexts
        for prefix in ["/etc/swanctl/swanctl.conf:4 (remote_port)", "/etc/swanctl/swanctl.conf:6:", "/etc/swanctl/swanctl.conf:7:", "/etc/swanctl/swanctl.conf:9:"] {
            XCTAssertTrue(warnings.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(warnings)")
        }
        XCTAssertEqual(inventory.items.first { $0.name == "good" }?.remote.first?.host, "192.0.2.1")
    }

    func testDebianIPsecConfWithConnSectionsDefaultsAndAlso() throws {
        let tree = try GatewayTree()
        let sample = try DebianSample.text("/etc/ipsec.conf", package: "strongswan-starter")
        try tree.write("/etc/ipsec.conf", sample + """

            conn %default
            \tkeyexchange=ikev2
            \tauthby=secret

            conn base
            \tleft=198.51.100.2
            \tleftsubnet=10.10.0.0/16
            \tauto=ignore

            conn hk
            \talso=base
            \tright=203.0.113.7
            \trightsubnet=172.20.0.0/16
            \tauto=start

            conn rw
            \tleft=%defaultroute
            \tright=%any
            \trightsourceip=10.99.0.0/24
            \tleftcert=gw.pem
            \tauthby=pubkey
            \tauto=add
            """)
        let inventory = Inventory.collect(from: tree.system, collectors: [IPsecConfCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        XCTAssertEqual(inventory.items.map(\.name), ["hk", "rw"])
        let hk = inventory.items[0]
        XCTAssertEqual(hk.role, .siteToSite)
        XCTAssertEqual(hk.local.first?.host, "198.51.100.2")
        XCTAssertEqual(hk.remote, [NetworkEndpoint(host: "203.0.113.7", port: 500, transport: "udp")])
        XCTAssertEqual(hk.networks, ["10.10.0.0/16", "172.20.0.0/16"])
        XCTAssertEqual(hk.attributes["authby"], "secret")
        XCTAssertEqual(hk.attributes["keyexchange"], "ikev2")
        XCTAssertEqual(inventory.items[1].role, .server)
        XCTAssertEqual(inventory.items[1].attributes["authby"], "pubkey")
    }

    func testMalformedIPsecConfWarns() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/ipsec.conf", "conn a\n\tright=192.0.2.9\n\tnonsense\n\talso=missing\nbogus header\n\tleft=1.2.3.4\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [IPsecConfCollector()])
        let warnings = inventory.warningTexts
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/ipsec.conf:3:") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/ipsec.conf:4 (also)") }, "\(warnings)")
        XCTAssertTrue(warnings.contains { $0.hasPrefix("/etc/ipsec.conf:5:") }, "\(warnings)")
        XCTAssertEqual(inventory.items.first?.remote.first?.host, "192.0.2.9")
    }

    /// Real `ip xfrm state`/`policy` output from SAs installed in a namespace; the keys given to
    /// the kernel must not reach items or snapshots.
    func testKernelXfrmStateAndPolicyAreAnUpTunnelAndKeysAreRedacted() throws {
        let encryptionKey = "0x" + String(repeating: "3f7a", count: 8)
        let authenticationKey = "0x" + String(repeating: "c0de", count: 8)
        // The kernel's own output where it has xfrm and the algorithms; otherwise the same SAs as
        // ip-xfrm(8) prints them.
        let live = try? NetworkNamespace.run { namespace, ip -> (String, String) in
            for (src, dst, spi) in [("198.51.100.2", "203.0.113.7", "0xc1000001"), ("203.0.113.7", "198.51.100.2", "0xc1000002")] {
                try RealTool.run(ip, ["-n", namespace, "xfrm", "state", "add", "src", src, "dst", dst, "proto", "esp", "spi", spi, "reqid", "1",
                                      "mode", "tunnel", "enc", "cbc(aes)", encryptionKey, "auth-trunc", "hmac(sha256)", authenticationKey, "128"])
            }
            try RealTool.run(ip, ["-n", namespace, "xfrm", "policy", "add", "src", "10.10.0.0/16", "dst", "172.20.0.0/16", "dir", "out",
                                  "tmpl", "src", "198.51.100.2", "dst", "203.0.113.7", "proto", "esp", "reqid", "1", "mode", "tunnel"])
            return (try RealTool.run(ip, ["-n", namespace, "xfrm", "state"]), try RealTool.run(ip, ["-n", namespace, "xfrm", "policy"]))
        }
        let state: String
        let policy: String
        if let live, !live.0.isEmpty {
            (state, policy) = live
        } else {
            state = ["198.51.100.2\tdst 203.0.113.7\n\tproto esp spi 0xc1000001 reqid 1 mode tunnel",
                     "203.0.113.7\tdst 198.51.100.2\n\tproto esp spi 0xc1000002 reqid 1 mode tunnel"].map { pair in
                "src " + pair.replacingOccurrences(of: "\tdst", with: " dst") + """

                \treplay-window 0 flag af-unspec
                \tauth-trunc hmac(sha256) \(authenticationKey) 128
                \tenc cbc(aes) \(encryptionKey)
                \tlastused 2026-01-01 00:00:00
                \tanti-replay context: seq 0x0, oseq 0x0, bitmap 0x00000000
                \tsel src 0.0.0.0/0 dst 0.0.0.0/0
                """
            }.joined(separator: "\n")
            policy = "src 10.10.0.0/16 dst 172.20.0.0/16 \n\tdir out priority 0 \n\ttmpl src 198.51.100.2 dst 203.0.113.7\n\t\tproto esp reqid 1 mode tunnel\n"
        }
        XCTAssertTrue(state.contains(String(encryptionKey.dropFirst(2))), "ip xfrm state prints the keys: \(state)")
        let tree = try GatewayTree()
        try tree.state("ip-xfrm-state.txt", state)
        try tree.state("ip-xfrm-policy.txt", policy)
        let inventory = Inventory.collect(from: tree.system, collectors: [XfrmCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let item = try XCTUnwrap(inventory.items("ipsec").first)
        XCTAssertEqual(inventory.items.count, 1)
        XCTAssertEqual(item.isUp, true)
        XCTAssertEqual(Set([item.local.first?.host, item.remote.first?.host]), ["198.51.100.2", "203.0.113.7"])
        XCTAssertEqual(item.networks, ["10.10.0.0/16", "172.20.0.0/16"])
        XCTAssertEqual(item.attributes["mode"], "tunnel")
        let out = try Scratch.directory() + "/snap"
        try Snapshot.write(from: tree.system, collectors: [XfrmCollector()], to: out, toolVersion: "test")
        let snapshot = GatewayTree.text(under: out)
        for key in [encryptionKey, authenticationKey] { XCTAssertFalse(snapshot.contains(String(key.dropFirst(2))), key) }
        XCTAssertEqual(Inventory.collect(from: SystemView(.tree(root: out)), collectors: [XfrmCollector()]).items, inventory.items)
    }
}
