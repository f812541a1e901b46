import Detection
import Packets
import XCTest

final class VXLANDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    /// RFC 7348 §5: flags 0x08, reserved, VNI 5001, reserved.
    private var header: [UInt8] { [0x08, 0, 0, 0] + [0x00, 0x13, 0x89, 0x00] }

    func testVXLANWithInnerEthernetIPv4IsConfirmedOnAnyPort() {
        let packet = header + S.ethernet(type: 0x0800, payload: S.innerIPv4)
        let verdict = S.verdict(VXLANDetector().examine(S.flow(.udp, server: 8472, [(.forward, packet)])))
        XCTAssertEqual(verdict?.family, .vxlan)
        XCTAssertEqual(verdict?.evidence, "VXLAN header (VNI 5001) carrying an Ethernet frame of IPv4 (0x0800)")
    }

    func testVXLANWithInnerARPIsConfirmed() {
        let arp: [UInt8] = [0, 1, 0x08, 0x00, 6, 4, 0, 1] + [UInt8](repeating: 1, count: 20)
        XCTAssertEqual(S.family(VXLANDetector().examine(S.flow(.udp, server: 4789, [(.forward, header + S.ethernet(type: 0x0806, payload: arp))]))), "vxlan")
    }

    func testRandomUDPOfVXLANSizeIsNotVXLAN() {
        XCTAssertEqual(VXLANDetector().examine(S.flow(.udp, server: 4789, [(.forward, S.random(8 + 14 + 33))])), .notThis)
    }

    func testVXLANHeaderFollowedByGarbageIsNotVXLAN() {
        XCTAssertEqual(VXLANDetector().examine(S.flow(.udp, server: 4789, [(.forward, header + S.random(60))])), .notThis)
    }

    func testReservedBitsSetIsNotVXLAN() {
        let packet = [0x08, 0, 1, 0] + [0x00, 0x13, 0x89, 0x00] + S.ethernet(type: 0x0800, payload: S.innerIPv4)
        XCTAssertEqual(VXLANDetector().examine(S.flow(.udp, server: 4789, [(.forward, packet)])), .notThis)
    }
}
