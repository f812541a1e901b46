import Capture
import Detection
import Flows
import Foundation
import Packets
import TestSupport
@testable import Traffic
import XCTest

/// Flows streamed to a sink as they end, and flows spread over worker threads, must say exactly
/// what one thread keeping every flow says.
final class StreamingAndShardedReadTests: XCTestCase {
    private final class Collect: FlowSink {
        var flows: [AnalyzedFlow] = []
        var closed = false
        var onReceive: ((AnalyzedFlow) -> Void)?
        func receive(_ flow: AnalyzedFlow) {
            onReceive?(flow)
            flows.append(flow)
        }
        func close() { closed = true }
    }

    private func corpusCaptures() throws -> [URL] {
        let captures = Corpus.captures(in: "pcap")
        if captures.isEmpty {
            if Corpus.isRequired { XCTFail("the corpus is required in CI") }
            throw XCTSkip("no corpus beside the repository")
        }
        return captures
    }

    private func analyzer(threads: Int, configuration: FlowTableConfiguration = FlowTableConfiguration()) -> TrafficAnalyzer {
        TrafficAnalyzer(configuration: configuration, threads: threads)
    }

    func testEveryThreadCountReadsTheCorpusToTheSameFlowsWithTheSameIDs() throws {
        var files = 0, flows = 0, tunnels = 0
        for url in try corpusCaptures() {
            guard let one = try? PacketSource.open(file: url.path), let three = try? PacketSource.open(file: url.path) else { continue }
            let single = analyzer(threads: 1).analyze(one)
            let sharded = analyzer(threads: 3).analyze(three)
            XCTAssertEqual(sharded.flows, single.flows, url.lastPathComponent)
            XCTAssertEqual(sharded.frames, single.frames, url.lastPathComponent)
            XCTAssertEqual(sharded.capture, single.capture, url.lastPathComponent)
            XCTAssertEqual(sharded.table.packets, single.table.packets, url.lastPathComponent)
            files += 1
            flows += single.flows.count
            tunnels += single.tunnelFlows
        }
        XCTAssertGreaterThan(files, 100)
        XCTAssertGreaterThan(tunnels, 50, "the corpus's VPN captures give verdicts, companion channels included")
        print("1 and 3 threads agree on \(files) captures, \(flows) flows, \(tunnels) with a tunnel verdict")
    }

    func testStreamedFlowsAreTheKeptFlowsInTheSameOrder() throws {
        for url in try corpusCaptures() {
            guard let kept = try? PacketSource.open(file: url.path), let streamed = try? PacketSource.open(file: url.path) else { continue }
            let all = analyzer(threads: 1).analyze(kept)
            let sink = Collect()
            let summary = analyzer(threads: 1).analyze(streamed) { _ in sink }
            XCTAssertEqual(sink.flows, all.flows, url.lastPathComponent)
            XCTAssertTrue(sink.closed)
            XCTAssertTrue(summary.flows.isEmpty, "a streamed read keeps no flow")
            XCTAssertEqual(summary.flowCount, all.flows.count, url.lastPathComponent)
            XCTAssertEqual(summary.tunnelFlows, all.tunnelFlows, url.lastPathComponent)
        }
    }

    func testShardedStreamsGiveEveryFlowOnceWithIDsFromTheOpeningPacket() throws {
        for url in try corpusCaptures().prefix(120) {
            guard let kept = try? PacketSource.open(file: url.path), let streamed = try? PacketSource.open(file: url.path) else { continue }
            let all = analyzer(threads: 1).analyze(kept)
            let sinks = [Collect(), Collect()]
            _ = analyzer(threads: 2).analyze(streamed) { sinks[$0] }
            var flows = sinks.flatMap(\.flows)
            XCTAssertEqual(Set(flows.map(\.record.id)).count, flows.count, "ids never repeat: \(url.lastPathComponent)")
            TrafficAnalyzer.renumber(&flows, inOrderOf: { $0.record.id < $1.record.id })
            flows.sort { ($0.via ?? $0.record.id, $0.record.id) < ($1.via ?? $1.record.id, $1.record.id) }
            XCTAssertEqual(flows.map(\.record), all.flows.map(\.record), url.lastPathComponent)
            XCTAssertEqual(flows.map(\.via), all.flows.map(\.via), url.lastPathComponent)
            XCTAssertEqual(flows.map { $0.tunnel?.family }, all.flows.map { $0.tunnel?.family }, url.lastPathComponent)
        }
    }

