import Detection
import Packets

/// Builds flow openings and the packets inside them from their specifications, for the
/// encapsulation, VPN and covert-channel detector tests.
enum SampleBuilder {
    /// One packet of a flow: direction, payload and (for ICMP) the message type.
    struct Packet {
        var direction: Direction
        var payload: [UInt8]
        var icmpType: UInt8 = 0
    }

    static func flow(_ proto: IPProtocol, client: UInt16 = 40000, server: UInt16 = 0,
                     clientAddress: String = "198.51.100.2", serverAddress: String = "203.0.113.7",
                     _ packets: [Packet]) -> FlowSample {
        var flow = FlowSample(ipProtocol: proto, initiator: Endpoint(address: IPAddress(clientAddress)!, port: client),
                              responder: Endpoint(address: IPAddress(serverAddress)!, port: server))
        for (index, packet) in packets.enumerated() {
            packet.payload.withUnsafeBytes { bytes in
                flow.append(SampledPacket(direction: packet.direction, timestamp: Timestamp(seconds: Int64(index)),
                                          payloadLength: packet.payload.count, tcpFlags: proto == .tcp ? 0x18 : 0,
                                          icmpType: packet.icmpType), payload: bytes)
            }
        }
        return flow
    }

    /// A flow of datagrams (or TCP segments), alternating nothing: each given with its direction.
    static func flow(_ proto: IPProtocol, server: UInt16 = 0, _ payloads: [(Direction, [UInt8])]) -> FlowSample {
        flow(proto, server: server, payloads.map { Packet(direction: $0.0, payload: $0.1) })
    }

    static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    static func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xFFFF)) }

    /// Deterministic pseudo-random bytes (xorshift), for encrypted-looking data.
    static func random(_ count: Int, seed: UInt64 = 0x9E37_79B9_7F4A_7C15) -> [UInt8] {
        var state = seed | 1
        return (0..<count).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    /// An IPv4 packet (RFC 791) with a correct header checksum.
    static func ipv4(protocol proto: UInt8 = 17, source: [UInt8] = [10, 0, 0, 1], destination: [UInt8] = [10, 0, 0, 2],
                     payload: [UInt8]) -> [UInt8] {
        var header: [UInt8] = [0x45, 0] + be16(UInt16(20 + payload.count)) + [0x12, 0x34, 0x40, 0x00, 64, proto, 0, 0]
            + source + destination
        var sum: UInt32 = 0
        for index in stride(from: 0, to: 20, by: 2) { sum += UInt32(header[index]) << 8 | UInt32(header[index + 1]) }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        let checksum = ~UInt16(sum)
        header[10] = UInt8(checksum >> 8)
        header[11] = UInt8(checksum & 0xFF)
        return header + payload
    }

    static let documentationV6Source: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [1]
    static let documentationV6Destination: [UInt8] = [0x20, 0x01, 0x0D, 0xB8] + [UInt8](repeating: 0, count: 11) + [2]

    /// An IPv6 packet (RFC 8200).
    static func ipv6(next: UInt8 = 17, source: [UInt8] = documentationV6Source, destination: [UInt8] = documentationV6Destination,
                     payload: [UInt8]) -> [UInt8] {
        [0x60, 0, 0, 0] + be16(UInt16(payload.count)) + [next, 64] + source + destination + payload
    }

    /// A UDP header and payload (checksum left zero).
    static func udp(source: UInt16 = 40000, destination: UInt16 = 53, payload: [UInt8]) -> [UInt8] {
        be16(source) + be16(destination) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    /// An Ethernet II frame.
    static func ethernet(type: UInt16, payload: [UInt8]) -> [UInt8] {
        [0x02, 0x00, 0x00, 0x00, 0x00, 0x02] + [0x02, 0x00, 0x00, 0x00, 0x00, 0x01] + be16(type) + payload
    }

    /// A small inner IPv4/UDP packet.
    static var innerIPv4: [UInt8] { ipv4(payload: udp(payload: Array("hello".utf8))) }
    static var innerIPv6: [UInt8] { ipv6(payload: udp(payload: Array("hello".utf8))) }

    static func family(_ outcome: DetectorOutcome) -> String? {
        if case .verdict(let verdict) = outcome { return verdict.family.id }
        return nil
    }

    static func verdict(_ outcome: DetectorOutcome) -> TunnelVerdict? {
        if case .verdict(let verdict) = outcome { return verdict }
        return nil
    }
}
