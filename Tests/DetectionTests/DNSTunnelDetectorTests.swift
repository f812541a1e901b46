import Detection
import Packets
import XCTest

final class DNSTunnelDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    private func name(_ text: String) -> [UInt8] {
        text.split(separator: ".").flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) } + [0]
    }

    /// RFC 1035 §4.1: header, one question.
    private func query(_ qname: String, type: UInt16, id: UInt16 = 0x1234) -> [UInt8] {
        S.be16(id) + [0x01, 0x00] + S.be16(1) + S.be16(0) + S.be16(0) + S.be16(0) + name(qname) + S.be16(type) + S.be16(1)
    }

    private func response(_ qname: String, type: UInt16, rdata: [UInt8], id: UInt16 = 0x1234) -> [UInt8] {
        S.be16(id) + [0x84, 0x00] + S.be16(1) + S.be16(1) + S.be16(0) + S.be16(0) + name(qname) + S.be16(type) + S.be16(1)
            + [0xC0, 0x0C] + S.be16(type) + S.be16(1) + S.be32(0) + S.be16(UInt16(rdata.count)) + rdata
    }

    func testIodineVersionProbeAnsweredWithVACKIsConfirmedIodine() {
        let probe = "vaaaakarb3e.t.example.org"
        let flow = S.flow(.udp, server: 53, [(.forward, query(probe, type: 10)), (.reverse, response(probe, type: 10, rdata: Array("VACK".utf8) + [1, 2, 3, 4, 0]))])
        let verdict = S.verdict(DNSTunnelDetector().examine(flow))
        XCTAssertEqual(verdict?.family, .dnsTunnel)
        XCTAssertEqual(verdict?.product, "iodine")
        XCTAssertEqual(verdict?.confidence, .confirmed)
    }

    func testIodineProbeThenLoginIsConfirmedIodine() {
        let flow = S.flow(.udp, server: 53, [(.forward, query("vaaaakarb3e.t.example.org", type: 16)),
                                             (.forward, query("laegpumiplhhpz12ynd1efljwlkjcgwy.t.example.org", type: 16))])
        XCTAssertEqual(S.verdict(DNSTunnelDetector().examine(flow))?.product, "iodine")
    }

    func testEncodedTXTQueriesUnderOneDomainAreLikely() {
        let labels = ["mzxw6ytboi2gk3tfn5rw63ldnfqwy4tfon2gk3", "gezdgnbvgy3tqojqgezdgnbvgy3tqojq12", "nbswy3dpeb3w64tmmqqgc3tjmrzq4ab7k"]
        let flow = S.flow(.udp, server: 53, labels.enumerated().map { (Direction.forward, query("\($0.element).x.tunnel.example.net", type: 16, id: UInt16($0.offset))) })
        let verdict = S.verdict(DNSTunnelDetector().examine(flow))
        XCTAssertEqual(verdict?.family, .dnsTunnel)
        XCTAssertEqual(verdict?.confidence, .likely)
    }

    func testNULLQueryWithEightBitLabelsIsLikely() {
        var packet = query("paaaaaaaaaaaaaaaaaaaaaaaaaaaaa.t.example.org", type: 10)
        for index in 14..<30 { packet[index] = 0xC3 }
        XCTAssertEqual(S.family(DNSTunnelDetector().examine(S.flow(.udp, server: 53, [(.forward, packet)]))), "dns-tunnel")
    }

    func testCDNAndCloudNamesAreNotATunnel() {
        let names = ["my-load-balancer-1234567890.us-west-2.elb.amazonaws.com", "r3---sn-4g5e6nsz.googlevideo.com",
                     "ec2-54-123-45-67.compute-1.amazonaws.com", "storefrontcontentdelivery.cdn.example.com",
                     "e3b0c44298fc1c14.cloudfront.net", "averyveryverylongsubdomainnameforwebsite.example.com"]
        let flow = S.flow(.udp, server: 53, names.enumerated().map { (Direction.forward, query($0.element, type: 1, id: UInt16($0.offset))) })
        XCTAssertEqual(DNSTunnelDetector().examine(flow), .notThis)
    }

    func testReversePTRAndDMARCQueriesAreNotATunnel() {
        let names = ["b.a.9.8.7.6.5.0.4.0.0.0.3.0.0.0.2.0.0.0.1.0.0.0.0.0.0.0.1.2.3.4.ip6.arpa",
                     "_dmarc.mail.example.com", "selector1._domainkey.example.com",
                     "1.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6.arpa",
                     "_dmarc.example.org", "3.2.0.192.in-addr.arpa"]
        let types: [UInt16] = [12, 16, 16, 12, 16, 12]
        let flow = S.flow(.udp, server: 53, names.enumerated().map { (Direction.forward, query($0.element, type: types[$0.offset], id: UInt16($0.offset))) })
        XCTAssertEqual(DNSTunnelDetector().examine(flow), .notThis)
    }

    func testOneLongHashQueryIsNotEnough() {
        let flow = S.flow(.udp, server: 53, [(.forward, query("4e1243bd22c66e76c2ba9eddc1f91394e57f9f83.hash.example.com", type: 16))])
        XCTAssertEqual(DNSTunnelDetector().examine(flow), .needMorePackets)
    }

    func testNonDNSUDPIsNotADNSTunnel() {
        XCTAssertEqual(DNSTunnelDetector().examine(S.flow(.udp, server: 53, [(.forward, S.random(80))])), .notThis)
    }
}

final class DNSTunnelUTF8NameTests: XCTestCase {
    private typealias S = SampleBuilder

    func testNameWrittenInUTF8IsNotEightBitData() {
        let label = Array("测试服务器名字很长的主机".utf8)
        let qname: [UInt8] = [UInt8(label.count)] + label + [3] + Array("lan".utf8) + [7] + Array("example".utf8) + [3] + Array("com".utf8) + [0]
        let packet = S.be16(1) + [0x01, 0x00] + S.be16(1) + S.be16(0) + S.be16(0) + S.be16(0) + qname + S.be16(1) + S.be16(1)
        XCTAssertEqual(DNSTunnelDetector().examine(S.flow(.udp, server: 53, [(.forward, packet)])), .needMorePackets)
    }
}
