import Detection
import Packets
import XCTest

final class ICMPTunnelDetectorTests: XCTestCase {
    private typealias S = SampleBuilder
    private typealias P = SampleBuilder.Packet

    /// Linux ping data: an 8-byte timestamp then bytes counting up from 0x08 (56 bytes).
    private func linuxPing(_ sequence: Int, size: Int = 56) -> [UInt8] {
        S.be32(0x6500_0000 + UInt32(sequence)) + S.be32(UInt32(sequence) * 997) + (0..<(size - 8)).map { UInt8(truncatingIfNeeded: 8 + $0) }
    }

    private func echoPairs(_ data: [[UInt8]]) -> [P] {
        data.flatMap { [P(direction: .forward, payload: $0, icmpType: 8), P(direction: .reverse, payload: $0, icmpType: 0)] }
    }

    func testEchoDataCarryingWholeIPv4PacketsIsConfirmed() {
        let packets = [P(direction: .forward, payload: S.innerIPv4, icmpType: 8), P(direction: .reverse, payload: S.ipv4(source: [10, 0, 0, 2], destination: [10, 0, 0, 1], payload: S.udp(payload: [1, 2, 3])), icmpType: 0)]
        let verdict = S.verdict(ICMPTunnelDetector().examine(S.flow(.icmp, packets)))
        XCTAssertEqual(verdict?.family, .icmpTunnel)
        XCTAssertEqual(verdict?.confidence, .confirmed)
    }

    func testOrdinaryPingIsNotATunnel() {
        let flow = S.flow(.icmp, echoPairs((0..<6).map { linuxPing($0) }))
        XCTAssertEqual(ICMPTunnelDetector().examine(flow), .notThis)
    }

    func testLargePingWithCountingPatternIsNotATunnel() {
        let flow = S.flow(.icmp, echoPairs((0..<6).map { linuxPing($0, size: $0 % 2 == 0 ? 1000 : 1400) }))
        XCTAssertEqual(ICMPTunnelDetector().examine(flow), .notThis)
    }

    func testWindowsPingAlphabetIsNotATunnel() {
        let alphabet = Array("abcdefghijklmnopqrstuvwabcdefghi".utf8)
        XCTAssertEqual(ICMPTunnelDetector().examine(S.flow(.icmp, echoPairs(Array(repeating: alphabet, count: 6)))), .notThis)
    }

    func testRepliesThatDoNotMirrorRequestsAreLikely() {
        var packets: [P] = []
        for index in 0..<3 {
            packets.append(P(direction: .forward, payload: S.random(80, seed: UInt64(index + 1)), icmpType: 8))
            packets.append(P(direction: .reverse, payload: S.random(120, seed: UInt64(index + 100)), icmpType: 0))
        }
        let verdict = S.verdict(ICMPTunnelDetector().examine(S.flow(.icmp, packets)))
        XCTAssertEqual(verdict?.family, .icmpTunnel)
        XCTAssertEqual(verdict?.confidence, .likely)
    }

    func testHighEntropyRequestsOfVaryingSizesAreLikely() {
        let packets = [300, 520, 410, 300].enumerated().map { P(direction: .forward, payload: S.random($0.element, seed: UInt64($0.offset + 7)), icmpType: 8) }
        XCTAssertEqual(S.verdict(ICMPTunnelDetector().examine(S.flow(.icmp, packets)))?.confidence, .likely)
    }

    func testICMPv6EchoCarryingIPv6IsConfirmed() {
        let packets = [P(direction: .forward, payload: S.innerIPv6, icmpType: 128), P(direction: .forward, payload: S.innerIPv6, icmpType: 128)]
        XCTAssertEqual(S.family(ICMPTunnelDetector().examine(S.flow(.icmpv6, clientAddress: "2001:db8::1", serverAddress: "2001:db8::2", packets))), "icmp-tunnel")
    }

    func testDestinationUnreachableQuotingAHeaderIsNotATunnel() {
        let packets = (0..<6).map { _ in P(direction: .reverse, payload: S.innerIPv4, icmpType: 3) }
        XCTAssertEqual(ICMPTunnelDetector().examine(S.flow(.icmp, packets)), .notThis)
    }
}
