import Foundation
import Inventory
import XCTest

private func fixture(_ name: String) throws -> String {
    try String(contentsOf: URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/" + name), encoding: .utf8)
}

final class NftablesCollectorTests: XCTestCase {
    private func check(_ inventory: Inventory) throws {
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let toTunnel = try XCTUnwrap(inventory.items.first { $0.technology == "nat" && $0.interface == "tun0" })
        XCTAssertEqual(toTunnel.role, .forwarding)
        XCTAssertEqual(toTunnel.attributes["action"], "masquerade")
        let inside = try XCTUnwrap(inventory.items.first { $0.technology == "nat" && $0.interface == "eth0" })
        XCTAssertEqual(inside.networks, ["192.168.10.0/24"])
        XCTAssertEqual(inside.attributes["action"], "snat to 203.0.113.5")
        let forward = inventory.items("forwarding")
        XCTAssertEqual(forward.map { [$0.attributes["in-interface"], $0.attributes["out-interface"]] }, [["eth1", "wg0"], ["wg0", "eth1"]])
    }

    /// `nft -j list ruleset` as nft 1.0.6 printed it for Fixtures/nft-ruleset.nft.
    func testSavedRulesetGivesNATTowardTheTunnelAndForwarding() throws {
        let tree = try GatewayTree()
        try tree.state("nft-ruleset.json", try fixture("nft-ruleset.json"))
        try check(Inventory.collect(from: tree.system, collectors: [NftablesCollector()]))
    }

    func testRulesetLoadedIntoARealNamespace() throws {
        let nft = try RealTool.require("nft")
        let output = try NetworkNamespace.run { namespace, ip -> String in
            let file = try Scratch.directory() + "/rules.nft"
            try fixture("nft-ruleset.nft").write(toFile: file, atomically: true, encoding: .utf8)
            try RealTool.run(ip, ["netns", "exec", namespace, nft, "-f", file])
            return try RealTool.run(ip, ["netns", "exec", namespace, nft, "-j", "list", "ruleset"])
        }
        let tree = try GatewayTree()
        try tree.state("nft-ruleset.json", output)
        try check(Inventory.collect(from: tree.system, collectors: [NftablesCollector()]))
    }

    func testRedactedRulesetStillNamesTheInterfacesItsRulesMatch() throws {
        let json = try fixture("nft-ruleset.json")
        let redacted = NftablesCollector().redact(json, input: NftablesCollector().inputs[0], path: "state/nft-ruleset.json")
        XCTAssertEqual(redacted, json, "nft -j output holds no secret; its \"key\" members are selectors")
        let tree = try GatewayTree()
        try tree.state("nft-ruleset.json", redacted)
        try check(Inventory.collect(from: tree.system, collectors: [NftablesCollector()]))
    }

    func testOutputThatIsNotNftJSONWarns() throws {
        let tree = try GatewayTree()
        try tree.state("nft-ruleset.json", "table ip nat {\n}")
        let inventory = Inventory.collect(from: tree.system, collectors: [NftablesCollector()])
        XCTAssertEqual(inventory.warnings.first?.source.location, "nft -j list ruleset")
    }
}

final class IptablesCollectorTests: XCTestCase {
    private func check(_ inventory: Inventory) throws {
        let masquerade = try XCTUnwrap(inventory.items.first { $0.attributes["action"] == "masquerade" })
        XCTAssertEqual(masquerade.interface, "tun0")
        let snat = try XCTUnwrap(inventory.items.first { $0.attributes["action"]?.hasPrefix("snat") == true })
        XCTAssertEqual(snat.networks, ["10.8.0.0/24"])
        XCTAssertEqual(inventory.items("forwarding").map { $0.attributes["in-interface"] }, ["eth1", "wg0"])
        XCTAssertTrue(inventory.items.allSatisfy { $0.sources.first?.line != nil })
    }

    func testSavedRulesGiveNATAndForwarding() throws {
        let tree = try GatewayTree()
        try tree.state("iptables-save.txt", try fixture("iptables-save.txt"))
        let inventory = Inventory.collect(from: tree.system, collectors: [IptablesCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        try check(inventory)
    }

    func testRulesRestoredIntoARealNamespace() throws {
        let restore = try RealTool.require("iptables-restore")
        let save = try RealTool.require("iptables-save")
        let output = try NetworkNamespace.run { namespace, ip -> String in
            let file = try Scratch.directory() + "/rules"
            try fixture("iptables.rules").write(toFile: file, atomically: true, encoding: .utf8)
            try RealTool.run(ip, ["netns", "exec", namespace, "sh", "-c", "\(restore) < \(file)"])
            return try RealTool.run(ip, ["netns", "exec", namespace, save])
        }
        let tree = try GatewayTree()
        try tree.state("iptables-save.txt", output)
        try check(Inventory.collect(from: tree.system, collectors: [IptablesCollector()]))
    }

    func testMalformedLinesWarnWithLine() throws {
        let tree = try GatewayTree()
        try tree.state("iptables-save.txt", "-A FORWARD -i a -o b -j ACCEPT\n*filter\nrandom words\n-A FORWARD -i eth1 -o tun0 -j ACCEPT\nCOMMIT\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [IptablesCollector()])
        XCTAssertEqual(inventory.warnings.map { $0.source.line }, [1, 3])
        XCTAssertEqual(inventory.items.first?.interface, "tun0")
    }
}

final class WireGuardDumpCollectorTests: XCTestCase {
    func testPeersWithHandshakesAreUpAndKeysNeverReachTheSnapshot() throws {
        let privateKey = try RealTool.run("wg", ["genkey"])
        let publicKey = try RealTool.run("wg", ["pubkey"], input: privateKey)
        let peer = try RealTool.run("wg", ["pubkey"], input: try RealTool.run("wg", ["genkey"]))
        let idlePeer = try RealTool.run("wg", ["pubkey"], input: try RealTool.run("wg", ["genkey"]))
        let preshared = try RealTool.run("wg", ["genpsk"])
        let now = Int(Date().timeIntervalSince1970)
        // The layout wg(8) documents for `wg show all dump`.
        let dump = [
            ["wg0", privateKey, publicKey, "51820", "off"],
            ["wg0", peer, preshared, "203.0.113.80:51820", "10.50.0.0/16,192.168.50.0/24", String(now - 30), "123456", "654321", "25"],
            ["wg0", idlePeer, "(none)", "(none)", "10.60.0.2/32", "0", "0", "0", "off"],
        ].map { $0.joined(separator: "\t") }.joined(separator: "\n") + "\n"
        let tree = try GatewayTree()
        try tree.state("wg-show-all-dump.txt", dump)
        let inventory = Inventory.collect(from: tree.system, collectors: [WireGuardDumpCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let up = try XCTUnwrap(inventory.items.first { $0.attributes["public-key"] == peer })
        XCTAssertEqual(up.isUp, true)
        XCTAssertEqual(up.remote, [NetworkEndpoint(host: "203.0.113.80", port: 51820, transport: "udp")])
        XCTAssertEqual(up.networks, ["10.50.0.0/16", "192.168.50.0/24"])
        XCTAssertEqual(up.local.first?.port, 51820)
        XCTAssertEqual(up.attributes["preshared-key"], "set")
        XCTAssertEqual(inventory.items.first { $0.attributes["public-key"] == idlePeer }?.isUp, false)

        let out = try Scratch.directory() + "/snap"
        try Snapshot.write(from: tree.system, collectors: [WireGuardDumpCollector()], to: out, toolVersion: "test")
        let snapshot = GatewayTree.text(under: out)
        XCTAssertFalse(snapshot.contains(privateKey))
        XCTAssertFalse(snapshot.contains(preshared))
        XCTAssertTrue(snapshot.contains(peer), "public keys stay")
        XCTAssertEqual(Inventory.collect(from: SystemView(.tree(root: out)), collectors: [WireGuardDumpCollector()]).items.map(\.remote), inventory.items.map(\.remote))
    }

    func testMalformedDumpLinesWarn() throws {
        let tree = try GatewayTree()
        try tree.state("wg-show-all-dump.txt", "wg0\tpeer\t(none)\tnot-an-endpoint\t10.0.0.0/8\tsoon\t0\t0\toff\nwhat is this\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [WireGuardDumpCollector()])
        XCTAssertEqual(inventory.warnings.map { $0.source.line }, [1, 1, 2], "\(inventory.warningTexts)")
        XCTAssertEqual(inventory.items.first?.networks, ["10.0.0.0/8"])
    }
}
