import Packets
import TestSupport
import XCTest

final class EncapsulationTests: XCTestCase {
    private let innerUDP = FrameBuilder.ipv4(source: "10.1.0.5", destination: "10.2.0.9", protocol: 17,
                                             payload: FrameBuilder.udp(sourcePort: 5000, destinationPort: 53, payload: [1, 2, 3]))

    private func inner(_ frame: [UInt8]) -> (Encapsulation, DecodedPacket)? {
        frame.withUnsafeBytes { bytes in
            guard case .success(let outer) = PacketDecoder(linkType: .ethernet).decode(bytes) else { return nil }
            return PacketDecoder.decodeInner(bytes, outer: outer)
        }
    }

    private func outerUDP(port: UInt16, _ payload: [UInt8]) -> [UInt8] {
        FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(
            source: "192.0.2.1", destination: "192.0.2.2", protocol: 17,
            payload: FrameBuilder.udp(sourcePort: 33333, destinationPort: port, payload: payload)))
    }

    func testGREWithKeyOpensTheInnerIPv4Packet() throws {
        let gre: [UInt8] = FrameBuilder.be16(0x2000) + FrameBuilder.be16(0x0800) + FrameBuilder.be32(42) + innerUDP
        let frame = FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(source: "192.0.2.1", destination: "192.0.2.2", protocol: 47, payload: gre))
        let (kind, packet) = try XCTUnwrap(inner(frame))
        XCTAssertEqual(kind, .gre)
        XCTAssertEqual(packet.destination.description, "10.2.0.9")
        XCTAssertEqual(packet.destinationPort, 53)
    }

    func testIPv6InIPv4OpensTheInnerIPv6Packet() throws {
        let inner6 = FrameBuilder.ipv6(source: "2001:db8::1", destination: "2001:db8::2", protocol: 58, payload: FrameBuilder.icmpEcho())
        let frame = FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(source: "192.0.2.1", destination: "192.0.2.2", protocol: 41, payload: inner6))
        let (kind, packet) = try XCTUnwrap(inner(frame))
        XCTAssertEqual(kind, .ipInIP)
        XCTAssertEqual(packet.ipProtocol, .icmpv6)
    }

    func testVXLANOpensTheInnerEthernetFrame() throws {
        let vxlan: [UInt8] = [0x08, 0, 0, 0, 0, 0, 100, 0] + FrameBuilder.ethernet(type: 0x0800, payload: innerUDP)
        let (kind, packet) = try XCTUnwrap(inner(outerUDP(port: 4789, vxlan)))
        XCTAssertEqual(kind, .vxlan)
        XCTAssertEqual(packet.source.description, "10.1.0.5")
    }

    func testGTPUWithExtensionHeaderOpensTheUserPacket() throws {
        // Flags 0x34: version 1, PT 1, E set; type 255; then seq, N-PDU, next-extension 0x85 (PDU session container).
        let extensionHeader: [UInt8] = [1, 0x00, 0x01, 0x00]  // one 4-byte unit, next type 0
        let gtp: [UInt8] = [0x34, 255] + FrameBuilder.be16(UInt16(4 + extensionHeader.count + innerUDP.count))
            + FrameBuilder.be32(0xDEAD) + [0, 0, 0, 0x85] + extensionHeader + innerUDP
        let (kind, packet) = try XCTUnwrap(inner(outerUDP(port: 2152, gtp)))
        XCTAssertEqual(kind, .gtpU)
        XCTAssertEqual(packet.destinationPort, 53)
    }

    func testTeredoWithOriginIndicationOpensIPv6() throws {
        let inner6 = FrameBuilder.ipv6(source: "2001:0:4136:e378::1", destination: "2001:db8::2", protocol: 59, payload: [])
        let teredo: [UInt8] = [0, 0, 0x12, 0x34, 1, 2, 3, 4] + inner6
        let (kind, packet) = try XCTUnwrap(inner(outerUDP(port: 3544, teredo)))
        XCTAssertEqual(kind, .teredo)
        XCTAssertEqual(packet.ipVersion, 6)
    }

    func testRandomBytesOnAnEncapsulationPortAreNotOpened() {
        let noise = [UInt8](repeating: 0x5A, count: 64)
        for port: UInt16 in [4789, 6081, 2152, 3544, 5247] {
            XCTAssertNil(inner(outerUDP(port: port, noise)), "port \(port)")
        }
    }

    func testOrdinaryUDPIsNotAnEncapsulation() {
        XCTAssertNil(inner(outerUDP(port: 53, innerUDP)))
    }
}
