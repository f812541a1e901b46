import Packets

/// Builds frames byte by byte from the protocol specifications, so tests state exactly what is
/// on the wire.
public enum FrameBuilder {
    public static func ethernet(type: UInt16, vlans: [UInt16] = [], payload: [UInt8]) -> [UInt8] {
        var frame: [UInt8] = [0x02, 0, 0, 0, 0, 1, 0x02, 0, 0, 0, 0, 2]
        for (index, vlan) in vlans.enumerated() {
            frame += be16(index == 0 && vlans.count > 1 ? 0x88A8 : 0x8100) + be16(vlan)
        }
        return frame + be16(type) + payload
    }

    /// An IPv4 header (RFC 791) followed by `payload`; options are padded to 32-bit words.
    public static func ipv4(
        source: String, destination: String, protocol proto: UInt8, payload: [UInt8],
        identification: UInt16 = 1, moreFragments: Bool = false, fragmentOffset: UInt16 = 0,
        options: [UInt8] = [], totalLength: Int? = nil
    ) -> [UInt8] {
        let paddedOptions = options + [UInt8](repeating: 0, count: (4 - options.count % 4) % 4)
        let headerLength = 20 + paddedOptions.count
        var header: [UInt8] = [0x40 | UInt8(headerLength / 4), 0]
        header += be16(UInt16(totalLength ?? headerLength + payload.count))
        header += be16(identification)
        header += be16((moreFragments ? 0x2000 : 0) | fragmentOffset)
        header += [64, proto, 0, 0]
        header += IPAddress(source)!.bytes.suffix(4) + IPAddress(destination)!.bytes.suffix(4)
        return header + paddedOptions + payload
    }

    /// An IPv6 header (RFC 8200); `extensions` are (next-header value of this header, bytes).
    public static func ipv6(
        source: String, destination: String, protocol proto: UInt8, payload: [UInt8],
        extensions: [(type: UInt8, body: [UInt8])] = []
    ) -> [UInt8] {
        var chain: [UInt8] = []
        for (index, ext) in extensions.enumerated() {
            let next = index + 1 < extensions.count ? extensions[index + 1].type : proto
            chain += [next] + ext.body
        }
        let first = extensions.first?.type ?? proto
        var header: [UInt8] = [0x60, 0, 0, 0]
        header += be16(UInt16(chain.count + payload.count)) + [first, 64]
        header += IPAddress(source)!.bytes + IPAddress(destination)!.bytes
        return header + chain + payload
    }

    public static func tcp(sourcePort: UInt16, destinationPort: UInt16, flags: UInt8 = 0x18, payload: [UInt8] = []) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + [0, 0, 0, 1, 0, 0, 0, 0, 0x50, flags, 0xFF, 0xFF, 0, 0, 0, 0] + payload
    }

    public static func udp(sourcePort: UInt16, destinationPort: UInt16, payload: [UInt8] = []) -> [UInt8] {
        be16(sourcePort) + be16(destinationPort) + be16(UInt16(8 + payload.count)) + [0, 0] + payload
    }

    public static func icmpEcho(payload: [UInt8] = []) -> [UInt8] {
        [8, 0, 0, 0, 0, 1, 0, 1] + payload
    }

    /// An Ethernet/IPv4/UDP frame in one call, for flow tests.
    public static func udpFrame(_ source: String, _ sourcePort: UInt16, _ destination: String, _ destinationPort: UInt16,
                                payload: [UInt8] = [1, 2, 3, 4], vlans: [UInt16] = []) -> [UInt8] {
        ethernet(type: 0x0800, vlans: vlans, payload: ipv4(
            source: source, destination: destination, protocol: 17,
            payload: udp(sourcePort: sourcePort, destinationPort: destinationPort, payload: payload)))
    }

    public static func be16(_ value: UInt16) -> [UInt8] { [UInt8(value >> 8), UInt8(value & 0xFF)] }
    public static func be32(_ value: UInt32) -> [UInt8] { be16(UInt16(value >> 16)) + be16(UInt16(value & 0xFFFF)) }
}

extension PacketDecoder {
    /// Decodes a byte array (tests only: real decoding reads the capture buffer in place).
    public func decode(bytes: [UInt8], wireLength: Int? = nil) -> Result<DecodedPacket, DecodeFailure> {
        bytes.withUnsafeBytes { decode($0, wireLength: wireLength) }
    }
}
