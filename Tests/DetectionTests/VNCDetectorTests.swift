import Detection
import XCTest

final class VNCDetectorTests: XCTestCase {
    func testServerProtocolVersionIsConfirmed() {
        let flow = makeFlow(.tcp, server: 5900, [(.reverse, Array("RFB 003.008\n".utf8)), (.forward, Array("RFB 003.008\n".utf8))])
        let found = verdict(VNCDetector().examine(flow))
        XCTAssertEqual(found?.family, .vnc)
        XCTAssertEqual(found?.confidence, .confirmed)
    }

    func testWrongLengthOrTextIsNotVNC() {
        XCTAssertEqual(VNCDetector().examine(makeFlow(.tcp, server: 5900, [(.reverse, Array("RFB 3.8\n".utf8))])), .notThis)
        XCTAssertEqual(VNCDetector().examine(makeFlow(.tcp, server: 5900, [(.reverse, Array("RFB 003.008\nX".utf8))])), .notThis)
        XCTAssertEqual(VNCDetector().examine(makeFlow(.tcp, server: 80, [(.forward, httpGet)])), .notThis)
    }
}
