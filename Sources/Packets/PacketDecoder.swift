/// Finds the IP packet in a captured frame and decodes its headers, reading the capture
/// buffer in place.
///
/// Decoding never allocates and never traps: every read is bounds-checked and a frame that
/// ends early or breaks a header's rules comes back as a `DecodeFailure` naming the header.
public struct PacketDecoder: Sendable {
    public let linkType: LinkType

    /// At most this many stacked VLAN tags or MPLS labels are walked (QinQ needs two).
    @usableFromInline static let maximumStackedHeaders = 8

    public init(linkType: LinkType) {
        self.linkType = linkType
    }

    /// Decodes one frame as captured (which may be shorter than it was on the wire).
    ///
    /// Given the frame's length on the wire, a frame captured whole whose IP header claims more
    /// bytes than it holds is rejected as malformed; one cut short by the snap length is not.
    @inlinable
    public func decode(_ frame: UnsafeRawBufferPointer, wireLength: Int? = nil) -> Result<DecodedPacket, DecodeFailure> {
        var packet = DecodedPacket()
        let failure: DecodeFailure?
        switch linkType {
        case .ethernet:
            failure = decodeEthernet(frame, into: &packet)
        case .raw, .rawOpenBSD, .rawBSD:
            failure = Self.decodeIPByVersion(frame, at: 0, into: &packet)
        case .ipv4:
            failure = Self.decodeIPv4(frame, at: 0, into: &packet)
        case .ipv6:
            failure = Self.decodeIPv6(frame, at: 0, into: &packet)
        case .linuxSLL:
            // 16-byte header; the protocol (an EtherType) is its last two bytes.
            guard let type = frame.uint16(at: 14) else { return .failure(.truncated(header: "Linux cooked")) }
            failure = Self.decodeEtherType(type, frame, at: 16, into: &packet)
        case .linuxSLL2:
            // 20-byte header; the protocol comes first.
            guard frame.count >= 20, let type = frame.uint16(at: 0) else {
                return .failure(.truncated(header: "Linux cooked v2"))
            }
            failure = Self.decodeEtherType(type, frame, at: 20, into: &packet)
        case .null, .loop:
            failure = decodeLoopback(frame, into: &packet)
        case .ppp:
            failure = Self.decodePPP(frame, at: 0, into: &packet)
        case .ciscoHDLC:
            // Address, control, then an EtherType.
            guard let type = frame.uint16(at: 2) else { return .failure(.truncated(header: "Cisco HDLC")) }
            failure = Self.decodeEtherType(type, frame, at: 4, into: &packet)
        default:
            failure = .unsupportedLinkType(linkType)
        }
        if let failure { return .failure(failure) }
        if packet.ipLengthExceedsCapture, let wireLength, wireLength <= frame.count {
            return .failure(.malformed(header: packet.ipVersion == 4 ? "IPv4" : "IPv6", field: "length (beyond the frame)"))
        }
        return .success(packet)
    }

    @inlinable
    func decodeEthernet(_ frame: UnsafeRawBufferPointer, into packet: inout DecodedPacket) -> DecodeFailure? {
        guard let type = frame.uint16(at: 12) else { return .truncated(header: "Ethernet") }
        if type < 0x0600 {
            // An IEEE 802.3 length field: LLC follows. IP over SNAP carries its EtherType after it.
            guard frame.uint16(at: 14) == 0xAAAA, let snapType = frame.uint16(at: 20) else {
                return .notIP(etherType: type)
            }
            return Self.decodeEtherType(snapType, frame, at: 22, into: &packet)
        }
        return Self.decodeEtherType(type, frame, at: 14, into: &packet)
    }

