import Detection
import XCTest

final class TrojanDetectorTests: XCTestCase {
    private typealias B = TLSSampleBuilder

    func testClearTrojanHeaderIsConfirmed() {
        let hash = Array(String(repeating: "0123456789abcdef", count: 4).prefix(56).utf8)
        let request: [UInt8] = [1, 3, 11] + Array("example.com".utf8) + [1, 187]
        let header = hash + [13, 10] + request + [13, 10] + B.clientHello(serverName: "example.com")
        let found = verdict(TrojanDetector().examine(makeFlow(.tcp, server: 443, [(.forward, header)])))
        XCTAssertEqual(found?.family, .trojan)
        XCTAssertEqual(found?.confidence, .confirmed)
    }

    /// Outer TLS 1.3: client Finished (53), Trojan header + inner ClientHello (602), server's
    /// inner flight, then the inner ChangeCipherSpec + Finished (80 + 17 = 97).
    func testTLSInTLSRecordSizesAreLikely() {
        let flow = makeFlow(.tcp, server: 443, [
            (.forward, B.clientHello(serverName: "proxy.example", alpn: ["h2", "http/1.1"])),
            (.reverse, B.serverFlight(cipherSuite: 0x1301) + [20, 3, 3, 0, 1, 1] + B.applicationData(800)),
            (.forward, [20, 3, 3, 0, 1, 1] + B.applicationData(53)),
            (.forward, B.applicationData(602)),
            (.reverse, B.applicationData(1203)),
            (.reverse, B.applicationData(879)),
            (.forward, B.applicationData(97)),
        ])
        XCTAssertEqual(verdict(TrojanDetector().examine(flow))?.confidence, .likely)
    }

    func testOrdinaryHTTPSExchangeIsNotTrojan() {
        let flow = makeFlow(.tcp, server: 443, [
            (.forward, B.clientHello(serverName: "github.com", alpn: ["h2", "http/1.1"])),
            (.reverse, B.serverFlight(cipherSuite: 0x1301) + [20, 3, 3, 0, 1, 1] + B.applicationData(800)),
            (.forward, [20, 3, 3, 0, 1, 1] + B.applicationData(53)),
            (.forward, B.applicationData(420)),
            (.reverse, B.applicationData(1400)),
            (.reverse, B.applicationData(1400)),
            (.forward, B.applicationData(48)),
        ])
        XCTAssertEqual(TrojanDetector().examine(flow), .notThis)
    }

    func testHTTPAndRandomAreNotTrojan() {
        XCTAssertEqual(TrojanDetector().examine(makeFlow(.tcp, server: 80, [(.forward, httpGet)])), .notThis)
        XCTAssertEqual(TrojanDetector().examine(makeFlow(.tcp, server: 443, [(.forward, B.noise(200))])), .notThis)
    }
}
