import Detection
import Packets
import XCTest

final class CAPWAPDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    /// RFC 5416: an 802.11 data frame (to DS) with an LLC/SNAP header and an IPv4 packet.
    private var dot11: [UInt8] {
        [0x08, 0x01, 0x00, 0x00] + [UInt8](repeating: 0x02, count: 18) + [0x10, 0x00] + [0xAA, 0xAA, 0x03, 0, 0, 0, 0x08, 0x00] + S.innerIPv4
    }

    func testCAPWAPDataWith80211FrameIsConfirmed() {
        // RFC 5415 §4.3: preamble 0, HLEN 2 words, RID 0, WBID 1, T set; fragment id/offset zero.
        let word: UInt32 = (2 << 19) | (1 << 9) | 0x100
        let packet = S.be32(word) + [0, 0, 0, 0] + dot11
        let verdict = S.verdict(CAPWAPDetector().examine(S.flow(.udp, server: 5247, [(.forward, packet)])))
        XCTAssertEqual(verdict?.family, .capwap)
        XCTAssertEqual(verdict?.evidence.contains("802.11 data frame with IPv4 (0x0800)"), true)
    }

    func testCAPWAPDataWithWirelessInfoAndSwappedFrameControlIsConfirmed() {
        // HLEN 4: W set, wireless information of 4 bytes padded; frame control bytes swapped.
        let word: UInt32 = (4 << 19) | (1 << 9) | 0x100 | 0x20
        var frame = dot11
        frame.swapAt(0, 1)
        let packet = S.be32(word) + [0, 0, 0, 0] + [4, 0xBF, 0x23, 0, 0, 0, 0, 0] + frame
        XCTAssertEqual(S.family(CAPWAPDetector().examine(S.flow(.udp, server: 12000, [(.forward, packet)]))), "capwap")
    }

    func testCAPWAPDiscoveryRequestIsConfirmed() {
        // Control header: message type 1, sequence, element length (bytes after the sequence), flags; one element.
        let element: [UInt8] = S.be16(20) + S.be16(1) + [1]
        let packet = S.be32((2 << 19) | (1 << 9)) + [0, 0, 0, 0] + S.be32(1) + [0] + S.be16(UInt16(3 + element.count)) + [0] + element
        XCTAssertEqual(S.verdict(CAPWAPDetector().examine(S.flow(.udp, server: 5246, [(.forward, packet)])))?.evidence.contains("Discovery Request"), true)
    }

    func testHLENThatDisagreesWithOptionalFieldsIsNotCAPWAP() {
        let word: UInt32 = (3 << 19) | (1 << 9) | 0x100
        let packet = S.be32(word) + [0, 0, 0, 0] + [0, 0, 0, 0] + dot11
        XCTAssertEqual(CAPWAPDetector().examine(S.flow(.udp, server: 5247, [(.forward, packet)])), .notThis)
    }

    func testRandomUDPIsNotCAPWAP() {
        var bytes = S.random(120)
        bytes[0] = 0
        XCTAssertEqual(CAPWAPDetector().examine(S.flow(.udp, server: 5247, [(.forward, bytes)])), .notThis)
    }
}
