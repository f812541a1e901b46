import Detection
import XCTest

final class HTTPProxyDetectorTests: XCTestCase {
    func testConnectRequestIsConfirmed() {
        let request = Array("CONNECT www.example.com:443 HTTP/1.1\r\nHost: www.example.com:443\r\n\r\n".utf8)
        let flow = makeFlow(.tcp, server: 3128, [(.forward, request), (.reverse, Array("HTTP/1.1 200 Connection established\r\n\r\n".utf8))])
        let found = verdict(HTTPProxyDetector().examine(flow))
        XCTAssertEqual(found?.family, .httpProxy)
        XCTAssertEqual(found?.confidence, .confirmed)
        XCTAssertFalse(found!.family.tunnelClass.isTunnel)
    }

    func testAbsoluteFormRequestIsLikely() {
        let request = Array("GET http://www.example.com/a HTTP/1.1\r\nHost: www.example.com\r\n\r\n".utf8)
        XCTAssertEqual(verdict(HTTPProxyDetector().examine(makeFlow(.tcp, server: 8080, [(.forward, request)])))?.confidence, .likely)
    }

    func testOrdinaryGetIsNotAProxyRequest() {
        XCTAssertEqual(HTTPProxyDetector().examine(makeFlow(.tcp, server: 80, [(.forward, httpGet)])), .notThis)
    }

    func testConnectWithoutPortIsNotAProxyRequest() {
        let request = Array("CONNECT www.example.com HTTP/1.1\r\n\r\n".utf8)
        XCTAssertEqual(HTTPProxyDetector().examine(makeFlow(.tcp, server: 3128, [(.forward, request)])), .notThis)
    }

    func testTLSIsNotAProxyRequest() {
        XCTAssertEqual(HTTPProxyDetector().examine(ordinaryTLS("github.com")), .notThis)
    }
}
