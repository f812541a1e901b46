import Detection
import Packets
import XCTest

final class IPInIPDetectorTests: XCTestCase {
    private typealias S = SampleBuilder

    func testIPv4InIPv4IsConfirmed() {
        let verdict = S.verdict(IPInIPDetector().examine(S.flow(.ipInIP, [(.forward, S.innerIPv4)])))
        XCTAssertEqual(verdict?.family, .ipInIP)
        XCTAssertEqual(verdict?.evidence.contains("4in4"), true)
    }

    func testIPv6InIPv4IsConfirmedAs6in4() {
        XCTAssertEqual(S.verdict(IPInIPDetector().examine(S.flow(.ipv6, [(.forward, S.innerIPv6)])))?.evidence.contains("6in4"), true)
    }

    func testIPv4InIPv6IsConfirmedAs4in6() {
        let flow = S.flow(.ipInIP, clientAddress: "2001:db8::1", serverAddress: "2001:db8::2", [SampleBuilder.Packet(direction: .forward, payload: S.innerIPv4)])
        XCTAssertEqual(S.verdict(IPInIPDetector().examine(flow))?.evidence.contains("4in6"), true)
    }

    func testMismatchedInnerVersionIsNotIPInIP() {
        let flow = S.flow(.ipInIP, Array(repeating: (Direction.forward, S.innerIPv6), count: 4))
        XCTAssertEqual(IPInIPDetector().examine(flow), .notThis)
    }

    func testBadChecksumInnerHeaderIsNotIPInIP() {
        var inner = S.innerIPv4
        inner[10] ^= 0x55
        XCTAssertEqual(IPInIPDetector().examine(S.flow(.ipInIP, Array(repeating: (Direction.forward, inner), count: 4))), .notThis)
    }
}
