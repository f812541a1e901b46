import Detection
import Packets
import XCTest

final class SSTPDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    func testSSTPDuplexPostIsConfirmed() {
        let request = Array("SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1\r\nHost: vpn.example\r\nContent-Length: 18446744073709551615\r\n\r\n".utf8)
        let verdict = S.verdict(SSTPDetector().examine(S.flow(.tcp, server: 443, [(.forward, request)])))
        XCTAssertEqual(verdict?.family, .sstp)
        XCTAssertEqual(verdict?.confidence, .confirmed)
    }

    func testCallConnectRequestIsConfirmed() {
        let packet: [UInt8] = [0x10, 0x01, 0x00, 0x0E, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x00, 0x01]
        XCTAssertEqual(S.family(SSTPDetector().examine(S.flow(.tcp, server: 443, [(.forward, packet)]))), "sstp")
    }

    func testOrdinaryHTTPPostIsNotSSTP() {
        XCTAssertEqual(SSTPDetector().examine(S.flow(.tcp, server: 443, [(.forward, Array("POST /sra_x/ HTTP/1.1\r\n\r\n".utf8))])), .notThis)
    }

    func testTLSIsNotSSTPInCleartext() {
        XCTAssertEqual(SSTPDetector().examine(S.flow(.tcp, server: 443, [(.forward, [0x16, 0x03, 0x01] + S.random(200))])), .notThis)
    }
}
