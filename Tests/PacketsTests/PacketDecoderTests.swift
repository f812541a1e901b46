import Foundation
import Packets
import TestSupport
import XCTest

final class PacketDecoderTests: XCTestCase {
    private let ethernet = PacketDecoder(linkType: .ethernet)

    private func decoded(_ bytes: [UInt8], linkType: LinkType = .ethernet, file: StaticString = #filePath, line: UInt = #line) throws -> DecodedPacket {
        switch PacketDecoder(linkType: linkType).decode(bytes: bytes) {
        case .success(let packet): return packet
        case .failure(let failure):
            XCTFail("expected a packet, got \(failure)", file: file, line: line)
            throw failure
        }
    }

    func testEthernetIPv4TCPGivesEndpointsPortsFlagsAndPayload() throws {
        let frame = FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(
            source: "192.0.2.1", destination: "198.51.100.7", protocol: 6,
            payload: FrameBuilder.tcp(sourcePort: 40000, destinationPort: 443, flags: 0x02, payload: [0x16, 0x03, 0x01])))
        let packet = try decoded(frame)
        XCTAssertEqual(packet.ipVersion, 4)
        XCTAssertEqual(packet.source.description, "192.0.2.1")
        XCTAssertEqual(packet.destination.description, "198.51.100.7")
        XCTAssertEqual(packet.ipProtocol, .tcp)
        XCTAssertEqual(packet.sourcePort, 40000)
        XCTAssertEqual(packet.destinationPort, 443)
        XCTAssertEqual(packet.tcpFlags, 0x02)
        XCTAssertEqual(packet.payloadLength, 3)
        XCTAssertEqual(frame[packet.payloadOffset], 0x16)
        XCTAssertNil(packet.vlanID)
    }

    func testQinQFrameReportsTheOuterVLAN() throws {
        let frame = FrameBuilder.udpFrame("10.0.0.1", 1000, "10.0.0.2", 53, vlans: [100, 200])
        let packet = try decoded(frame)
        XCTAssertEqual(packet.vlanID, 100)
        XCTAssertEqual(packet.destinationPort, 53)
    }

    func testIPv4OptionsAreSkippedToReachTheTransportHeader() throws {
        let frame = FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2", protocol: 17,
            payload: FrameBuilder.udp(sourcePort: 5000, destinationPort: 6000), options: [0x94, 0x04, 0, 0]))
        let packet = try decoded(frame)
        XCTAssertEqual(packet.transportOffset, 14 + 24)
        XCTAssertEqual(packet.sourcePort, 5000)
    }

    func testIPv6ExtensionHeadersAreWalkedToUDP() throws {
        let hopByHop: [UInt8] = [0, 1, 0, 0, 0, 0, 0]  // after next-header: length 0 (8 bytes), PadN
        let destinationOptions: [UInt8] = [0, 1, 0, 0, 0, 0, 0]
        let frame = FrameBuilder.ethernet(type: 0x86DD, payload: FrameBuilder.ipv6(
            source: "2001:db8::1", destination: "2001:db8::2", protocol: 17,
            payload: FrameBuilder.udp(sourcePort: 4500, destinationPort: 4500, payload: [0, 0, 0, 0]),
            extensions: [(0, hopByHop), (60, destinationOptions)]))
        let packet = try decoded(frame)
        XCTAssertEqual(packet.ipVersion, 6)
        XCTAssertEqual(packet.ipProtocol, .udp)
        XCTAssertEqual(packet.sourcePort, 4500)
        XCTAssertEqual(packet.source.description, "2001:db8::1")
        XCTAssertEqual(packet.payloadLength, 4)
    }

    func testIPv6AHEndsTheHeaderWalkAndIsTheProtocol() throws {
        let ah: [UInt8] = [6, 4, 0, 0] + FrameBuilder.be32(0x1000) + FrameBuilder.be32(1) + [UInt8](repeating: 0, count: 12)
        let frame = FrameBuilder.ethernet(type: 0x86DD, payload: FrameBuilder.ipv6(
            source: "2001:db8::1", destination: "2001:db8::2", protocol: 51, payload: ah))
        let packet = try decoded(frame)
        XCTAssertEqual(packet.ipProtocol, .ah)
        XCTAssertEqual(packet.sourcePort, 0)
    }

    func testIPv4FragmentsAreMarkedAndLaterOnesHaveNoPorts() throws {
        let udp = FrameBuilder.udp(sourcePort: 53, destinationPort: 33000, payload: [UInt8](repeating: 7, count: 32))
        let first = try decoded(FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2", protocol: 17, payload: udp, identification: 77, moreFragments: true)))
        XCTAssertEqual(first.fragment, .first(identification: 77))
        XCTAssertEqual(first.sourcePort, 53)
        let later = try decoded(FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2", protocol: 17, payload: [1, 2, 3, 4], identification: 77, fragmentOffset: 5)))
        XCTAssertEqual(later.fragment, .later(identification: 77))
        XCTAssertEqual(later.sourcePort, 0)
        XCTAssertEqual(later.payloadLength, 4)
    }

    func testIPv6LaterFragmentIsMarked() throws {
        let fragmentHeader: [UInt8] = [0] + FrameBuilder.be16(185 << 3) + FrameBuilder.be32(0xABCD)
        let packet = try decoded(FrameBuilder.ethernet(type: 0x86DD, payload: FrameBuilder.ipv6(
            source: "2001:db8::1", destination: "2001:db8::2", protocol: 17, payload: [9, 9, 9, 9],
            extensions: [(44, fragmentHeader)])))
        XCTAssertEqual(packet.fragment, .later(identification: 0xABCD))
        XCTAssertEqual(packet.ipProtocol, .udp)
    }

    func testLinkTypesWithoutEthernetReachTheSameIPPacket() throws {
        let ip = FrameBuilder.ipv4(source: "10.1.1.1", destination: "10.2.2.2", protocol: 17,
                                   payload: FrameBuilder.udp(sourcePort: 1194, destinationPort: 1194))
        let sll = [0, 0, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0] + FrameBuilder.be16(0x0800) + ip
        let sll2 = FrameBuilder.be16(0x0800) + [0, 0, 0, 0, 0, 2, 0, 1, 0, 6, 2, 0, 0, 0, 0, 1, 0, 0] + ip
        let null: [UInt8] = [2, 0, 0, 0] + ip  // AF_INET, little-endian host order
        let loop: [UInt8] = [0, 0, 0, 2] + ip
        let cisco: [UInt8] = [0x0F, 0x00, 0x08, 0x00] + ip
        let ppp: [UInt8] = [0xFF, 0x03, 0x00, 0x21] + ip
        let cases: [(LinkType, [UInt8])] = [
            (.raw, ip), (.ipv4, ip), (.linuxSLL, sll), (.linuxSLL2, sll2), (.null, null), (.loop, loop),
            (.ciscoHDLC, cisco), (.ppp, ppp), (.ppp, cisco),
        ]
        for (linkType, frame) in cases {
            let packet = try decoded(frame, linkType: linkType)
            XCTAssertEqual(packet.destination.description, "10.2.2.2", "\(linkType)")
            XCTAssertEqual(packet.destinationPort, 1194, "\(linkType)")
        }
    }

    func testARPIsNotIPAndNotAnError() {
        let arp = FrameBuilder.ethernet(type: 0x0806, payload: [UInt8](repeating: 0, count: 28))
        XCTAssertEqual(ethernet.decode(bytes: arp), .failure(.notIP(etherType: 0x0806)))
    }

    func testUnknownLinkTypeIsReported() {
        let decoder = PacketDecoder(linkType: LinkType(rawValue: 147))
        guard case .failure(.unsupportedLinkType) = decoder.decode(bytes: [1, 2, 3]) else {
            return XCTFail("expected unsupportedLinkType")
        }
    }

    func testEveryTruncationOfAFrameDecodesOrFailsWithoutTrapping() {
        let frame = FrameBuilder.ethernet(type: 0x86DD, vlans: [5], payload: FrameBuilder.ipv6(
            source: "2001:db8::1", destination: "2001:db8::2", protocol: 6,
            payload: FrameBuilder.tcp(sourcePort: 1, destinationPort: 2, payload: [1, 2, 3]),
            extensions: [(0, [0, 1, 0, 0, 0, 0, 0])]))
        var failures = 0
        for length in 0..<frame.count {
            if case .failure = ethernet.decode(bytes: Array(frame.prefix(length))) { failures += 1 }
        }
        // Every prefix that cuts a header short fails: Ethernet, the VLAN tag, IPv6, its extension
        // header, and TCP up to its flags (ports and flags are all a flow needs, so a TCP header
        // cut by the snap length after its flags still counts).
        XCTAssertEqual(failures, 14 + 4 + 40 + 8 + 14)
    }

    func testTruncatedTCPHeaderNamesTheHeader() {
        let frame = FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2", protocol: 6, payload: [0, 80, 0]))
        XCTAssertEqual(ethernet.decode(bytes: frame), .failure(.truncated(header: "TCP")))
    }

    func testIPv4LengthBeyondAWholeFrameIsMalformedButSnapLengthCutsAreNot() {
        let udp = FrameBuilder.udp(sourcePort: 1, destinationPort: 2, payload: [1, 2, 3, 4])
        let frame = FrameBuilder.ethernet(type: 0x0800, payload: FrameBuilder.ipv4(
            source: "10.0.0.1", destination: "10.0.0.2", protocol: 17, payload: udp, totalLength: 200))
        guard case .failure(.malformed) = ethernet.decode(bytes: frame, wireLength: frame.count) else {
            return XCTFail("a whole frame shorter than its IP length is malformed")
        }
        guard case .success = ethernet.decode(bytes: frame, wireLength: 14 + 200) else {
            return XCTFail("a frame cut by the snap length still decodes")
        }
    }

    /// Found by scripts/fuzz (fuzz-packets): PPPoE carrying Cisco HDLC framing carrying PPPoE
    /// again, thousands deep, recursed until the stack ran out. Now it stops at the stacking limit.
    func testPPPoEWrappingCiscoHDLCWrappingPPPoEStopsAtTheStackingLimit() throws {
        let layer: [UInt8] = [0x11, 0x00, 0x00, 0x01, 0x00, 0x00] + [0x0F, 0x00, 0x88, 0x64]   // PPPoE session header, then Cisco HDLC → PPPoE
        let frame = FrameBuilder.ethernet(type: 0x8864, payload: Array(repeating: layer, count: 20_000).flatMap { $0 })
        XCTAssertEqual(ethernet.decode(bytes: frame), .failure(.malformed(header: "link", field: "number of stacked headers")))
        let regression = Corpus.packageRoot.appendingPathComponent("Fuzz/regressions/fuzz-packets/pppoe-cisco-hdlc-recursion")
        let input = try [UInt8](Data(contentsOf: regression))
        let kinds = LinkType.supported
        guard case .failure = PacketDecoder(linkType: kinds[Int(input[0]) % kinds.count]).decode(bytes: Array(input.dropFirst())) else {
            return XCTFail("the fuzzer's input decodes to a failure, not a crash")
        }
    }

    func testBadIPVersionIsMalformed() {
        var frame = FrameBuilder.udpFrame("10.0.0.1", 1, "10.0.0.2", 2)
        frame[14] = 0x55
        XCTAssertEqual(ethernet.decode(bytes: frame), .failure(.malformed(header: "IPv4", field: "version")))
    }
}
