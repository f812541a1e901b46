import Detection
import XCTest

final class SOCKSDetectorTests: XCTestCase {
    func testSOCKS5GreetingAnsweredByMethodSelectionIsConfirmed() {
        let request: [UInt8] = [5, 1, 0, 3, 11] + Array("example.org".utf8) + [1, 187]
        let flow = makeFlow(.tcp, server: 1080, [(.forward, [5, 2, 0, 2]), (.reverse, [5, 0]), (.forward, request)])
        let found = verdict(SOCKSDetector().examine(flow))
        XCTAssertEqual(found?.family, .socks)
        XCTAssertEqual(found?.confidence, .confirmed)
        XCTAssertTrue(found?.evidence.contains("example.org:443") ?? false, found?.evidence ?? "")
    }

    func testSOCKS5SelectionOfAMethodNotOfferedIsNotSOCKS() {
        let flow = makeFlow(.tcp, server: 1080, [(.forward, [5, 1, 0]), (.reverse, [5, 2])])
        XCTAssertEqual(SOCKSDetector().examine(flow), .notThis)
    }

    func testSOCKS5GreetingWaitsForTheServer() {
        XCTAssertEqual(SOCKSDetector().examine(makeFlow(.tcp, server: 1080, [(.forward, [5, 1, 0])])), .needMorePackets)
    }

    func testSOCKS4ConnectAnsweredWithGrantIsConfirmed() {
        let request: [UInt8] = [4, 1, 0, 80, 93, 184, 216, 34] + Array("bob".utf8) + [0]
        let flow = makeFlow(.tcp, server: 1080, [(.forward, request), (.reverse, [0, 90, 0, 0, 0, 0, 0, 0])])
        let found = verdict(SOCKSDetector().examine(flow))
        XCTAssertEqual(found?.family, .socks)
        XCTAssertTrue(found?.evidence.contains("93.184.216.34:80") ?? false)
    }

    func testSOCKS4aCarriesAHostName() {
        let request: [UInt8] = [4, 1, 1, 187, 0, 0, 0, 1] + [0] + Array("example.net".utf8) + [0]
        let flow = makeFlow(.tcp, server: 1080, [(.forward, request), (.reverse, [0, 90, 0, 0, 0, 0, 0, 0])])
        XCTAssertTrue(verdict(SOCKSDetector().examine(flow))?.evidence.contains("example.net:443") ?? false)
    }

    func testRandomBytesAndHTTPAreNotSOCKS() {
        XCTAssertEqual(SOCKSDetector().examine(makeFlow(.tcp, server: 1080, [(.forward, [5] + TLSSampleBuilder.noise(60)), (.reverse, [5, 0])])), .notThis)
        XCTAssertEqual(SOCKSDetector().examine(makeFlow(.tcp, server: 80, [(.forward, httpGet)])), .notThis)
    }
}
