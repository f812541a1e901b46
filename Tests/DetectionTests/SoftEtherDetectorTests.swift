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

/// SoftEther VPN Server's first-start certificate (Cedar/Server.c, SiGenerateDefaultCertEx):
/// self-signed, serial 0, CN = O = OU = the machine name, C = US (X.509, RFC 5280 §4.1).
final class SoftEtherDefaultCertificateTests: XCTestCase {
    private typealias B = TLSSampleBuilder

    private func der(_ tag: UInt8, _ body: [UInt8]) -> [UInt8] {
        body.count < 0x80 ? [tag, UInt8(body.count)] + body : [tag, 0x82] + B.be16(body.count) + body
    }

    /// A Name: one RDN per attribute (OID 2.5.4.x, UTF8String; countries PrintableString).
    private func name(_ attributes: [(UInt8, String)]) -> [UInt8] {
        der(0x30, attributes.flatMap { oid, value in
            der(0x31, der(0x30, [0x06, 0x03, 0x55, 0x04, oid] + der(oid == 6 ? 0x13 : 0x0C, Array(value.utf8))))
        })
    }

    private func certificate(serial: UInt8 = 0, subject: [(UInt8, String)], issuer: [(UInt8, String)]? = nil) -> [UInt8] {
        let algorithm = der(0x30, [0x06, 0x09, 0x2A, 0x86, 0x48, 0x86, 0xF7, 0x0D, 0x01, 0x01, 0x0B, 0x05, 0x00])
        let validity = der(0x30, der(0x17, Array("260101000000Z".utf8)) + der(0x17, Array("380101000000Z".utf8)))
        let tbs = der(0x30, [0xA0, 0x03, 0x02, 0x01, 0x02, 0x02, 0x01, serial] + algorithm + name(issuer ?? subject) + validity
            + name(subject) + der(0x30, B.noise(40, seed: 3)))
        return der(0x30, tbs + algorithm + der(0x03, [0] + B.noise(64, seed: 4)))
    }

    private func flow(_ certificate: [UInt8], suite: UInt16 = 0xC02F) -> FlowSample {
        makeFlow(.tcp, server: 443, [(.forward, B.clientHello(serverName: nil)), (.reverse, B.serverFlight(cipherSuite: suite, certificate: certificate))])
    }

    private let defaultName: [(UInt8, String)] = [(3, "vpn-hq"), (10, "vpn-hq"), (11, "vpn-hq"), (6, "US")]

    func testDefaultServerCertificateIsLikelySoftEther() {
        let found = verdict(SoftEtherDetector().examine(flow(certificate(subject: defaultName))))
        XCTAssertEqual(found?.family, .softether)
        XCTAssertEqual(found?.confidence, .likely)
        XCTAssertTrue(found?.evidence.contains("\"vpn-hq\"") == true, found?.evidence ?? "")
    }

    func testCertificatesThatDifferFromTheDefaultInOneFieldAreNotSoftEther() {
        XCTAssertEqual(SoftEtherDetector().examine(flow(certificate(serial: 7, subject: defaultName))), .notThis, "serial not 0")
        XCTAssertEqual(SoftEtherDetector().examine(flow(certificate(subject: [(3, "vpn-hq"), (10, "Example Ltd"), (11, "vpn-hq"), (6, "US")]))), .notThis)
        XCTAssertEqual(SoftEtherDetector().examine(flow(certificate(subject: [(3, "vpn-hq"), (10, "vpn-hq"), (11, "vpn-hq"), (6, "CN")]))), .notThis)
        XCTAssertEqual(SoftEtherDetector().examine(flow(certificate(subject: defaultName, issuer: [(3, "Example CA"), (10, "Example CA"), (6, "US")]))), .notThis,
                       "issued by a CA, not self-signed")
    }

    func testTLS13HidesTheCertificate() {
        XCTAssertEqual(SoftEtherDetector().examine(flow(certificate(subject: defaultName), suite: 0x1301)), .notThis)
    }

    func testWaitsForTheServersFlight() {
        XCTAssertEqual(SoftEtherDetector().examine(makeFlow(.tcp, server: 443, [(.forward, B.clientHello(serverName: nil))])), .needMorePackets)
    }
}
