import Flows
import Packets
import TestSupport
import XCTest

final class FlowTableTests: XCTestCase {
    private var ended: [FlowRecord] = []

    private func makeTable(_ configuration: FlowTableConfiguration = FlowTableConfiguration()) -> FlowTable {
        FlowTable(configuration: configuration) { [unowned self] record, _ in self.ended.append(record) }
    }

    private func packet(_ frame: [UInt8]) -> DecodedPacket {
        guard case .success(let packet) = PacketDecoder(linkType: .ethernet).decode(bytes: frame) else {
            fatalError("test frame does not decode")
        }
        return packet
    }

    private func udp(_ source: String, _ sourcePort: UInt16, _ destination: String, _ destinationPort: UInt16) -> DecodedPacket {
        packet(FrameBuilder.udpFrame(source, sourcePort, destination, destinationPort))
    }

    func testBothDirectionsShareOneFlowAndTheFirstSenderIsTheInitiator() {
        let table = makeTable()
        table.add(udp("203.0.113.9", 51820, "10.0.0.5", 40000), timestamp: Timestamp(seconds: 10), wireLength: 100)
        table.add(udp("10.0.0.5", 40000, "203.0.113.9", 51820), timestamp: Timestamp(seconds: 11), wireLength: 60)
        table.add(udp("10.0.0.5", 40000, "203.0.113.9", 51820), timestamp: Timestamp(seconds: 12), wireLength: 60)
        table.finish()
        XCTAssertEqual(ended.count, 1)
        let flow = ended[0]
        XCTAssertEqual(flow.source.description, "203.0.113.9")
        XCTAssertEqual(flow.sourcePort, 51820)
        XCTAssertEqual(flow.forward, DirectionCounters(packets: 1, bytes: 100))
        XCTAssertEqual(flow.reverse, DirectionCounters(packets: 2, bytes: 120))
        XCTAssertEqual(flow.firstSeen, Timestamp(seconds: 10))
        XCTAssertEqual(flow.lastSeen, Timestamp(seconds: 12))
        XCTAssertEqual(flow.endReason, .endOfCapture)
    }

