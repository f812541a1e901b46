import Detection
import XCTest

final class VMessDetectorTests: XCTestCase {
    private typealias B = TLSSampleBuilder

    func testLongFullyEncryptedOpeningOnV2RaysPortIsLikely() {
        let flow = makeFlow(.tcp, server: 10086, [(.forward, B.noise(600, seed: 11)), (.reverse, B.noise(400, seed: 12))])
        let found = verdict(VMessDetector().examine(flow))
        XCTAssertEqual(found?.family, .vmess)
        XCTAssertEqual(found?.confidence, .likely)
    }

    func testShortOpeningIsLeftToShadowsocks() {
        let flow = makeFlow(.tcp, server: 10086, [(.forward, B.noise(100, seed: 11)), (.reverse, B.noise(400, seed: 12))])
        XCTAssertEqual(VMessDetector().examine(flow), .notThis)
    }

    func testOrdinaryTrafficIsNotVMess() {
        XCTAssertEqual(VMessDetector().examine(ordinaryTLS("www.google.com")), .notThis)
        XCTAssertEqual(VMessDetector().examine(makeFlow(.tcp, server: 10086, [(.forward, httpGet), (.reverse, B.noise(400))])), .notThis)
        XCTAssertEqual(VMessDetector().examine(makeFlow(.tcp, server: 443, [(.forward, B.noise(600)), (.reverse, B.noise(400))])), .notThis)
    }
}
