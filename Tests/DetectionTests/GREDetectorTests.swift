import Detection
import Packets
import XCTest

final class GREDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    func testGREWithIPv4PayloadIsConfirmed() {
        // RFC 2784: no flags, version 0, protocol type 0x0800.
        let packet = [0x00, 0x00, 0x08, 0x00] + S.innerIPv4
        let verdict = S.verdict(GREDetector().examine(S.flow(.gre, [(.forward, packet)])))
        XCTAssertEqual(verdict?.family, .gre)
        XCTAssertEqual(verdict?.confidence, .confirmed)
        XCTAssertEqual(verdict?.evidence.contains("GRE carrying IPv4 (0x0800)"), true)
    }

    func testGREWithKeyAndSequenceCarryingEthernetNamesTransparentBridging() {
        // RFC 2890: K and S bits, key and sequence number words, then an Ethernet frame.
        let packet: [UInt8] = [0x30, 0x00, 0x65, 0x58] + S.be32(42) + S.be32(1) + S.ethernet(type: 0x0800, payload: S.innerIPv4)
        let verdict = S.verdict(GREDetector().examine(S.flow(.gre, [(.forward, packet)])))
        XCTAssertEqual(verdict?.evidence.contains("transparent Ethernet bridging (0x6558)"), true)
        XCTAssertEqual(verdict?.evidence.contains("key 42"), true)
    }

    func testGREWithIPv6PayloadIsConfirmed() {
        let packet = [0x00, 0x00, 0x86, 0xDD] + S.innerIPv6
        XCTAssertEqual(S.verdict(GREDetector().examine(S.flow(.gre, [(.forward, packet)])))?.evidence.contains("IPv6 (0x86DD)"), true)
    }

    func testEnhancedGREOfPPTPIsGREWithProductPPTP() {
        // RFC 2637 §4.1: K and S set, version 1, protocol 0x880B, payload length and call id, sequence; PPP IPv4.
        let ppp: [UInt8] = [0xFF, 0x03, 0x00, 0x21] + S.innerIPv4
        let packet: [UInt8] = [0x30, 0x01, 0x88, 0x0B] + S.be16(UInt16(ppp.count)) + S.be16(7) + S.be32(1) + ppp
        let verdict = S.verdict(GREDetector().examine(S.flow(.gre, [(.forward, packet)])))
        XCTAssertEqual(verdict?.family, .gre)
        XCTAssertEqual(verdict?.product, "PPTP")
        XCTAssertEqual(verdict?.evidence.contains("PPP IPv4"), true)
    }

    func testEnhancedGREWithWrongPayloadLengthIsNotAccepted() {
        let ppp: [UInt8] = [0xFF, 0x03, 0x00, 0x21] + S.innerIPv4
        let packet: [UInt8] = [0x30, 0x01, 0x88, 0x0B] + S.be16(3) + S.be16(7) + S.be32(1) + ppp
        XCTAssertEqual(GREDetector().examine(S.flow(.gre, [(.forward, packet)])), .needMorePackets)
    }

    func testReservedBitsSetIsNotGRE() {
        let packet = [0x0F, 0x00, 0x08, 0x00] + S.innerIPv4
        let flow = S.flow(.gre, Array(repeating: (Direction.forward, packet), count: 4))
        XCTAssertEqual(GREDetector().examine(flow), .notThis)
    }

    func testOtherProtocolsAreNotGRE() {
        XCTAssertEqual(GREDetector().examine(S.flow(.udp, server: 4754, [(.forward, [0x00, 0x00, 0x08, 0x00] + S.innerIPv4)])), .notThis)
    }
}

final class GREUncheckablePayloadTests: XCTestCase {
    private typealias S = SampleBuilder

    func testGREWithAnUncheckableProtocolTypeIsConfirmedOnTheHeader() {
        // Protocol type 0x894F (NSH) is not checked: the valid GRE header on IP protocol 47 suffices.
        let packet: [UInt8] = [0x00, 0x00, 0x89, 0x4F] + S.random(40)
        XCTAssertEqual(S.verdict(GREDetector().examine(S.flow(.gre, [(.forward, packet)])))?.evidence.contains("0x894F"), true)
    }

    func testGREClaimingIPv4WithGarbageWaitsForMorePackets() {
        let packet: [UInt8] = [0x00, 0x00, 0x08, 0x00] + S.random(40)
        XCTAssertEqual(GREDetector().examine(S.flow(.gre, [(.forward, packet)])), .needMorePackets)
    }
}
