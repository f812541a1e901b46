import Detection
import Packets
import XCTest

final class PPTPDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    /// RFC 2637 §2.1: length 156, message type 1, magic cookie, control type, reserved, then the body.
    private func control(_ type: UInt16, length: Int) -> [UInt8] {
        S.be16(UInt16(length)) + S.be16(1) + S.be32(0x1A2B_3C4D) + S.be16(type) + [0, 0] + [UInt8](repeating: 0, count: length - 12)
    }

    func testStartControlConnectionRequestAnsweredByReplyIsConfirmed() {
        let flow = S.flow(.tcp, server: 1723, [(.forward, control(1, length: 156)), (.reverse, control(2, length: 156))])
        let verdict = S.verdict(PPTPDetector().examine(flow))
        XCTAssertEqual(verdict?.family, .pptp)
        XCTAssertEqual(verdict?.confidence, .confirmed)
        XCTAssertEqual(verdict?.evidence.contains("Start-Control-Connection-Reply"), true)
    }

    func testRequestAloneOnAnyPortIsConfirmed() {
        XCTAssertEqual(S.family(PPTPDetector().examine(S.flow(.tcp, server: 443, [(.forward, control(1, length: 156))]))), "pptp")
    }

    func testWrongLengthForTheMessageTypeIsNotPPTP() {
        XCTAssertEqual(PPTPDetector().examine(S.flow(.tcp, server: 1723, [(.forward, control(1, length: 100))])), .notThis)
    }

    func testMissingMagicCookieIsNotPPTP() {
        var message = control(1, length: 156)
        message[4] = 0
        XCTAssertEqual(PPTPDetector().examine(S.flow(.tcp, server: 1723, [(.forward, message)])), .notThis)
    }

    func testRandomBytesOfRequestSizeAreNotPPTP() {
        XCTAssertEqual(PPTPDetector().examine(S.flow(.tcp, server: 1723, [(.forward, S.random(156))])), .notThis)
    }
}
