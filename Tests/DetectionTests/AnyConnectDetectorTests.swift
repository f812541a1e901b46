import Detection
import XCTest

final class AnyConnectDetectorTests: XCTestCase {
    private typealias B = TLSSampleBuilder
    private let session = B.noise(32, seed: 77)

    func testCSTPConnectInClearIsConfirmed() {
        let request = Array("CONNECT /CSCOSSLC/tunnel HTTP/1.1\r\nHost: vpn.example.com\r\nX-CSTP-Version: 1\r\n\r\n".utf8)
        let found = verdict(AnyConnectDetector().examine(makeFlow(.tcp, server: 443, [(.forward, request)])))
        XCTAssertEqual(found?.family, .anyconnect)
        XCTAssertEqual(found?.product, "Cisco AnyConnect")
        XCTAssertEqual(found?.confidence, .confirmed)
    }

    func testDTLSHelloWithCiscoPreStandardVersionIsConfirmed() {
        let hello = B.dtlsHandshake(type: 1, body: B.clientHelloBody(serverName: nil, sessionID: session, version: 0x0100, datagram: true), recordVersion: 0x0100)
        let found = verdict(AnyConnectDetector().examine(makeFlow(.udp, server: 443, [(.forward, hello)])))
        XCTAssertEqual(found?.confidence, .confirmed)
        XCTAssertEqual(found?.product, "Cisco AnyConnect")
    }

    func testDTLS12ResumptionAnsweredByAbbreviatedHandshakeIsLikely() {
        let hello = B.dtlsHandshake(type: 1, body: B.clientHelloBody(serverName: nil, sessionID: session, version: 0xFEFD, datagram: true), recordVersion: 0xFEFF)
        let serverHello = B.dtlsHandshake(type: 2, body: B.be16(0xFEFD) + B.noise(32, seed: 8) + [32] + session + B.be16(0xC02F) + [0], recordVersion: 0xFEFD)
        let found = verdict(AnyConnectDetector().examine(makeFlow(.udp, server: 443, [(.forward, hello), (.reverse, serverHello)])))
        XCTAssertEqual(found?.confidence, .likely)
    }

    func testOpenConnectPSKNegotiateHelloAnsweredWithAPSKSuiteIsLikely() {
        // Suites as openconnect 9 offers them (GnuTLS), the server choosing TLS_PSK_WITH_AES_256_GCM_SHA384.
        let suites: [UInt16] = [0x00A9, 0xCCAB, 0xC0A5, 0x008D, 0x00A8, 0xC0A4, 0x008C, 0x00AE, 0x00FF]
        let hello = B.dtlsHandshake(type: 1, body: B.clientHelloBody(serverName: nil, cipherSuites: suites, sessionID: session, version: 0xFEFD, datagram: true), recordVersion: 0xFEFF)
        let serverHello = B.dtlsHandshake(type: 2, body: B.be16(0xFEFD) + B.noise(32, seed: 8) + [32] + B.noise(32, seed: 9) + B.be16(0x00A9) + [0], recordVersion: 0xFEFD)
        let found = verdict(AnyConnectDetector().examine(makeFlow(.udp, server: 443, [(.forward, hello), (.reverse, serverHello)])))
        XCTAssertEqual(found?.family, .anyconnect)
        XCTAssertEqual(found?.product, "OpenConnect")
        XCTAssertEqual(found?.confidence, .likely)
        XCTAssertTrue(found?.evidence.contains("0xA9") ?? false, found?.evidence ?? "")
    }

    func testDTLSOfferingACertificateSuiteBesidePSKIsNotAnyConnect() {
        let suites: [UInt16] = [0x00A9, 0xC02B]
        let hello = B.dtlsHandshake(type: 1, body: B.clientHelloBody(serverName: nil, cipherSuites: suites, sessionID: session, version: 0xFEFD, datagram: true), recordVersion: 0xFEFF)
        let serverHello = B.dtlsHandshake(type: 2, body: B.be16(0xFEFD) + B.noise(32, seed: 8) + [32] + B.noise(32, seed: 9) + B.be16(0x00A9) + [0], recordVersion: 0xFEFD)
        XCTAssertNil(verdict(AnyConnectDetector().examine(makeFlow(.udp, server: 443, [(.forward, hello), (.reverse, serverHello)]))))
    }

    func testDTLSFullHandshakeIsNotAnyConnect() {
        let hello = B.dtlsHandshake(type: 1, body: B.clientHelloBody(serverName: nil, version: 0xFEFD, datagram: true), recordVersion: 0xFEFF)
        XCTAssertEqual(AnyConnectDetector().examine(makeFlow(.udp, server: 443, [(.forward, hello)])), .notThis)
    }

    func testOrdinaryTLSAndHTTPAreNotAnyConnect() {
        XCTAssertEqual(AnyConnectDetector().examine(ordinaryTLS("www.google.com")), .notThis)
        XCTAssertEqual(AnyConnectDetector().examine(makeFlow(.tcp, server: 80, [(.forward, httpGet)])), .notThis)
        XCTAssertEqual(AnyConnectDetector().examine(makeFlow(.udp, server: 443, [(.forward, B.noise(120))])), .notThis)
    }
}
