import Foundation
import Inventory
import XCTest

final class IPLinkCollectorTests: XCTestCase {
    private var fixture: String {
        get throws {
            let url = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/ip-link-vxlan-tun.json")
            return try String(contentsOf: url, encoding: .utf8)
        }
    }

    /// Output of the real `ip -d -j link show` in a namespace with a VXLAN and a tun interface.
    func testTunnelInterfacesFromIPLinkJSONAreItems() throws {
        let tree = try GatewayTree()
        try tree.state("ip-link.json", try fixture)
        let inventory = Inventory.collect(from: tree.system, collectors: [IPLinkCollector()])
        let vxlan = try XCTUnwrap(inventory.items("vxlan").first)
        XCTAssertEqual(vxlan.name, "vx0")
        XCTAssertEqual(vxlan.remote, [NetworkEndpoint(host: "203.0.113.7", port: 4789)])
        XCTAssertEqual(vxlan.attributes["id"], "42")
        XCTAssertEqual(vxlan.isUp, true)
        XCTAssertEqual(inventory.items("tun").first?.name, "tun0")
        XCTAssertNil(inventory.items.first { $0.name == "lo" })
    }

    func testLiveNamespaceWithARealVXLANIsRead() throws {
        guard getuid() == 0, let ip = RealTool.path("ip") else { throw XCTSkip("needs root and iproute2") }
        let namespace = "ca-test-\(getpid())"
        try RealTool.run(ip, ["netns", "add", namespace])
        defer { _ = try? RealTool.run(ip, ["netns", "del", namespace]) }
        try RealTool.run(ip, ["-n", namespace, "link", "add", "vx7", "type", "vxlan", "id", "7", "remote", "192.0.2.99", "dstport", "4789"])
        let output = try RealTool.run(ip, ["-n", namespace, "-d", "-j", "link", "show"])
        let tree = try GatewayTree()
        try tree.state("ip-link.json", output)
        let item = try XCTUnwrap(Inventory.collect(from: tree.system, collectors: [IPLinkCollector()]).items("vxlan").first)
        XCTAssertEqual(item.remote.first?.host, "192.0.2.99")
        XCTAssertEqual(item.isUp, false)
    }

    func testOutputThatIsNotJSONIsAWarningNamingTheCommand() throws {
        let tree = try GatewayTree()
        try tree.state("ip-link.json", "1: lo: <LOOPBACK> mtu 65536")
        let inventory = Inventory.collect(from: tree.system, collectors: [IPLinkCollector()])
        XCTAssertTrue(inventory.items.isEmpty)
        XCTAssertEqual(inventory.warnings.first?.source.location, "ip -d -j link show")
    }

    func testMissingStateFileIsAWarningNotAFailure() throws {
        let inventory = Inventory.collect(from: try GatewayTree().system, collectors: [IPLinkCollector()])
        XCTAssertEqual(inventory.warnings.count, 1)
    }
}
