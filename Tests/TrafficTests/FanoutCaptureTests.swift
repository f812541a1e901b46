import Capture
import Foundation
import Traffic
import XCTest

#if canImport(Glibc)
import Glibc
#endif

/// Live capture through a PACKET_FANOUT group on the loopback interface: the kernel must keep
/// each conversation on one handle, so every flow comes out whole, once.
final class FanoutCaptureTests: XCTestCase {
    private static let firstPort: UInt16 = 47_200
    private static let conversations = 24

    private static func socketBound(to port: UInt16) -> (Int32, sockaddr_in) {
        let descriptor = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = port.bigEndian
        address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            bind(descriptor, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        } }
        return (descriptor, address)
    }

    private static func send(_ from: Int32, to address: sockaddr_in, bytes: Int = 8) {
        var address = address
        let payload = [UInt8](repeating: 0x61, count: bytes)
        _ = withUnsafePointer(to: &address) { $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
            sendto(from, payload, bytes, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
        } }
    }

    /// Sends three datagrams each way between two bound sockets per conversation.
    private static func converse() {
        let pairs = (0..<Self.conversations).map { index in
            (socketBound(to: Self.firstPort + UInt16(2 * index)), socketBound(to: Self.firstPort + UInt16(2 * index + 1)))
        }
        for _ in 0..<3 {
            for (a, b) in pairs {
                send(a.0, to: b.1)
                send(b.0, to: a.1)
            }
            usleep(50_000)
        }
        for (a, b) in pairs {
            close(a.0)
            close(b.0)
        }
    }

    func testAFanoutGroupKeepsEveryConversationWholeOnOneHandle() throws {
        guard getuid() == 0 else { throw XCTSkip("live capture needs root (CAP_NET_RAW)") }
        let filter = "udp portrange \(Self.firstPort)-\(Self.firstPort + UInt16(2 * Self.conversations))"
        let sources = try FanoutGroup.open(interface: "lo", options: LiveCaptureOptions(filter: filter, duration: 1.5), members: 3)
        XCTAssertEqual(sources.count, 3)
        let sender = Thread {
            usleep(300_000)
            Self.converse()
        }
        sender.start()
        let summary = TrafficAnalyzer(classifier: nil).analyze(fanout: sources)
        XCTAssertNil(summary.error)
        XCTAssertEqual(summary.capture.packetsRead, 6 * Self.conversations)
        XCTAssertEqual(summary.capture.droppedByKernel, 0)
        XCTAssertEqual(summary.flows.count, Self.conversations, "each conversation is one flow, never split between handles")
        for flow in summary.flows {
            XCTAssertEqual(flow.record.forward.packets, 3)
            XCTAssertEqual(flow.record.reverse.packets, 3)
        }
        XCTAssertEqual(summary.flows.map(\.record.id), (1...UInt64(Self.conversations)).map { $0 }, "ids consecutive in the order flows began")
        XCTAssertGreaterThan(summary.table.flowsCreated, 0)
    }

    /// The default ring (TPACKET_V3 blocks, 32 MiB) takes a burst sent as fast as the kernel
    /// loops it back while the reader classifies; immediate mode's ring of 8 slots of 256 KiB
    /// dropped 70-102 of these 400.
    func testTheDefaultRingTakesABurstOfFourHundredDatagramsWithoutDrop() throws {
        guard getuid() == 0 else { throw XCTSkip("live capture needs root (CAP_NET_RAW)") }
        let port = Self.firstPort + UInt16(2 * Self.conversations) + 10
        let source = try PacketSource.open(interface: "lo", options: LiveCaptureOptions(filter: "udp port \(port)", duration: 1.5))
        let sender = Thread {
            usleep(300_000)
            let (from, _) = Self.socketBound(to: port + 1)
            let (to, address) = Self.socketBound(to: port)
            for _ in 0..<400 { Self.send(from, to: address, bytes: 1_200) }
            close(from)
            close(to)
        }
        sender.start()
        let summary = TrafficAnalyzer().analyze(fanout: [source])
        XCTAssertNil(summary.error)
        XCTAssertEqual(summary.capture.droppedByKernel, 0)
        XCTAssertEqual(summary.capture.packetsRead, 400)
        XCTAssertEqual(summary.flows.first?.record.forward.packets, 400)
    }
}
