import Capture
import Foundation
import TestSupport
import XCTest

final class PacketSourceTests: XCTestCase {
    private func threeFrameCapture(_ format: CaptureFileWriter.Format = .pcap) -> CaptureFileWriter {
        var writer = CaptureFileWriter(format: format)
        for index in 0..<3 {
            writer.add(FrameBuilder.udpFrame("10.0.0.1", 1000 + UInt16(index), "10.0.0.2", 53), at: 100 + UInt32(index), microseconds: 250)
        }
        return writer
    }

    private func read(_ path: String, filter: String? = nil) throws -> [CapturedPacketSummary] {
        let source = try PacketSource.open(file: path, filter: filter)
        var packets: [CapturedPacketSummary] = []
        try source.forEach { packet in
            packets.append(CapturedPacketSummary(number: packet.number, seconds: packet.timestamp.nanoseconds / 1_000_000_000,
                                                 length: packet.bytes.count, wireLength: packet.wireLength))
            return true
        }
        return packets
    }

    func testPcapAndPcapngFilesGiveTheSamePacketsWithTimestamps() throws {
        for format in [CaptureFileWriter.Format.pcap, .pcapng] {
            let packets = try read(threeFrameCapture(format).write())
            XCTAssertEqual(packets.map(\.number), [1, 2, 3], "\(format)")
            XCTAssertEqual(packets.map(\.seconds), [100, 101, 102], "\(format)")
            XCTAssertEqual(packets.first?.length, packets.first?.wireLength)
        }
    }

    func testLinkTypeIsReportedFromTheFile() throws {
        var writer = CaptureFileWriter(linkType: 113)
        writer.add([UInt8](repeating: 0, count: 20), at: 1)
        XCTAssertEqual(try PacketSource.open(file: writer.write()).linkType, .linuxSLL)
    }

    func testMissingFileCannotBeOpenedAndNamesThePath() {
        XCTAssertThrowsError(try PacketSource.open(file: "/nonexistent/x.pcap")) { error in
            XCTAssertEqual(error as? CaptureError, .cannotOpen(source: "/nonexistent/x.pcap", reason: "No such file or directory"))
            XCTAssertTrue("\(error)".hasPrefix("/nonexistent/x.pcap: cannot open"))
        }
    }

    func testATextFileIsNotACapture() throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("not-a-capture-\(UUID()).txt").path
        try Data("hello, this is not a capture\n".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try PacketSource.open(file: path)) { error in
            guard case .notACapture(let reported, _) = error as? CaptureError else { return XCTFail("\(error)") }
            XCTAssertEqual(reported, path)
        }
    }

    func testUnsupportedLinkTypeIsRefusedByName() throws {
        var writer = CaptureFileWriter(linkType: 147)
        writer.add([1, 2, 3], at: 1)
        XCTAssertThrowsError(try PacketSource.open(file: writer.write())) { error in
            guard case .unsupportedLinkType(_, let type) = error as? CaptureError else { return XCTFail("\(error)") }
            XCTAssertEqual(type.rawValue, 147)
        }
    }

    func testTruncatedCaptureDeliversEarlierPacketsThenNamesThePacketThatFailed() throws {
        let bytes = threeFrameCapture().data()
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("truncated-\(UUID()).pcap").path
        try Data(bytes.dropLast(10)).write(to: URL(fileURLWithPath: path))
        let source = try PacketSource.open(file: path)
        var delivered = 0
        XCTAssertThrowsError(try source.forEach { _ in delivered += 1; return true }) { error in
            guard case .badRecord(let reported, let number, _, _) = error as? CaptureError else { return XCTFail("\(error)") }
            XCTAssertEqual(reported, path)
            XCTAssertEqual(number, 3)
            XCTAssertTrue("\(error)".contains("packet 3"))
        }
        XCTAssertEqual(delivered, 2)
    }

    func testCorruptRecordLengthInTheMiddleStopsAtThatRecord() throws {
        var bytes = threeFrameCapture().data()
        let secondRecord = 24 + (bytes.count - 24) / 3
        bytes[secondRecord + 8 + 3] = 0x7F  // captured length of record 2 becomes huge
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("corrupt-\(UUID()).pcap").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        let source = try PacketSource.open(file: path)
        var delivered = 0
        XCTAssertThrowsError(try source.forEach { _ in delivered += 1; return true }) { error in
            guard case .badRecord(_, let number, _, _) = error as? CaptureError else { return XCTFail("\(error)") }
            XCTAssertEqual(number, 2)
        }
        XCTAssertEqual(delivered, 1)
    }

    func testBPFFilterSelectsPacketsAndABadFilterIsAUsageError() throws {
        let path = try threeFrameCapture().write()
        XCTAssertEqual(try read(path, filter: "udp src port 1001").map(\.number), [1])
        XCTAssertThrowsError(try PacketSource.open(file: path, filter: "udp port banana")) { error in
            guard case .invalidFilter = error as? CaptureError else { return XCTFail("\(error)") }
        }
    }

    func testLiveCaptureOnLoopbackSeesDatagramsAndReportsDrops() throws {
        guard getuid() == 0 else { throw XCTSkip("live capture needs root (CAP_NET_RAW)") }
        let port: UInt16 = 47_123
        let source = try PacketSource.open(interface: "lo", options: LiveCaptureOptions(filter: "udp port \(port)", duration: 1.5))
        let sender = Thread {
            let socket = Glibc.socket(AF_INET, Int32(SOCK_DGRAM.rawValue), 0)
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = port.bigEndian
            address.sin_addr.s_addr = UInt32(0x7F00_0001).bigEndian
            for _ in 0..<5 {
                usleep(100_000)
                _ = withUnsafePointer(to: &address) { pointer in
                    pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                        sendto(socket, "ping", 4, 0, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                    }
                }
            }
            close(socket)
        }
        sender.start()
        var seen = 0
        let statistics = try source.forEach { _ in seen += 1; return true }
        XCTAssertEqual(seen, 5)
        XCTAssertEqual(statistics.packetsRead, 5)
        XCTAssertNotNil(statistics.droppedByKernel)
    }

    func testMissingInterfaceCannotBeOpened() throws {
        guard getuid() == 0 else { throw XCTSkip("live capture needs root (CAP_NET_RAW)") }
        XCTAssertThrowsError(try PacketSource.open(interface: "no-such-if0")) { error in
            guard case .cannotOpen(let name, _) = error as? CaptureError else { return XCTFail("\(error)") }
            XCTAssertEqual(name, "no-such-if0")
        }
    }
}

private struct CapturedPacketSummary {
    var number: Int
    var seconds: Int64
    var length: Int
    var wireLength: Int
}
