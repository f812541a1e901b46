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
        // Several worker threads each write their flows as they end: find lines by content.
        let lines = try result.stdout.split(separator: "\n").map { try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any] }
        XCTAssertEqual(lines.count, 2)
        let udp = try XCTUnwrap(lines.first { $0["proto"] as? String == "UDP" })
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
        let icmp = try XCTUnwrap(lines.first { $0["proto"] as? String == "ICMPV6" })
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

    /// A capture of many conversations read with 1, 2 and 3 threads: the same flows, with ids
    /// consecutive on one thread and from the opening packet on more.
    func testEveryThreadCountPrintsTheSameFlows() throws {
        var writer = CaptureFileWriter()
        for index in 0..<60 {
            let client = "10.0.\(index / 200).\(index % 200 + 1)"
            let seconds = UInt32(1_700_000_000 + index)
            writer.add(FrameBuilder.udpFrame(client, 40000, "203.0.113.7", 53), at: seconds)
            writer.add(FrameBuilder.udpFrame("203.0.113.7", 53, client, 40000), at: seconds, microseconds: 1000)
        }
        let path = try writer.write()
        func flows(threads: Int) throws -> [String: (Int, Int, Int)] {
            let result = try run(["flows", "--format", "jsonl", "--threads", String(threads), path])
            XCTAssertEqual(result.status, 0, result.stderr)
            XCTAssertTrue(result.stderr.contains("120 packets, 60 flows"), result.stderr)
            var byClient: [String: (Int, Int, Int)] = [:]
            for line in result.stdout.split(separator: "\n") {
                let flow = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
                byClient[flow["src"] as! String] = (flow["id"] as! Int, flow["packets_fwd"] as! Int, flow["packets_rev"] as! Int)
            }
            return byClient
        }
        let one = try flows(threads: 1)
        XCTAssertEqual(one.values.map(\.0).sorted(), Array(1...60))
        for threads in [2, 3] {
            let many = try flows(threads: threads)
            XCTAssertEqual(many.mapValues { [$0.1, $0.2] }, one.mapValues { [$0.1, $0.2] })
            // Ids from the opening packet: the client's first datagram is packet 2i + 1.
            XCTAssertEqual(many["10.0.0.1"]?.0, 2 * 1)
            XCTAssertEqual(many["10.0.0.60"]?.0, 2 * 119)
        }
    }

    func testThreadAndFanoutOptionsAreCheckedBeforeReading() throws {
        let path = try capture()
        for arguments in [["--threads", "0"], ["--threads", "300"], ["--fanout", "2"]] {
            let result = try run(["flows"] + arguments + [path])
            XCTAssertEqual(result.status, 64, "\(arguments): \(result.stderr)")
            XCTAssertTrue(result.stderr.contains(arguments[0]), result.stderr)
        }
    }
}