    @inlinable
    func decodeLoopback(_ frame: UnsafeRawBufferPointer, into packet: inout DecodedPacket) -> DecodeFailure? {
        // A 4-byte address family: host order for LINKTYPE_NULL (whichever host wrote the
        // file), network order for LINKTYPE_LOOP. Only the IP version matters here, so look at
        // the packet itself once the family says it is IP.
        guard let raw = frame.uint32(at: 0) else { return .truncated(header: "loopback") }
        let family = linkType == .loop ? raw : (raw > 0xFFFF ? raw.byteSwapped : raw)
        switch family {
        case 2, 10, 24, 28, 30: return Self.decodeIPByVersion(frame, at: 4, into: &packet)
        default: return .notIP(etherType: UInt16(truncatingIfNeeded: family))
        }
    }

    /// Dispatches on an EtherType, walking VLAN tags, PPPoE and MPLS labels to reach IP.
    /// `depth` counts the headers already walked through PPP, which can carry an EtherType
    /// again (Cisco HDLC framing inside PPPoE): a crafted frame must not recurse without end.
    @inlinable
    static func decodeEtherType(
        _ etherType: UInt16, _ frame: UnsafeRawBufferPointer, at start: Int, into packet: inout DecodedPacket, depth: Int = 0
    ) -> DecodeFailure? {
        guard depth < maximumStackedHeaders else { return .malformed(header: "link", field: "number of stacked headers") }
        var type = etherType
        var offset = start
        for stacked in depth..<maximumStackedHeaders {
            switch type {
            case 0x0800:
                return decodeIPv4(frame, at: offset, into: &packet)
            case 0x86DD:
                return decodeIPv6(frame, at: offset, into: &packet)
            case 0x8100, 0x88A8, 0x9100, 0x9200:
                guard let tci = frame.uint16(at: offset), let next = frame.uint16(at: offset + 2) else {
                    return .truncated(header: "802.1Q")
                }
                if packet.vlanID == nil { packet.vlanID = tci & 0x0FFF }
                type = next
                offset += 4
            case 0x8864:
                // PPPoE session stage: 6-byte header, then a PPP protocol number.
                return decodePPP(frame, at: offset + 6, into: &packet, depth: stacked + 1)
            case 0x8847, 0x8848:
                // MPLS: pop labels to the bottom of the stack, then guess IP from its version.
                guard let entry = frame.uint32(at: offset) else { return .truncated(header: "MPLS") }
                offset += 4
                if entry & 0x100 != 0 { return decodeIPByVersion(frame, at: offset, into: &packet) }
            default:
                return .notIP(etherType: type)
            }
        }
        return .malformed(header: "link", field: "number of stacked headers")
    }

    @inlinable
    static func decodePPP(_ frame: UnsafeRawBufferPointer, at start: Int, into packet: inout DecodedPacket, depth: Int = 0) -> DecodeFailure? {
        var offset = start
        switch frame.uint8(at: offset) {
        case 0xFF:
            // An HDLC-like frame may keep its address and control bytes (0xFF 0x03).
            if frame.uint8(at: offset + 1) == 0x03 { offset += 2 }
        case 0x0F, 0x8F:
            // Cisco HDLC framing in a PPP capture: address, control, then an EtherType.
            guard let type = frame.uint16(at: offset + 2) else { return .truncated(header: "Cisco HDLC") }
            return decodeEtherType(type, frame, at: offset + 4, into: &packet, depth: depth + 1)
        default:
            break
        }
        guard let proto = frame.uint16(at: offset) else { return .truncated(header: "PPP") }
        switch proto {
        case 0x0021: return decodeIPv4(frame, at: offset + 2, into: &packet)
        case 0x0057: return decodeIPv6(frame, at: offset + 2, into: &packet)
        default: return .notIP(etherType: proto)
        }
    }

    /// Decodes an IP packet whose version is only known from its first nibble.
    @inlinable
    public static func decodeIPByVersion(
        _ frame: UnsafeRawBufferPointer, at offset: Int, into packet: inout DecodedPacket
    ) -> DecodeFailure? {
        guard let first = frame.uint8(at: offset) else { return .truncated(header: "IP") }
        switch first >> 4 {
        case 4: return decodeIPv4(frame, at: offset, into: &packet)
        case 6: return decodeIPv6(frame, at: offset, into: &packet)
        default: return .malformed(header: "IP", field: "version")
        }
    }
}
