import Detection
import Packets
import XCTest

final class SoftEtherDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    /// A PACK element: name length + 1, name, type, value count, values.
    private func element(_ name: String, string value: String) -> [UInt8] {
        S.be32(UInt32(name.utf8.count + 1)) + Array(name.utf8) + S.be32(2) + S.be32(1) + S.be32(UInt32(value.utf8.count)) + Array(value.utf8)
    }

    private func element(_ name: String, int value: UInt32) -> [UInt8] {
        S.be32(UInt32(name.utf8.count + 1)) + Array(name.utf8) + S.be32(0) + S.be32(1) + S.be32(value)
    }

    func testCleartextPACKOverUDPIsConfirmed() {
        let pack = S.be32(3) + element("opcode", string: "nat_t_register") + element("host_name", string: "vpn") + element("ok", int: 1)
        let verdict = S.verdict(SoftEtherDetector().examine(S.flow(.udp, server: 5004, [(.forward, pack)])))
        XCTAssertEqual(verdict?.family, .softether)
        XCTAssertEqual(verdict?.confidence, .confirmed)
        XCTAssertEqual(verdict?.evidence.contains("opcode, host_name, ok"), true)
    }

    func testPACKWhoseLengthsDoNotAddUpIsNotSoftEther() {
        let pack = S.be32(3) + element("opcode", string: "x") + element("host_name", string: "vpn") + element("ok", int: 1) + [0, 0]
        let flow = S.flow(.udp, server: 5004, Array(repeating: (Direction.forward, pack), count: 4))
        XCTAssertEqual(SoftEtherDetector().examine(flow), .notThis)
    }

    func testCleartextConnectRequestIsConfirmed() {
        let request = Array("POST /vpnsvc/connect.cgi HTTP/1.1\r\nHost: vpn.example\r\nContent-Type: image/jpeg\r\n\r\n".utf8)
        XCTAssertEqual(S.verdict(SoftEtherDetector().examine(S.flow(.tcp, server: 443, [(.forward, request)])))?.confidence, .confirmed)
    }

    func testHTTPToTheSoftEtherDDNSServiceIsLikely() {
        let request = Array("POST /ddns/ddns.aspx HTTP/1.1\r\nHost: x0.x0.dev.open.servers.ddns.softether-network.net\r\n\r\n".utf8)
        XCTAssertEqual(S.verdict(SoftEtherDetector().examine(S.flow(.tcp, server: 80, [(.forward, request)])))?.confidence, .likely)
    }

    func testOrdinaryHTTPIsNotSoftEther() {
        let request = Array("GET / HTTP/1.1\r\nHost: www.example.com\r\n\r\n".utf8)
        XCTAssertEqual(SoftEtherDetector().examine(S.flow(.tcp, server: 80, [(.forward, request)])), .notThis)
    }

    func testRandomUDPIsNotSoftEther() {
        let flow = S.flow(.udp, server: 5004, (0..<4).map { (Direction.forward, S.random(200, seed: UInt64($0 + 1))) })
        XCTAssertEqual(SoftEtherDetector().examine(flow), .notThis)
    }
}
