import Detection
import Packets
import XCTest

final class ZeroTierDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    private let source: [UInt8] = [0x89, 0xE9, 0x2C, 0xEE, 0xE5]
    private let destination: [UInt8] = [0x77, 0x8C, 0xDE, 0x71, 0x90]

    /// VL1 header (packet id, destination, source, flags with cipher 0 and hops 0, MAC, verb HELLO),
    /// then protocol 11, version 1.12.2, timestamp, identity (address, type 0, 64-byte key, 0).
    private func hello(identity: [UInt8]) -> [UInt8] {
        S.random(8) + destination + source + [0x00] + S.random(8, seed: 3) + [0x01]
            + [11, 1, 12] + S.be16(2) + S.random(8, seed: 5) + identity + [0x00] + S.random(64, seed: 9) + [0x00]
    }

    func testHelloWhoseIdentityMatchesTheSourceIsConfirmedOnAnyPort() {
        let verdict = S.verdict(ZeroTierDetector().examine(S.flow(.udp, server: 40000, [(.forward, hello(identity: source))])))
        XCTAssertEqual(verdict?.family, .zerotier)
        XCTAssertEqual(verdict?.evidence.contains("89e92ceee5"), true)
    }

    func testHelloWithAnotherIdentityIsNotZeroTier() {
        let flow = S.flow(.udp, server: 9993, Array(repeating: (Direction.forward, hello(identity: destination)), count: 6))
        XCTAssertEqual(ZeroTierDetector().examine(flow), .notThis)
    }

    func testRandomUDPOfHelloSizeIsNotZeroTier() {
        let flow = S.flow(.udp, server: 9993, (0..<6).map { (Direction.forward, S.random(117, seed: UInt64($0 + 11))) })
        XCTAssertEqual(ZeroTierDetector().examine(flow), .notThis)
    }
}
