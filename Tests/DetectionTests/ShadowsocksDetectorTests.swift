import Detection
import XCTest

final class ShadowsocksDetectorTests: XCTestCase {
    private typealias B = TLSSampleBuilder

    func testFullyEncryptedOpeningOnTheDefaultPortIsLikely() {
        // Salt 32 + sealed length 18 + sealed address (1+1+20+2) + tag 16.
        let flow = makeFlow(.tcp, server: 8388, [(.forward, B.noise(32 + 18 + 24 + 16, seed: 4)), (.reverse, B.noise(900, seed: 6))])
        let found = verdict(ShadowsocksDetector().examine(flow))
        XCTAssertEqual(found?.family, .shadowsocks)
        XCTAssertEqual(found?.confidence, .likely)
    }

    func testFullyEncryptedOpeningOnOtherPortsIsNotClaimed() {
        let flow = makeFlow(.tcp, server: 443, [(.forward, B.noise(90, seed: 4)), (.reverse, B.noise(900, seed: 6))])
        XCTAssertEqual(ShadowsocksDetector().examine(flow), .notThis)
    }

    func testKnownProtocolsOnTheDefaultPortAreNotShadowsocks() {
        XCTAssertEqual(ShadowsocksDetector().examine(makeFlow(.tcp, server: 8388, [(.forward, httpGet), (.reverse, B.noise(300))])), .notThis)
        let tls = makeFlow(.tcp, server: 8388, [(.forward, B.clientHello(serverName: "www.google.com")), (.reverse, B.serverFlight())])
        XCTAssertEqual(ShadowsocksDetector().examine(tls), .notThis)
    }

    func testLowEntropyOpeningIsNotShadowsocks() {
        let zeros = [UInt8](repeating: 0, count: 100)
        XCTAssertEqual(ShadowsocksDetector().examine(makeFlow(.tcp, server: 8388, [(.forward, zeros), (.reverse, B.noise(300))])), .notThis)
    }

    func testMidStreamCaptureIsNotJudged() {
        let flow = makeFlow(.tcp, server: 8388, handshake: false, [(.forward, B.noise(90)), (.reverse, B.noise(300))])
        XCTAssertEqual(ShadowsocksDetector().examine(flow), .notThis)
    }
}
