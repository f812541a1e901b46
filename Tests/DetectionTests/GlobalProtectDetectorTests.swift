import Detection
import XCTest

final class GlobalProtectDetectorTests: XCTestCase {
    func testPortalRequestInClearIsConfirmed() {
        let request = Array("POST /global-protect/prelogin.esp HTTP/1.1\r\nHost: gp.example.com\r\n\r\n".utf8)
        let found = verdict(GlobalProtectDetector().examine(makeFlow(.tcp, server: 443, [(.forward, request)])))
        XCTAssertEqual(found?.family, .globalprotect)
        XCTAssertEqual(found?.confidence, .confirmed)
    }

    func testESPInUDPOnPort4501IsConfirmed() {
        func esp(_ sequence: UInt32) -> [UInt8] { [0x9A, 0xBC, 0x00, 0x11] + TLSSampleBuilder.be16(0) + TLSSampleBuilder.be16(Int(sequence)) + TLSSampleBuilder.noise(80, seed: sequence) }
        let flow = makeFlow(.udp, server: 4501, [(.forward, esp(1)), (.reverse, esp(1)), (.forward, esp(2)), (.forward, esp(3))])
        XCTAssertEqual(verdict(GlobalProtectDetector().examine(flow))?.family, .globalprotect)
    }

    func testRandomUDPOnPort4501IsNotGlobalProtect() {
        let flow = makeFlow(.udp, server: 4501, [(.forward, TLSSampleBuilder.noise(90, seed: 1)), (.forward, TLSSampleBuilder.noise(90, seed: 2)),
                                                 (.forward, TLSSampleBuilder.noise(90, seed: 3))])
        XCTAssertEqual(GlobalProtectDetector().examine(flow), .notThis)
    }

    func testOrdinaryHTTPAndTLSAreNotGlobalProtect() {
        XCTAssertEqual(GlobalProtectDetector().examine(makeFlow(.tcp, server: 80, [(.forward, httpGet)])), .notThis)
        XCTAssertEqual(GlobalProtectDetector().examine(ordinaryTLS("www.google.com")), .notThis)
    }
}
