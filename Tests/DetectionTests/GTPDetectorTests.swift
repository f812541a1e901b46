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

/// GTP' (TS 32.295 §6): charging data records to a charging gateway on UDP 3386.
final class GTPPrimeDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    /// Version 2, PT 0, spare 111, 6-byte header: 0x4E; type, length after the header, sequence.
    private func message(_ type: UInt8, flags: UInt8 = 0x4E, _ ies: [UInt8]) -> [UInt8] {
        [flags, type] + S.be16(UInt16(ies.count)) + S.be16(0x0102) + ies
    }
    /// Packet Transfer Command 1 (send data record packet), then Data Record Packet (252, TLV).
    private let recordIEs: [UInt8] = [126, 1] + [252] + S.be16(12) + [1, 0x01] + S.be16(8) + S.random(8)

    func testDataRecordTransferRequestOnItsPortIsConfirmed() {
        let found = S.verdict(GTPDetector().examine(S.flow(.udp, server: 3386, [(.forward, message(240, recordIEs))])))
        XCTAssertEqual(found?.family, .gtp)
        XCTAssertTrue(found?.evidence.contains("GTP' Data Record Transfer Request") == true, found?.evidence ?? "")
    }

    func testResponseEchoAndVersionZeroHeaderAreConfirmed() {
        let response = message(241, [1, 128] + [253] + S.be16(2) + S.be16(0x0102))
        XCTAssertEqual(S.family(GTPDetector().examine(S.flow(.udp, server: 3386, [(.reverse, response)]))), "gtp")
        XCTAssertEqual(S.family(GTPDetector().examine(S.flow(.udp, server: 3386, [(.forward, message(2, [14, 3]))]))), "gtp")
        // Version 0 with the 20-byte header: length counts what follows those 20 bytes.
        let legacy: [UInt8] = [0x0F, 1] + S.be16(0) + S.be16(7) + [UInt8](repeating: 0, count: 14)
        XCTAssertEqual(S.family(GTPDetector().examine(S.flow(.udp, server: 3386, [(.forward, legacy)]))), "gtp")
    }

    func testGTPPrimeLookalikesAreNotGTP() {
        var wrongLength = message(240, recordIEs)
        wrongLength[3] &+= 1
        XCTAssertEqual(GTPDetector().examine(S.flow(.udp, server: 3386, [(.forward, wrongLength)])), .notThis)
        XCTAssertEqual(GTPDetector().examine(S.flow(.udp, server: 3386, [(.forward, message(240, [1, 1] + recordIEs.dropFirst(2)))])), .notThis,
                       "a request must start with its Packet Transfer Command")
        XCTAssertEqual(GTPDetector().examine(S.flow(.udp, server: 3386, [(.forward, message(240, flags: 0x5E, recordIEs))])), .notThis,
                       "protocol type 1 is GTP, not GTP'")
        XCTAssertEqual(GTPDetector().examine(S.flow(.udp, server: 40000, [(.forward, message(240, recordIEs))])), .notThis,
                       "only on GTP''s port")
    }
}
