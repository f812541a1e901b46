import Foundation
import TestSupport
import XCTest

/// Runs the built `circuit-audit` binary as a user would, checking output and exit codes.
final class FlowsCommandTests: XCTestCase {
    private func run(_ arguments: [String]) throws -> CommandRunner.Result {
        try CommandRunner.run(arguments)
    }

    private func capture() throws -> String {
        var writer = CaptureFileWriter()
        writer.add(FrameBuilder.udpFrame("198.51.100.2", 40000, "203.0.113.7", 51820, vlans: [42]), at: 1_700_000_000)
        writer.add(FrameBuilder.udpFrame("203.0.113.7", 51820, "198.51.100.2", 40000, vlans: [42]), at: 1_700_000_001, microseconds: 500_000)
        writer.add(FrameBuilder.ethernet(type: 0x86DD, payload: FrameBuilder.ipv6(
            source: "2001:db8::1", destination: "2001:db8::2", protocol: 58, payload: FrameBuilder.icmpEcho())), at: 1_700_000_002)
        return try writer.write()
    }

    func testJSONLinesCarryTheDocumentedFields() throws {
        let result = try run(["flows", "--format", "jsonl", try capture()])
        XCTAssertEqual(result.status, 0, result.stderr)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertEqual(lines.count, 2)
        let udp = try JSONSerialization.jsonObject(with: Data(lines[0].utf8)) as! [String: Any]
        XCTAssertEqual(udp["proto"] as? String, "UDP")
        XCTAssertEqual(udp["src"] as? String, "198.51.100.2")
        XCTAssertEqual(udp["sport"] as? Int, 40000)
        XCTAssertEqual(udp["dst"] as? String, "203.0.113.7")
        XCTAssertEqual(udp["dport"] as? Int, 51820)
        XCTAssertEqual(udp["packets_fwd"] as? Int, 1)
        XCTAssertEqual(udp["packets_rev"] as? Int, 1)
        XCTAssertEqual(udp["bytes_fwd"] as? Int, 14 + 4 + 20 + 8 + 4)
        XCTAssertEqual(udp["vlan"] as? Int, 42)
        XCTAssertEqual(udp["first"] as? String, "2023-11-14T22:13:20.000000Z")
        XCTAssertEqual(udp["last"] as? String, "2023-11-14T22:13:21.500000Z")
        XCTAssertTrue(udp["tunnel"] is NSNull)
        let icmp = try JSONSerialization.jsonObject(with: Data(lines[1].utf8)) as! [String: Any]
        XCTAssertEqual(icmp["proto"] as? String, "ICMPV6")
        XCTAssertEqual(icmp["sport"] as? Int, 0)
        XCTAssertTrue(icmp["vlan"] is NSNull)
        XCTAssertTrue(result.stderr.contains("3 packets, 2 flows"))
    }

    func testTableIsAlignedWithAHeader() throws {
        let result = try run(["flows", "--format", "table", try capture()])
        XCTAssertEqual(result.status, 0)
        let lines = result.stdout.split(separator: "\n")
        XCTAssertTrue(lines[0].hasPrefix("#  PROTO"))
        XCTAssertTrue(lines[1].contains("198.51.100.2:40000"))
        XCTAssertTrue(lines[2].contains("2001:db8::1"))
    }

    func testMissingFileExitsSixtySixNamingTheFile() throws {
        let result = try run(["flows", "/no/such/capture.pcap"])
        XCTAssertEqual(result.status, 66)
        XCTAssertTrue(result.stderr.contains("/no/such/capture.pcap: cannot open"), result.stderr)
    }

    func testNotACaptureExitsSixtyFive() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("notes-\(UUID()).txt").path
        try Data("just text".utf8).write(to: URL(fileURLWithPath: path))
        let result = try run(["flows", path])
        XCTAssertEqual(result.status, 65)
        XCTAssertTrue(result.stderr.contains("not a pcap or pcapng capture"), result.stderr)
    }

    func testTruncatedCaptureStillPrintsFlowsThenNamesThePacket() throws {
        let path = try capture()
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        try bytes.dropLast(20).write(to: URL(fileURLWithPath: path))
        let result = try run(["flows", "--format", "jsonl", path])
        XCTAssertEqual(result.status, 65)
        XCTAssertEqual(result.stdout.split(separator: "\n").count, 1, "the flow read before the damage is printed")
        XCTAssertTrue(result.stderr.contains("packet 3"), result.stderr)
    }

    func testUsageErrorsExitSixtyFour() throws {
        XCTAssertEqual(try run(["flows"]).status, 64)
        XCTAssertEqual(try run(["flows", "--format", "xml", "x.pcap"]).status, 64)
        XCTAssertEqual(try run(["flows", "--filter", "udp port banana", try capture()]).status, 64)
    }
}
