import Foundation
import Inventory
import XCTest

final class SecretRedactorTests: XCTestCase {
    func testSecretsAreReplacedByFingerprintsAndLinesAreKept() {
        let text = """
            [Interface]
            PrivateKey = yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=
            ListenPort = 51820
            psk=hunter2-secret
            "password": "s3cr3t-pass",
            secret = "swanctl-psk-value"
            key /etc/openvpn/server.key
            <tls-crypt>
            -----BEGIN OpenVPN Static key V1-----
            0123456789abcdef
            -----END OpenVPN Static key V1-----
            </tls-crypt>
            """
        let redacted = SecretRedactor.redact(text, path: "/etc/mixed.conf")
        for secret in ["yAnz5TF+lXXJte14tji3zlMNq+hd2rYUIgJBgB3fBmk=", "hunter2-secret", "s3cr3t-pass", "swanctl-psk-value", "0123456789abcdef"] {
            XCTAssertFalse(redacted.contains(secret), secret)
        }
        XCTAssertEqual(redacted.split(separator: "\n", omittingEmptySubsequences: false).count,
                       text.split(separator: "\n", omittingEmptySubsequences: false).count)
        XCTAssertTrue(redacted.contains("ListenPort = 51820"))
        XCTAssertTrue(redacted.contains("key /etc/openvpn/server.key"), "a path to a key is kept; the key file itself is redacted")
        XCTAssertTrue(redacted.contains("PrivateKey = <redacted sha256:"))
    }

    func testTheSameSecretGivesTheSameFingerprintAndADifferentOneDoesNot() {
        XCTAssertEqual(SecretRedactor.marker(for: "a"), SecretRedactor.marker(for: "a"))
        XCTAssertNotEqual(SecretRedactor.marker(for: "a"), SecretRedactor.marker(for: "b"))
    }

