import Detection
import XCTest

final class FortinetSSLVPNDetectorTests: XCTestCase {
    private typealias B = TLSSampleBuilder

    func testTunnelRequestInClearIsConfirmed() {
        let request = Array("GET /remote/sslvpn-tunnel HTTP/1.1\r\nHost: 192.0.2.1\r\n\r\n".utf8)
        let found = verdict(FortinetSSLVPNDetector().examine(makeFlow(.tcp, server: 10443, [(.forward, request)])))
        XCTAssertEqual(found?.family, .fortinetSSLVPN)
        XCTAssertEqual(found?.product, "FortiClient")
        XCTAssertEqual(found?.confidence, .confirmed)
    }

    func testLoginCheckInClearIsConfirmed() {
        let request = Array("POST /remote/logincheck HTTP/1.1\r\nHost: vpn\r\n\r\n".utf8)
        XCTAssertEqual(verdict(FortinetSSLVPNDetector().examine(makeFlow(.tcp, server: 443, [(.forward, request)])))?.confidence, .confirmed)
    }

    func testFortiGateFactoryCertificateIsLikely() {
        let flow = makeFlow(.tcp, server: 10443, [
            (.forward, B.clientHello(serverName: "192.0.2.1")),
            (.reverse, B.serverFlight(certificate: B.certificate(issuer: "support", subject: "FGT60F0000000001"))),
        ])
        let found = verdict(FortinetSSLVPNDetector().examine(flow))
        XCTAssertEqual(found?.confidence, .likely)
        XCTAssertTrue(found?.evidence.contains("FGT60F0000000001") ?? false)
    }

    func testOrdinaryTLSAndHTTPAreNotFortinet() {
        XCTAssertEqual(FortinetSSLVPNDetector().examine(ordinaryTLS("github.com")), .notThis)
        XCTAssertEqual(FortinetSSLVPNDetector().examine(makeFlow(.tcp, server: 80, [(.forward, httpGet)])), .notThis)
    }
}
