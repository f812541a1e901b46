import Foundation
import Inventory
import XCTest

final class OpenVPNCollectorTests: XCTestCase {
    private let samples = "/usr/share/doc/openvpn/examples/sample-config-files/"

    /// A static key from the real `openvpn --genkey secret FILE` (or `tls-crypt`).
    static func generatedKey(_ kind: String = "secret") throws -> String {
        let file = try Scratch.directory() + "/ta.key"
        try RealTool.run("openvpn", ["--genkey", kind, file])
        return try Scratch.read(file)
    }

    func testDebianClientSampleIsAClientOfItsRemote() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/openvpn/client/office.conf", try DebianSample.text(samples + "client.conf", package: "openvpn"))
        let inventory = Inventory.collect(from: tree.system, collectors: [OpenVPNCollector()])
        let item = try XCTUnwrap(inventory.items("openvpn").first)
        XCTAssertEqual(item.role, .client)
        XCTAssertEqual(item.name, "office")
        XCTAssertEqual(item.remote, [NetworkEndpoint(host: "my-server-1", port: 1194, transport: "udp")])
        XCTAssertEqual(item.interface, "tun")
        XCTAssertTrue(item.sources.contains { $0.key == "remote" && $0.line != nil })
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
    }

    func testDebianServerSampleWithPushedRoutesClientToClientAndCCDIroutes() throws {
        let tree = try GatewayTree()
        var server = try DebianSample.text(samples + "server.conf", package: "openvpn")
        server = DebianSample.enabling(server, ["push \"route 192.168.10.0", "client-to-client", "duplicate-cn", "client-config-dir ccd", "tls-auth ta.key 0"])
        server = server.replacingOccurrences(of: "proto udp", with: "proto tcp")
        try tree.write("/etc/openvpn/server/server.conf", server)
        try tree.write("/etc/openvpn/server/ta.key", try Self.generatedKey())
        try tree.write("/etc/openvpn/server/ccd/branch-office", "iroute 192.168.40.128 255.255.255.248\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [OpenVPNCollector()])
        let item = try XCTUnwrap(inventory.items("openvpn").first)
        XCTAssertEqual(item.role, .server)
        XCTAssertEqual(item.local, [NetworkEndpoint(host: "*", port: 1194, transport: "tcp")])
        XCTAssertTrue(item.networks.contains("10.8.0.0/24"))
        XCTAssertTrue(item.networks.contains("192.168.10.0/24"), "\(item.networks)")
        XCTAssertTrue(item.networks.contains("192.168.40.128/29"), "ccd iroute")
        XCTAssertEqual(item.attributes["client-to-client"], "true")
        XCTAssertEqual(item.attributes["duplicate-cn"], "true")
        XCTAssertEqual(item.attributes["tls-auth"], "ta.key")
        XCTAssertEqual(item.attributes["ccd-clients"], "branch-office")
        XCTAssertTrue(item.sources.contains { $0.location == "/etc/openvpn/server/ccd/branch-office" && $0.line == 1 })
    }

    func testInlineTLSCryptBlockIsSkippedAndItsKeyNeverReachesAnItem() throws {
        let key = try Self.generatedKey("tls-crypt")
        let tree = try GatewayTree()
        try tree.write("/etc/openvpn/client/hk.ovpn", """
            client
            dev tun1
            proto tcp-client
            remote 203.0.113.10 443
            remote 203.0.113.11 1194 udp
            <tls-crypt>
            \(key)
            </tls-crypt>
            <ca>
            -----BEGIN CERTIFICATE-----
            remote 10.9.9.9 1
            -----END CERTIFICATE-----
            </ca>
            cipher AES-256-GCM
            """)
        let inventory = Inventory.collect(from: tree.system, collectors: [OpenVPNCollector()])
        let item = try XCTUnwrap(inventory.items("openvpn").first)
        XCTAssertEqual(item.remote, [NetworkEndpoint(host: "203.0.113.10", port: 443, transport: "tcp"),
                                     NetworkEndpoint(host: "203.0.113.11", port: 1194, transport: "udp")], "nothing inside a block is an option")
        XCTAssertEqual(item.attributes["tls-crypt"], "inline")
        XCTAssertEqual(item.attributes["cipher"], "AES-256-GCM")
        let json = String(decoding: try JSONEncoder().encode(inventory), as: UTF8.self)
        let keyLine = try XCTUnwrap(key.split(separator: "\n").first { $0.count == 32 })
        XCTAssertFalse(json.contains(keyLine))
    }

    func testMalformedLinesWarnWithFileAndLineAndTheRestIsRead() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/openvpn/broken.conf", """
            client
            remote
            remote vpn.example.net notaport
            remote good.example.net 1195
            server 10.8.0.0
            push "route 10.1.0.0 255.0.255.0"
            port banana
            <tls-auth>
            never closed
            """)
        try tree.write("/etc/openvpn/fine.conf", "client\nremote 198.51.100.1\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [OpenVPNCollector()])
        let warnings = inventory.warningTexts
        for prefix in ["/etc/openvpn/broken.conf:2 (remote)", "/etc/openvpn/broken.conf:3 (remote): not a port number",
                       "/etc/openvpn/broken.conf:5 (server)", "/etc/openvpn/broken.conf:6 (push)", "/etc/openvpn/broken.conf:7 (port)",
                       "/etc/openvpn/broken.conf:8: <tls-auth> is never closed"] {
            XCTAssertTrue(warnings.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(warnings)")
        }
        let broken = try XCTUnwrap(inventory.items.first { $0.name == "broken" })
        XCTAssertEqual(broken.remote.map(\.host), ["good.example.net"])
        XCTAssertEqual(inventory.items.first { $0.name == "fine" }?.remote.first?.port, 1194)
    }
}