    func testEverySecretMemberOfAOneLineJSONObjectIsRedacted() {
        let line = #"{"id": "b831381d-6324-4d53-ad4f-8cda48b30811", "alterId": 0, "password": "trojan-pass", "port": 443}"#
        let redacted = SecretRedactor.redact(line, path: "/etc/xray/config.json")
        XCTAssertFalse(redacted.contains("b831381d"))
        XCTAssertFalse(redacted.contains("trojan-pass"))
        XCTAssertTrue(redacted.contains(#""port": 443"#))
        XCTAssertNotNil(try? JSONSerialization.jsonObject(with: Data(redacted.utf8)), "the file stays valid JSON")
    }

    func testIPsecAndPPPSecretsFilesAreRedactedWhole() {
        let ipsec = SecretRedactor.redact("# comment\n198.51.100.2 203.0.113.7 : PSK \"pre-shared\"\n: RSA gw.key\n", path: "/etc/ipsec.secrets")
        XCTAssertFalse(ipsec.contains("pre-shared"))
        XCTAssertTrue(ipsec.contains(": RSA gw.key"))
        let chap = SecretRedactor.redact("alice * chap-password *\n", path: "/etc/ppp/chap-secrets")
        XCTAssertFalse(chap.contains("chap-password"))
        XCTAssertTrue(chap.hasPrefix("alice *"))
    }

    func testVMessUserIDIsASecretButAnIKEIdentityIsNot() {
        let v2ray = SecretRedactor.redact("{\"id\": \"b831381d-6324-4d53-ad4f-8cda48b30811\",\n\"alterId\": 0}", path: "/etc/v2ray/config.json")
        XCTAssertFalse(v2ray.contains("b831381d"))
        XCTAssertTrue(SecretRedactor.redact("  id = gw.example.com", path: "/etc/swanctl/swanctl.conf").contains("gw.example.com"))
    }

    func testASwanctlSecretsSectionKeepsItsBracesAndLosesItsSecret() {
        let text = "secrets {\n  ike-hq {\n    id = hq.lab.example\n    secret = \"s3cr3t-psk\"\n  }\n}\n"
        let redacted = SecretRedactor.redact(text, path: "/etc/swanctl/conf.d/hq.conf")
        XCTAssertTrue(redacted.hasPrefix("secrets {\n"), redacted)
        XCTAssertFalse(redacted.contains("s3cr3t-psk"))
        XCTAssertEqual(redacted.split(separator: "\n", omittingEmptySubsequences: false).count,
                       text.split(separator: "\n", omittingEmptySubsequences: false).count)
    }
}

final class SnapshotTests: XCTestCase {
    func testFilesWithCRLFLineEndsAreReadLineByLineAndTheirSecretsNeverReachTheSnapshot() throws {
        let tree = try GatewayTree()
        let key = "-----BEGIN PRIVATE KEY-----\r\nMIGHAgEAMBMGByqGSM49AgEGCCqGSM49AwEHBG0wawIBAQQg-crlf-SECRET\r\n-----END PRIVATE KEY-----"
        try tree.write("/etc/openvpn/client/hq.ovpn", "client\r\nremote 203.0.113.10 1194 udp\r\n<key>\r\n\(key)\r\n</key>\r\n")
        try tree.write("/var/lib/softether/vpn_server.config", "\u{FEFF}# Software Configuration File\r\n"
            + SoftEtherCollectorTests.config.replacingOccurrences(of: "\n", with: "\r\n"))
        let inventory = Inventory.collect(from: tree.system, collectors: [OpenVPNCollector(), SoftEtherCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        XCTAssertEqual(inventory.items.first { $0.technology == "openvpn" }?.remote.first?.host, "203.0.113.10")
        XCTAssertEqual(inventory.items.first { $0.technology == "softether" && $0.role == .siteToSite }?.remote.first?.host, "203.0.113.100")

        let out = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-\(UUID())").path
        _ = try Snapshot.write(from: tree.system, to: out, toolVersion: "test")
        let copied = GatewayTree.text(under: out)
        XCTAssertFalse(copied.contains("crlf-SECRET"))
        for secret in SoftEtherCollectorTests.secrets { XCTAssertFalse(copied.contains(secret), secret) }
    }

    func testSnapshotKeepsNoSecretHashesEveryFileAndReadsBackTheSameInventory() throws {
        let tree = try GatewayTree()
        let privateKey = try RealTool.run("wg", ["genkey"])
        let peer = try RealTool.run("wg", ["pubkey"], input: try RealTool.run("wg", ["genkey"]))
        try tree.write("/etc/wireguard/wg0.conf", "[Interface]\nPrivateKey = \(privateKey)\n\n[Peer]\nPublicKey = \(peer)\nEndpoint = 203.0.113.7:51820\nAllowedIPs = 10.0.0.0/8\n")
        let out = FileManager.default.temporaryDirectory.appendingPathComponent("snapshot-\(UUID())").path
        let manifest = try Snapshot.write(from: tree.system, to: out, toolVersion: "test")

        XCTAssertFalse(GatewayTree.text(under: out).contains(privateKey))
        let entry = try XCTUnwrap(manifest.files.first { $0.path == "/etc/wireguard/wg0.conf" })
        let copy = try String(contentsOfFile: out + "/etc/wireguard/wg0.conf", encoding: .utf8)
        XCTAssertEqual(entry.bytes, copy.utf8.count)
        XCTAssertEqual(manifest.commands.first { $0.stateFile == "ip-link.json" }?.ok, false, "the tree has no ip-link output")

        let attributes = try FileManager.default.attributesOfItem(atPath: out + "/etc/wireguard/wg0.conf")
        XCTAssertEqual((attributes[.posixPermissions] as? NSNumber)?.intValue, 0o600)
        let directory = try FileManager.default.attributesOfItem(atPath: out)
        XCTAssertEqual((directory[.posixPermissions] as? NSNumber)?.intValue, 0o700)

        let original = Inventory.collect(from: tree.system).items
        let reread = Inventory.collect(from: SystemView(.tree(root: out))).items
        XCTAssertEqual(original, reread)
    }

    func testANonEmptyDirectoryIsRefused() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/wireguard/x.conf", "[Interface]\n")
        XCTAssertThrowsError(try Snapshot.write(from: tree.system, to: tree.root, toolVersion: "test")) { error in
            XCTAssertEqual(error as? Snapshot.Failure, .notEmpty(path: tree.root))
        }
    }
}

extension GatewayTree {
    static func text(under directory: String) -> String {
        let enumerator = FileManager.default.enumerator(atPath: directory)
        var text = ""
        while let relative = enumerator?.nextObject() as? String {
            if let data = FileManager.default.contents(atPath: directory + "/" + relative) { text += String(decoding: data, as: UTF8.self) }
        }
        return text
    }
}
