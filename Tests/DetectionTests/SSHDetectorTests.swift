import Detection
import XCTest

final class SSHDetectorTests: XCTestCase {
    func testServerIdentificationLineIsConfirmed() {
        let flow = makeFlow(.tcp, server: 22, [(.reverse, Array("SSH-2.0-OpenSSH_9.6\r\n".utf8))])
        let found = verdict(SSHDetector().examine(flow))
        XCTAssertEqual(found?.family, .ssh)
        XCTAssertEqual(found?.confidence, .confirmed)
        XCTAssertTrue(found?.evidence.contains("SSH-2.0-OpenSSH_9.6") ?? false)
    }

    func testClientIdentificationOnAnotherPortIsFound() {
        let flow = makeFlow(.tcp, server: 2222, [(.forward, Array("SSH-2.0-PuTTY_Release_0.80\r\n".utf8))])
        XCTAssertEqual(verdict(SSHDetector().examine(flow))?.family, .ssh)
    }

    func testServerMayPrecedeItsIdentificationWithOtherLines() {
        let flow = makeFlow(.tcp, server: 22, [(.reverse, Array("Welcome\r\nSSH-1.99-Cisco-1.25\r\n".utf8))])
        XCTAssertEqual(verdict(SSHDetector().examine(flow))?.family, .ssh)
    }

    func testHTTPRequestIsNotSSH() {
        XCTAssertEqual(SSHDetector().examine(makeFlow(.tcp, server: 80, [(.forward, httpGet)])), .notThis)
    }

    func testTLSIsNotSSH() {
        XCTAssertEqual(SSHDetector().examine(ordinaryTLS("www.google.com")), .notThis)
    }

    func testPartialBannerWaits() {
        let flow = makeFlow(.tcp, server: 22, [(.reverse, Array("SSH-2.0-Open".utf8))])
        XCTAssertEqual(SSHDetector().examine(flow), .needMorePackets)
    }
}
