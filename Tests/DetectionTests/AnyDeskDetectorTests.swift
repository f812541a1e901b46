import Detection
import XCTest

final class AnyDeskDetectorTests: XCTestCase {
    private typealias B = TLSSampleBuilder

    func testAnyDeskCertificateIsConfirmedRemoteAccess() {
        let flow = makeFlow(.tcp, server: 7070, [
            (.forward, B.clientHello(serverName: nil)),
            (.reverse, B.serverFlight(certificate: B.certificate(issuer: "AnyDesk Client", subject: "AnyDesk Client"))),
        ])
        let found = verdict(AnyDeskDetector().examine(flow))
        XCTAssertEqual(found?.family, .anydesk)
        XCTAssertFalse(found!.family.tunnelClass.isTunnel)
    }

    func testRelayServerNameIsLikely() {
        let flow = makeFlow(.tcp, server: 443, [(.forward, B.clientHello(serverName: "relay-1.net.anydesk.com"))])
        XCTAssertEqual(verdict(AnyDeskDetector().examine(flow))?.confidence, .likely)
    }

    func testOrdinaryTLSIsNotAnyDesk() {
        XCTAssertEqual(AnyDeskDetector().examine(ordinaryTLS("www.google.com")), .notThis)
        XCTAssertEqual(AnyDeskDetector().examine(ordinaryTLS("notanydesk.com")), .notThis)
    }
}
