import Detection
import XCTest

final class TorDetectorTests: XCTestCase {
    private typealias B = TLSSampleBuilder

    func testRelayCertificateWithRandomNamesIsConfirmed() {
        let flow = makeFlow(.tcp, server: 9001, [
            (.forward, B.clientHello(serverName: "www.q4cyamnc6mtok.com")),
            (.reverse, B.serverFlight(certificate: B.certificate(issuer: "www.ab3kdl5mzq2x.com", subject: "www.pl4vz7qwm2ksu.net"))),
        ])
        let found = verdict(TorDetector().examine(flow))
        XCTAssertEqual(found?.family, .tor)
        XCTAssertEqual(found?.confidence, .confirmed)
    }

    func testRandomBase32ServerNameWithoutALPNIsLikely() {
        let flow = makeFlow(.tcp, server: 443, [
            (.forward, B.clientHello(serverName: "www.e6r5p57kbafwrxj.com")),
            (.reverse, B.serverFlight(cipherSuite: 0x1301)),
            (.forward, B.applicationData(100)), (.reverse, B.applicationData(500)), (.forward, B.applicationData(100)),
        ])
        XCTAssertEqual(verdict(TorDetector().examine(flow))?.confidence, .likely)
    }

    func testOrdinaryWebsitesAreNotTor() {
        XCTAssertEqual(TorDetector().examine(ordinaryTLS("www.google.com")), .notThis)
        XCTAssertEqual(TorDetector().examine(ordinaryTLS("github.com")), .notThis)
    }

    func testWordLikeNameWithoutDigitsIsNotTorEvenWithoutALPN() {
        let flow = makeFlow(.tcp, server: 443, [
            (.forward, B.clientHello(serverName: "www.facebook.com")),
            (.reverse, B.serverFlight(certificate: B.certificate(issuer: "DigiCert CA", subject: "*.facebook.com"))),
        ])
        XCTAssertEqual(TorDetector().examine(flow), .notThis)
    }

    func testRandomNameWithALPNIsNotTor() {
        let flow = makeFlow(.tcp, server: 443, [(.forward, B.clientHello(serverName: "www.x7kq2mz5.com", alpn: ["h2"]))])
        XCTAssertEqual(TorDetector().examine(flow), .notThis)
    }

    func testHTTPIsNotTor() {
        XCTAssertEqual(TorDetector().examine(makeFlow(.tcp, server: 80, [(.forward, httpGet)])), .notThis)
    }
}
