import Detection
import XCTest

final class RDPDetectorTests: XCTestCase {
    /// TPKT + X.224 CR (MS-RDPBCGR 2.2.1.1) with optional cookie and RDP_NEG_REQ.
    private func connectionRequest(cookie: String?, negotiation: Bool) -> [UInt8] {
        var user: [UInt8] = cookie.map { Array("Cookie: mstshash=\($0)\r\n".utf8) } ?? []
        if negotiation { user += [0x01, 0x00, 0x08, 0x00, 0x03, 0x00, 0x00, 0x00] }
        let x224: [UInt8] = [UInt8(6 + user.count), 0xE0, 0, 0, 0, 0, 0] + user
        let total = 4 + x224.count
        return [3, 0, UInt8(total >> 8), UInt8(total & 0xFF)] + x224
    }

    func testConnectionRequestWithCookieIsConfirmed() {
        let flow = makeFlow(.tcp, server: 3389, [(.forward, connectionRequest(cookie: "alice", negotiation: true))])
        let found = verdict(RDPDetector().examine(flow))
        XCTAssertEqual(found?.family, .rdp)
        XCTAssertEqual(found?.confidence, .confirmed)
    }

    func testNegotiationRequestWithoutCookieIsFound() {
        let flow = makeFlow(.tcp, server: 13389, [(.forward, connectionRequest(cookie: nil, negotiation: true))])
        XCTAssertEqual(verdict(RDPDetector().examine(flow))?.family, .rdp)
    }

    func testOtherTPKTPayloadIsNotRDP() {
        // A TPKT-framed X.224 CR with neither cookie nor negotiation request (e.g. ISO-TSAP/S7).
        let flow = makeFlow(.tcp, server: 102, [(.forward, connectionRequest(cookie: nil, negotiation: false) + [])])
        XCTAssertEqual(RDPDetector().examine(flow), .notThis)
    }

    func testUDPSynDatagramPaddedTo1232IsConfirmed() {
        var syn: [UInt8] = [0xFF, 0xFF, 0xFF, 0xFF, 0x00, 0x40, 0x00, 0x01] + [0x12, 0x34, 0x56, 0x78] + [0x04, 0xD0, 0x04, 0xD0]
        syn += [UInt8](repeating: 0, count: 1232 - syn.count)
        XCTAssertEqual(verdict(RDPDetector().examine(makeFlow(.udp, server: 3389, [(.forward, syn)])))?.family, .rdp)
    }

    func testHTTPAndRandomAreNotRDP() {
        XCTAssertEqual(RDPDetector().examine(makeFlow(.tcp, server: 3389, [(.forward, httpGet)])), .notThis)
        XCTAssertEqual(RDPDetector().examine(makeFlow(.udp, server: 3389, [(.forward, TLSSampleBuilder.noise(1232))])), .notThis)
    }
}
