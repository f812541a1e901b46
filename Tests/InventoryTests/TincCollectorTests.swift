import Foundation
import Inventory
import XCTest

final class TincCollectorTests: XCTestCase {
    /// A tinc network whose keys the real `tincd -c DIR -K` generated.
    static func network(in tree: GatewayTree, name: String = "corp") throws -> (privateKey: String, directory: String) {
        let directory = try Scratch.directory()
        try FileManager.default.createDirectory(atPath: directory + "/hosts", withIntermediateDirectories: true)
        try "Name = gw\nConnectTo = hk\nMode = router\nInterface = tinc0\n".write(toFile: directory + "/tinc.conf", atomically: true, encoding: .utf8)
        try "Port = 655\nSubnet = 10.20.0.0/16\n\n".write(toFile: directory + "/hosts/gw", atomically: true, encoding: .utf8)
        try RealTool.run("tincd", ["-c", directory, "-K", "2048"])
        let privateKey = try Scratch.read(directory + "/rsa_key.priv")
        XCTAssertTrue(privateKey.contains("PRIVATE KEY"))
        let base = "/etc/tinc/\(name)"
        try tree.write(base + "/tinc.conf", try Scratch.read(directory + "/tinc.conf"))
        try tree.write(base + "/hosts/gw", try Scratch.read(directory + "/hosts/gw"))
        try tree.write(base + "/rsa_key.priv", privateKey)
        try tree.write(base + "/hosts/hk", "Address = 203.0.113.20 6655\nSubnet = 172.30.0.0/16\n-----BEGIN RSA PUBLIC KEY-----\nMIIBCgKCAQEA\n-----END RSA PUBLIC KEY-----\n")
        try tree.write(base + "/hosts/sg", "Address = sg.example.net\nPort = 656\nSubnet = 172.31.0.0/16\n")
        return (privateKey, directory)
    }

    func testNodeAndPeersWithAddressesSubnetsAndConnectTo() throws {
        let tree = try GatewayTree()
        _ = try Self.network(in: tree)
        let inventory = Inventory.collect(from: tree.system, collectors: [TincCollector()])
        XCTAssertTrue(inventory.warnings.isEmpty, "\(inventory.warningTexts)")
        let own = try XCTUnwrap(inventory.items.first { $0.name == "corp gw" })
        XCTAssertEqual(own.local.first?.port, 655)
        XCTAssertEqual(own.networks, ["10.20.0.0/16"])
        XCTAssertEqual(own.interface, "tinc0")
        let hk = try XCTUnwrap(inventory.items.first { $0.name == "corp hk" })
        XCTAssertEqual(hk.technology, "tinc")
        XCTAssertEqual(hk.role, .mesh)
        XCTAssertEqual(hk.remote, [NetworkEndpoint(host: "203.0.113.20", port: 6655)])
        XCTAssertEqual(hk.attributes["connect-to"], "true")
        XCTAssertEqual(inventory.items.first { $0.name == "corp sg" }?.remote, [NetworkEndpoint(host: "sg.example.net", port: 656)])
    }

    func testPrivateKeyFileIsNeitherReadNorSnapshotted() throws {
        let tree = try GatewayTree()
        let network = try Self.network(in: tree)
        let out = try Scratch.directory() + "/snap"
        try Snapshot.write(from: tree.system, collectors: [TincCollector()], to: out, toolVersion: "test")
        let body = network.privateKey.split(separator: "\n").dropFirst().first.map(String.init) ?? "?"
        XCTAssertFalse(GatewayTree.text(under: out).contains(body))
        XCTAssertTrue(FileManager.default.fileExists(atPath: out + "/etc/tinc/corp/hosts/hk"))
    }

    func testMalformedTincWarnsWithLines() throws {
        let tree = try GatewayTree()
        try tree.write("/etc/tinc/bad/tinc.conf", "Name = gw\nConnectTo = nowhere\n= nothing\n")
        try tree.write("/etc/tinc/bad/hosts/gw", "Port = x\n")
        try tree.write("/etc/tinc/bad/hosts/peer", "Address = 192.0.2.5 notaport\nAddress = 192.0.2.6\n")
        try tree.write("/etc/tinc/noname/tinc.conf", "Mode = switch\n")
        let inventory = Inventory.collect(from: tree.system, collectors: [TincCollector()])
        let warnings = inventory.warningTexts
        for prefix in ["/etc/tinc/bad/tinc.conf:2 (ConnectTo)", "/etc/tinc/bad/tinc.conf:3:", "/etc/tinc/bad/hosts/peer:1 (Address)", "/etc/tinc/noname/tinc.conf:"] {
            XCTAssertTrue(warnings.contains { $0.hasPrefix(prefix) }, "\(prefix) in \(warnings)")
        }
        XCTAssertEqual(inventory.items.first { $0.name == "bad peer" }?.remote.map(\.host), ["192.0.2.6"])
    }
}
