import Detection
import Packets
import XCTest

final class GeneveDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    func testGeneveWithOptionAndEthernetIsConfirmed() {
        // RFC 8926 §3.4: version 0, options length 2 words, protocol 0x6558, VNI 77; one option of 4 bytes data.
        let option: [UInt8] = [0x01, 0x02, 0x03, 0x01] + [1, 2, 3, 4]
        let packet: [UInt8] = [0x02, 0x00, 0x65, 0x58, 0x00, 0x00, 0x4D, 0x00] + option + S.ethernet(type: 0x86DD, payload: S.innerIPv6)
        let verdict = S.verdict(GeneveDetector().examine(S.flow(.udp, server: 6081, [(.forward, packet)])))
        XCTAssertEqual(verdict?.family, .geneve)
        XCTAssertEqual(verdict?.evidence, "Geneve header (VNI 77, 1 option) carrying an Ethernet frame of IPv6 (0x86DD)")
    }

    func testGeneveCarryingIPv4DirectlyIsConfirmed() {
        let packet: [UInt8] = [0x00, 0x00, 0x08, 0x00, 0, 0, 1, 0] + S.innerIPv4
        XCTAssertEqual(S.family(GeneveDetector().examine(S.flow(.udp, server: 7000, [(.forward, packet)]))), "geneve")
    }

    func testOptionsThatDoNotAddUpAreNotGeneve() {
        let option: [UInt8] = [0x01, 0x02, 0x03, 0x02] + [1, 2, 3, 4]
        let packet: [UInt8] = [0x02, 0x00, 0x65, 0x58, 0, 0, 0x4D, 0] + option + S.ethernet(type: 0x0800, payload: S.innerIPv4)
        XCTAssertEqual(GeneveDetector().examine(S.flow(.udp, server: 6081, [(.forward, packet)])), .notThis)
    }

    func testRandomUDPIsNotGeneve() {
        XCTAssertEqual(GeneveDetector().examine(S.flow(.udp, server: 6081, [(.forward, S.random(90))])), .notThis)
    }
}
