import Detection
import Packets
import XCTest

final class GTPDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    /// TS 29.281 §5.1: flags 0x30 (version 1, PT 1), G-PDU, length, TEID.
    private func gpdu(_ inner: [UInt8], flags: UInt8 = 0x30, optional: [UInt8] = []) -> [UInt8] {
        [flags, 255] + S.be16(UInt16(optional.count + inner.count)) + S.be32(0x1234_5678) + optional + inner
    }

    func testGTPUGPDUWithIPv4IsConfirmedOnAnyPort() {
        let verdict = S.verdict(GTPDetector().examine(S.flow(.udp, server: 40000, [(.forward, gpdu(S.innerIPv4))])))
        XCTAssertEqual(verdict?.family, .gtp)
        XCTAssertEqual(verdict?.evidence, "GTP-U G-PDU (TEID 0x12345678) whose length matches the datagram, carrying an IPv4 packet")
    }

    func testGPDUWithSequenceAndPDUSessionExtensionCarryingIPv6IsConfirmed() {
        // E and S set: sequence, N-PDU, next type 0x85 (PDU session container), one 4-byte extension, then none.
        let optional: [UInt8] = [0, 1, 0, 0x85] + [1, 0x10, 0x09, 0x00]
        XCTAssertEqual(S.family(GTPDetector().examine(S.flow(.udp, server: 2152, [(.forward, gpdu(S.innerIPv6, flags: 0x36, optional: optional))]))), "gtp")
    }

    func testGPDUWhoseLengthDisagreesIsNotGTP() {
        var packet = gpdu(S.innerIPv4)
        packet[3] &+= 4
        XCTAssertEqual(GTPDetector().examine(S.flow(.udp, server: 2152, [(.forward, packet)])), .notThis)
    }

    func testGPDUWithRandomInnerBytesIsNotGTP() {
        XCTAssertEqual(GTPDetector().examine(S.flow(.udp, server: 2152, [(.forward, gpdu(S.random(60)))])), .notThis)
    }

    func testGTPv2CreateSessionRequestWithIEsIsConfirmed() {
        // TS 29.274 §5.1: version 2 with T, type 32, length, TEID, sequence, spare; IMSI IE (type 1) and Recovery (3).
        let ies: [UInt8] = [1, 0, 8, 0] + [0x21, 0x43, 0x65, 0x87, 0x09, 0x21, 0x43, 0xF5] + [3, 0, 1, 0, 7]
        let packet: [UInt8] = [0x48, 32] + S.be16(UInt16(8 + ies.count)) + S.be32(0) + [0, 0, 1, 0] + ies
        XCTAssertEqual(S.verdict(GTPDetector().examine(S.flow(.udp, server: 2123, [(.forward, packet)])))?.evidence.contains("Create Session Request"), true)
    }

    func testGTPv1EchoRequestIsConfirmed() {
        let packet: [UInt8] = [0x32, 1] + S.be16(4) + S.be32(0) + [0, 7, 0, 0]
        XCTAssertEqual(S.family(GTPDetector().examine(S.flow(.udp, server: 2152, [(.forward, packet)]))), "gtp")
    }

    func testRandomUDPIsNotGTP() {
        XCTAssertEqual(GTPDetector().examine(S.flow(.udp, server: 2152, [(.forward, S.random(76))])), .notThis)
    }
}