    func testVLANsAndProtocolsSeparateFlows() {
        let table = makeTable()
        table.add(packet(FrameBuilder.udpFrame("10.0.0.1", 1, "10.0.0.2", 2, vlans: [10])), timestamp: Timestamp(seconds: 1), wireLength: 64)
        table.add(packet(FrameBuilder.udpFrame("10.0.0.1", 1, "10.0.0.2", 2, vlans: [20])), timestamp: Timestamp(seconds: 1), wireLength: 64)
        table.add(packet(FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2", protocol: 6,
            payload: FrameBuilder.tcp(sourcePort: 1, destinationPort: 2)))), timestamp: Timestamp(seconds: 1), wireLength: 64)
        table.finish()
        XCTAssertEqual(ended.map(\.vlan), [10, 20, nil])
    }

    func testLaterFragmentsAreCountedInTheirFlowAndMarked() {
        let table = makeTable()
        let first = packet(FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2", protocol: 17,
            payload: FrameBuilder.udp(sourcePort: 500, destinationPort: 500, payload: [1, 2]), identification: 9, moreFragments: true)))
        let later = packet(FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2", protocol: 17, payload: [3, 4], identification: 9, fragmentOffset: 2)))
        let orphan = packet(FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2", protocol: 17, payload: [3, 4], identification: 10, fragmentOffset: 2)))
        table.add(first, timestamp: Timestamp(seconds: 1), wireLength: 100)
        table.add(later, timestamp: Timestamp(seconds: 1), wireLength: 100)
        XCTAssertNil(table.add(orphan, timestamp: Timestamp(seconds: 1), wireLength: 100))
        table.finish()
        XCTAssertEqual(ended.count, 1)
        XCTAssertEqual(ended[0].forward.packets, 2)
        XCTAssertEqual(ended[0].forward.laterFragments, 1)
        XCTAssertEqual(table.statistics.unattributedFragments, 1)
    }

    func testIdleTimeoutEndsAQuietFlowAndANewOneStartsAfter() {
        let table = makeTable(FlowTableConfiguration(idleTimeout: 30))
        table.add(udp("10.0.0.1", 1, "10.0.0.2", 2), timestamp: Timestamp(seconds: 0), wireLength: 60)
        table.add(udp("10.0.0.1", 1, "10.0.0.2", 2), timestamp: Timestamp(seconds: 30), wireLength: 60)
        XCTAssertTrue(ended.isEmpty, "exactly the timeout is not past it")
        table.add(udp("10.0.0.1", 1, "10.0.0.2", 2), timestamp: Timestamp(seconds: 61), wireLength: 60)
        XCTAssertEqual(ended.map(\.endReason), [.idle])
        table.finish()
        XCTAssertEqual(ended.map(\.forward.packets), [2, 1])
        XCTAssertEqual(table.statistics.flowsEndedIdle, 1)
    }

    func testWithoutIdleTimeoutAFileKeepsOneFlowAcrossLongGaps() {
        let table = makeTable(FlowTableConfiguration(idleTimeout: nil))
        table.add(udp("10.0.0.1", 1, "10.0.0.2", 2), timestamp: Timestamp(seconds: 0), wireLength: 60)
        table.add(udp("10.0.0.1", 1, "10.0.0.2", 2), timestamp: Timestamp(seconds: 7200), wireLength: 60)
        table.finish()
        XCTAssertEqual(ended.map(\.forward.packets), [2])
    }

    func testActiveTimeoutContinuesALongFlowInANewRecord() {
        let table = makeTable(FlowTableConfiguration(activeTimeout: 60))
        for second in stride(from: 0, through: 100, by: 10) {
            table.add(udp("10.0.0.1", 1, "10.0.0.2", 2), timestamp: Timestamp(seconds: Int64(second)), wireLength: 60)
        }
        table.finish()
        XCTAssertEqual(ended.map(\.endReason), [.active, .endOfCapture])
        XCTAssertEqual(ended.map(\.forward.packets), [7, 4])
    }

    func testCapacityBoundEvictsTheLeastRecentlyActiveFlowAndCountsIt() {
        let table = makeTable(FlowTableConfiguration(maximumFlows: 2))
        table.add(udp("10.0.0.1", 1, "10.0.0.2", 2), timestamp: Timestamp(seconds: 1), wireLength: 60)
        table.add(udp("10.0.0.1", 3, "10.0.0.2", 4), timestamp: Timestamp(seconds: 2), wireLength: 60)
        table.add(udp("10.0.0.1", 1, "10.0.0.2", 2), timestamp: Timestamp(seconds: 3), wireLength: 60)
        table.add(udp("10.0.0.1", 5, "10.0.0.2", 6), timestamp: Timestamp(seconds: 4), wireLength: 60)
        XCTAssertEqual(ended.map(\.sourcePort), [3])
        XCTAssertEqual(ended.map(\.endReason), [.capacity])
        XCTAssertEqual(table.statistics.flowsEvictedForCapacity, 1)
        XCTAssertEqual(table.liveFlowCount, 2)
    }

    /// Many flows, timeouts and evictions against a plain dictionary model: the open-addressing
    /// table must count exactly what the model counts, through growth and deletion.
    func testRandomTrafficMatchesADictionaryModel() {
        var generator = SplitMix64(seed: 42)
        let table = makeTable(FlowTableConfiguration(idleTimeout: 30, maximumFlows: 10_000))
        var model: [String: (packets: UInt64, last: Int64)] = [:]
        var modelOrder: [String] = []
        var expectedEnded: [String: UInt64] = [:]
        func name(_ a: UInt16, _ b: UInt16) -> String { "\(min(a, b))-\(max(a, b))" }
        for step in 0..<30_000 {
            let now = Int64(step / 100)
            // Idle expiry in the model, mirroring the table's rule.
            while let oldest = modelOrder.first, now - model[oldest]!.last > 30 {
                expectedEnded[oldest, default: 0] += model[oldest]!.packets
                model[oldest] = nil
                modelOrder.removeFirst()
            }
            let a = UInt16(generator.next() % 2500) + 1
            let b = UInt16(generator.next() % 3) + 60000
            let key = name(a, b)
            let forward = generator.next() % 2 == 0
            table.add(forward ? udp("10.0.0.1", a, "10.0.0.2", b) : udp("10.0.0.2", b, "10.0.0.1", a),
                      timestamp: Timestamp(seconds: now), wireLength: 60)
            if let existing = model[key] {
                model[key] = (existing.packets + 1, now)
                modelOrder.removeAll { $0 == key }
            } else {
                model[key] = (1, now)
            }
            modelOrder.append(key)
        }
        table.finish()
        for (key, value) in model { expectedEnded[key, default: 0] += value.packets }
        var actual: [String: UInt64] = [:]
        for record in ended {
            let key = name(record.source.description == "10.0.0.1" ? record.sourcePort : record.destinationPort,
                           record.source.description == "10.0.0.1" ? record.destinationPort : record.sourcePort)
            actual[key, default: 0] += record.forward.packets + record.reverse.packets
        }
        XCTAssertEqual(actual, expectedEnded)
        XCTAssertEqual(table.statistics.flowsEvictedForCapacity, 0)
        XCTAssertGreaterThan(table.statistics.flowsEndedIdle, 0)
    }

    func testALiveFlowCostsUnder300Bytes() {
        XCTAssertLessThanOrEqual(FlowTable.bytesPerLiveFlow, 300)
        print("bytes per live flow in the table: \(FlowTable.bytesPerLiveFlow)")
    }

    func testAFlowEntryFitsInTwoCacheLines() {
        XCTAssertLessThanOrEqual(FlowTable.entryBytes, 128)
    }

    func testTheSameConversationInTwoTunnelsIsTwoFlows() {
        let table = makeTable(FlowTableConfiguration())
        let packet = udp("169.254.0.1", 546, "169.254.0.2", 547)  // the same link-local pair in two tunnels
        table.add(packet, timestamp: Timestamp(seconds: 1), wireLength: 90, scope: FlowKey.scope(carrier: 1))
        table.add(packet, timestamp: Timestamp(seconds: 2), wireLength: 90, scope: FlowKey.scope(carrier: 2))
        table.add(packet, timestamp: Timestamp(seconds: 3), wireLength: 90, scope: FlowKey.scope(carrier: 1))
        table.finish()
        XCTAssertEqual(ended.map(\.forward.packets).sorted(), [1, 2])
    }
}

/// A small deterministic generator so the randomized test is repeatable.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
