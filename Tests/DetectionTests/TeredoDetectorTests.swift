import Detection
import Packets
import XCTest

final class TeredoDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    private let teredoAddress: [UInt8] = [0x20, 0x01, 0x00, 0x00, 0x41, 0x36, 0xE3, 0x78, 0x80, 0x00, 0x63, 0xBF, 0x3F, 0xFF, 0xFD, 0xD2]

    func testIPv6FromATeredoAddressIsConfirmedOnAnyPort() {
        let packet = S.ipv6(next: 58, source: teredoAddress, payload: [128, 0, 0, 0, 0, 1, 0, 1])
        let verdict = S.verdict(TeredoDetector().examine(S.flow(.udp, server: 50000, [(.forward, packet)])))
        XCTAssertEqual(verdict?.family, .teredo)
        XCTAssertEqual(verdict?.evidence, "IPv6 packet in UDP with a Teredo address (2001:0::/32)")
    }

    func testQualificationRouterSolicitationWithAuthenticationHeaderIsConfirmed() {
        // RFC 4380 §5.1.1: authentication indicator with empty id and value, nonce, confirmation; then an RS
        // from fe80::8000:ffff:ffff:fffd to ff02::2.
        let auth: [UInt8] = [0x00, 0x01, 0, 0] + [1, 2, 3, 4, 5, 6, 7, 8] + [0]
        let source: [UInt8] = [0xFE, 0x80, 0, 0, 0, 0, 0, 0, 0x80, 0x00, 0xFF, 0xFF, 0xFF, 0xFF, 0xFF, 0xFD]
        let allRouters: [UInt8] = [0xFF, 0x02] + [UInt8](repeating: 0, count: 13) + [2]
        let packet = auth + S.ipv6(next: 58, source: source, destination: allRouters, payload: [133, 0, 0, 0, 0, 0, 0, 0])
        XCTAssertEqual(S.verdict(TeredoDetector().examine(S.flow(.udp, server: 3544, [(.forward, packet)])))?.evidence.contains("qualification"), true)
    }

    func testOrdinaryIPv6InUDPWithoutTeredoSignsIsNotTeredo() {
        XCTAssertEqual(TeredoDetector().examine(S.flow(.udp, server: 3544, [(.forward, S.innerIPv6)])), .notThis)
    }

    func testRandomUDPIsNotTeredo() {
        XCTAssertEqual(TeredoDetector().examine(S.flow(.udp, server: 3544, [(.forward, S.random(61))])), .notThis)
    }
}