    /// A thousand short flows one after another with an idle timeout: each reaches the sink while
    /// the read goes on, so the table never holds more than the few flows of one timeout.
    func testAFlowReachesTheSinkWhenItEndsNotWhenTheReadEnds() throws {
        var capture = CaptureFileWriter()
        for flow in 0..<1000 {
            let port = UInt16(20000 + flow)
            let seconds = UInt32(1_700_000_000 + flow)
            capture.add(FrameBuilder.udpFrame("10.0.0.1", port, "192.0.2.9", 53, payload: [1, 2, 3]), at: seconds)
            capture.add(FrameBuilder.udpFrame("192.0.2.9", 53, "10.0.0.1", port, payload: [4, 5, 6]), at: seconds, microseconds: 500)
        }
        let path = try capture.write()
        for threads in [1, 2] {
            let sink = Collect()
            var receivedBeforeTheEnd = 0
            // With one thread the sink runs on the reading thread, so progress can see it.
            if threads == 1 { sink.onReceive = { _ in receivedBeforeTheEnd += 1 } }
            let source = try PacketSource.open(file: path)
            var packetsWhenFirstReceived: Int?
            let analyzer = analyzer(threads: threads, configuration: FlowTableConfiguration(idleTimeout: 5))
            analyzer.progressInterval = 100
            analyzer.progress = { packets in
                if packetsWhenFirstReceived == nil, receivedBeforeTheEnd > 0 { packetsWhenFirstReceived = packets }
            }
            let summary = analyzer.analyze(source) { _ in sink }
            XCTAssertEqual(summary.flowCount, 1000)
            XCTAssertEqual(sink.flows.count, 1000)
            XCTAssertGreaterThan(summary.table.flowsEndedIdle, 990)
            XCTAssertLessThanOrEqual(summary.table.peakLiveFlows, 8 * threads, "\(threads) threads")
            if threads == 1 {
                XCTAssertNotNil(packetsWhenFirstReceived, "flows went out during the read")
                XCTAssertEqual(sink.flows.map(\.record.id), (1...1000).map(UInt64.init), "idle flows leave in the order they end")
            }
        }
    }

    /// Enough packets that every worker fills batches and runs on its own thread.
    func testWorkerThreadsCountTheSameFlowsAsOneThread() throws {
        var capture = CaptureFileWriter()
        for round in 0..<6 {
            for client in 0..<1500 {
                let address = "10.\(client / 250).\(client % 250).\(round % 2 + 1)"
                let seconds = UInt32(1_700_000_000 + round)
                capture.add(FrameBuilder.udpFrame(address, UInt16(30000 + client), "203.0.113.\(client % 7 + 1)", 443,
                                                  payload: Array(repeating: UInt8(client & 0xFF), count: 40)), at: seconds, microseconds: UInt32(client))
                capture.add(FrameBuilder.udpFrame("203.0.113.\(client % 7 + 1)", 443, address, UInt16(30000 + client)),
                            at: seconds, microseconds: UInt32(client) + 500)
            }
        }
        let path = try capture.write()
        let single = analyzer(threads: 1).analyze(try PacketSource.open(file: path))
        let sharded = analyzer(threads: 3).analyze(try PacketSource.open(file: path))
        XCTAssertEqual(sharded.threadTimes.workers.count, 3, "every worker ran on its own thread")
        XCTAssertEqual(single.flows.count, 3000)
        XCTAssertEqual(sharded.flows, single.flows)
        XCTAssertEqual(sharded.table.packets, 18_000)
    }

    func testBothDirectionsAndEveryFragmentGoToOneWorker() {
        var forward = DecodedPacket()
        forward.source = IPAddress("198.51.100.7")!
        forward.destination = IPAddress("2001:db8::1")!
        var reverse = forward
        swap(&reverse.source, &reverse.destination)
        XCTAssertEqual(PacketShards.hostPairHash(forward), PacketShards.hostPairHash(reverse))
        var otherHost = forward
        otherHost.destination = IPAddress("2001:db8::2")!
        XCTAssertNotEqual(PacketShards.hostPairHash(forward), PacketShards.hostPairHash(otherHost))
    }

    func testTheHostPairHashSpreadsAddressesEvenly() {
        var counts = [Int](repeating: 0, count: 4)
        var packet = DecodedPacket()
        for client in 0..<4000 {
            packet.source = IPAddress("10.0.\(client / 250).\(client % 250 + 1)")!
            packet.destination = IPAddress("203.0.113.5")!
            counts[Int(PacketShards.hostPairHash(packet) % 4)] += 1
        }
        for count in counts { XCTAssertEqual(Double(count), 1000, accuracy: 120, "\(counts)") }
    }
}
