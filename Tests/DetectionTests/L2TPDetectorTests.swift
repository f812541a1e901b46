import Detection
import Packets
import XCTest

final class L2TPDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    /// RFC 2661 §3.1 control header (T, L, S, version 2) and a Message Type AVP, then a Protocol Version AVP.
    private func v2Control(_ type: UInt16) -> [UInt8] {
        let avps: [UInt8] = [0x80, 0x08, 0, 0, 0, 0] + S.be16(type) + [0x80, 0x08, 0, 0, 0, 2, 1, 0]
        return [0xC8, 0x02] + S.be16(UInt16(12 + avps.count)) + [0, 0, 0, 0] + [0, 0, 0, 0] + avps
    }

    func testSCCRQOverUDPIsConfirmed() {
        let verdict = S.verdict(L2TPDetector().examine(S.flow(.udp, server: 1701, [(.forward, v2Control(1))])))
        XCTAssertEqual(verdict?.family, .l2tp)
        XCTAssertEqual(verdict?.confidence, .confirmed)
        XCTAssertEqual(verdict?.evidence.contains("Start-Control-Connection-Request"), true)
    }

    func testV2DataCarryingPPPIsConfirmedWithoutControl() {
        let dataNoOffset: [UInt8] = [0x40, 0x02] + S.be16(UInt16(8 + 4 + S.innerIPv4.count)) + S.be16(5) + S.be16(9) + [0xFF, 0x03, 0x00, 0x21] + S.innerIPv4
        let flow = S.flow(.udp, server: 1701, [(.forward, dataNoOffset), (.forward, dataNoOffset)])
        XCTAssertEqual(S.family(L2TPDetector().examine(flow)), "l2tp")
    }

    func testL2TPv3ControlOverUDPIsConfirmed() {
        // RFC 3931 §3.2.1: flags with version 3, length, control connection id, Ns, Nr; Message Type AVP.
        let avps: [UInt8] = [0x80, 0x08, 0, 0, 0, 0] + S.be16(1)
        let packet: [UInt8] = [0xC8, 0x03] + S.be16(UInt16(12 + avps.count)) + S.be32(0) + [0, 0, 0, 0] + avps
        XCTAssertEqual(S.verdict(L2TPDetector().examine(S.flow(.udp, server: 1701, [(.forward, packet)])))?.evidence.contains("L2TPv3"), true)
    }

    func testL2TPv3OverIPProtocol115IsConfirmed() {
        let avps: [UInt8] = [0x80, 0x08, 0, 0, 0, 0] + S.be16(1)
        let packet: [UInt8] = S.be32(0) + [0xC8, 0x03] + S.be16(UInt16(12 + avps.count)) + S.be32(0) + [0, 0, 0, 0] + avps
        let verdict = S.verdict(L2TPDetector().examine(S.flow(.l2tp, [(.forward, packet)])))
        XCTAssertEqual(verdict?.evidence, "L2TPv3 control message Start-Control-Connection-Request (Message Type AVP 1) over IP protocol 115")
    }

    func testControlWithWrongLengthIsNotL2TP() {
        var packet = v2Control(1)
        packet[3] = 99
        XCTAssertEqual(L2TPDetector().examine(S.flow(.udp, server: 1701, [(.forward, packet)])), .notThis)
    }

    func testRandomUDPOnPort1701IsNotL2TP() {
        XCTAssertEqual(L2TPDetector().examine(S.flow(.udp, server: 1701, [(.forward, S.random(28))])), .notThis)
    }
}

final class L2TPv3OverIPDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    func testL2TPv3DataOverIPCarryingEthernetIsConfirmed() {
        // RFC 3931 §4.1.1.2: session id, no cookie, then the Ethernet pseudowire frame.
        let packet = S.be32(0x0001_0001) + S.ethernet(type: 0x0800, payload: S.innerIPv4)
        XCTAssertEqual(S.verdict(L2TPDetector().examine(S.flow(.l2tp, [(.forward, packet)])))?.confidence, .confirmed)
    }

    func testUncheckableIPProtocol115IsOnlyLikely() {
        XCTAssertEqual(S.verdict(L2TPDetector().examine(S.flow(.l2tp, [(.forward, S.random(60))])))?.confidence, .likely)
    }
}
