import Detection
import Packets
import XCTest

final class TincDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    func testIDRequestsFromBothSidesAreConfirmedAsTinc10() {
        let flow = S.flow(.tcp, server: 655, [(.forward, Array("0 alpha 17\n".utf8)), (.reverse, Array("0 beta_2 17\n".utf8))])
        let verdict = S.verdict(TincDetector().examine(flow))
        XCTAssertEqual(verdict?.family, .tinc)
        XCTAssertEqual(verdict?.product, "tinc 1.0")
        XCTAssertEqual(verdict?.confidence, .confirmed)
    }

    func testTinc11VersionWithMinorIsConfirmed() {
        let flow = S.flow(.tcp, server: 40655, [(.forward, Array("0 node1 17.7\n".utf8)), (.reverse, Array("0 node2 17.7\n".utf8))])
        XCTAssertEqual(S.verdict(TincDetector().examine(flow))?.product, "tinc 1.1")
    }

    func testIDRequestWaitsForThePeer() {
        XCTAssertEqual(TincDetector().examine(S.flow(.tcp, server: 655, [(.forward, Array("0 alpha 17\n".utf8))])), .needMorePackets)
    }

    func testOtherTextProtocolsAreNotTinc() {
        XCTAssertEqual(TincDetector().examine(S.flow(.tcp, server: 655, [(.forward, Array("0 alpha beta gamma\n".utf8))])), .notThis)
        XCTAssertEqual(TincDetector().examine(S.flow(.tcp, server: 655, [(.forward, Array("GET / HTTP/1.1\r\n".utf8))])), .notThis)
    }

    func testReplyThatIsNoIDIsNotTinc() {
        let flow = S.flow(.tcp, server: 655, [(.forward, Array("0 alpha 17\n".utf8)), (.reverse, Array("ERROR\n".utf8))])
        XCTAssertEqual(TincDetector().examine(flow), .notThis)
    }
}
