/// Encapsulations whose inner packet the decoder can open, one level deep, so an audit sees
/// what runs inside a GRE, VXLAN, Geneve, GTP-U, Teredo, CAPWAP or IP-in-IP tunnel.
public enum Encapsulation: String, Sendable, CaseIterable {
    case gre
    case ipInIP = "ip-in-ip"
    case vxlan
    case geneve
    case gtpU = "gtp-u"
    case teredo
    case capwap

    /// The UDP port IANA assigned to a UDP-based encapsulation; such traffic is opened only on it.
    public var assignedUDPPort: UInt16? {
        switch self {
        case .vxlan: 4789
        case .geneve: 6081
        case .gtpU: 2152
        case .teredo: 3544
        case .capwap: 5247
        case .gre, .ipInIP: nil
        }
    }
}

extension PacketDecoder {
    /// Decodes the packet inside `outer`, if `outer` is a well-formed encapsulation: by IP
    /// protocol (4, 41, 47) or, for UDP encapsulations, by their assigned port and header
    /// structure. Returns nil when there is no inner packet to open (encrypted PPP in PPTP's
    /// GRE, control messages, or anything malformed).
    public static func decodeInner(_ frame: UnsafeRawBufferPointer, outer: DecodedPacket) -> (Encapsulation, DecodedPacket)? {
        guard outer.fragment == .none else { return nil }
        var inner = DecodedPacket()
        inner.vlanID = outer.vlanID
        let start = outer.payloadOffset
        let failure: DecodeFailure?
        let kind: Encapsulation
        switch outer.ipProtocol.rawValue {
        case 4, 41:
            kind = .ipInIP
            let expected: UInt8 = outer.ipProtocol.rawValue == 4 ? 4 : 6
            guard frame.uint8(at: outer.transportOffset).map({ $0 >> 4 }) == expected else { return nil }
            failure = decodeIPByVersion(frame, at: outer.transportOffset, into: &inner)
        case 47:
            kind = .gre
            guard let offset = greInnerOffset(frame, at: outer.transportOffset) else { return nil }
            failure = offset.ethernet ? decodeEthernetFrame(frame, at: offset.start, into: &inner)
                : decodeIPByVersion(frame, at: offset.start, into: &inner)
        case 17:
            if outer.destinationPort == 4789 || outer.sourcePort == 4789 {
                // VXLAN (RFC 7348): I flag set, then an Ethernet frame.
                guard let flags = frame.uint8(at: start), flags & 0x08 != 0 else { return nil }
                kind = .vxlan
                failure = decodeEthernetFrame(frame, at: start + 8, into: &inner)
            } else if outer.destinationPort == 6081 || outer.sourcePort == 6081 {
                // Geneve (RFC 8926 §3.4): version 0, options, protocol type.
                guard let first = frame.uint8(at: start), first >> 6 == 0, let type = frame.uint16(at: start + 2) else { return nil }
                kind = .geneve
                let innerStart = start + 8 + Int(first & 0x3F) * 4
                failure = type == 0x6558 ? decodeEthernetFrame(frame, at: innerStart, into: &inner)
                    : decodeEtherType(type, frame, at: innerStart, into: &inner)
            } else if outer.destinationPort == 2152 || outer.sourcePort == 2152 {
                guard let innerStart = gtpUserPlaneInnerOffset(frame, at: start) else { return nil }
                kind = .gtpU
                failure = decodeIPByVersion(frame, at: innerStart, into: &inner)
            } else if outer.destinationPort == 3544 || outer.sourcePort == 3544 {
                // Teredo (RFC 4380 §5.1.1): optional authentication and origin indication, then IPv6.
                var innerStart = start
                if frame.uint16(at: innerStart) == 0x0001, let idLength = frame.uint8(at: innerStart + 2),
                   let authLength = frame.uint8(at: innerStart + 3) {
                    innerStart += 4 + Int(idLength) + Int(authLength) + 9
                }
                if frame.uint16(at: innerStart) == 0x0000 { innerStart += 8 }
                guard frame.uint8(at: innerStart).map({ $0 >> 4 }) == 6 else { return nil }
                kind = .teredo
                failure = decodeIPv6(frame, at: innerStart, into: &inner)
            } else if outer.destinationPort == 5247 || outer.sourcePort == 5247 {
                guard let innerStart = capwapInnerOffset(frame, at: start) else { return nil }
                kind = .capwap
                failure = innerStart.ieee80211 ? decode80211Data(frame, at: innerStart.start, into: &inner)
                    : decodeEthernetFrame(frame, at: innerStart.start, into: &inner)
            } else {
                return nil
            }
        default:
            return nil
        }
        guard failure == nil else { return nil }
        return (kind, inner)
    }

    /// GRE (RFC 2784, RFC 2890) and PPTP's enhanced GRE (RFC 2637 §4.1).
    static func greInnerOffset(_ frame: UnsafeRawBufferPointer, at start: Int) -> (start: Int, ethernet: Bool)? {
        guard let flags = frame.uint16(at: start), let type = frame.uint16(at: start + 2) else { return nil }
        let version = flags & 0x7
        var offset = start + 4
        if version == 0 {
            if flags & 0x8000 != 0 { offset += 4 }  // checksum + reserved
            if flags & 0x2000 != 0 { offset += 4 }  // key
            if flags & 0x1000 != 0 { offset += 4 }  // sequence number
            switch type {
            case 0x0800, 0x86DD: return (offset, false)
            case 0x6558: return (offset, true)
            default: return nil
            }
        }
        guard version == 1, type == 0x880B, flags & 0x2000 != 0 else { return nil }
        offset += 4                                  // payload length + call id
        if flags & 0x1000 != 0 { offset += 4 }       // sequence number
        if flags & 0x0080 != 0 { offset += 4 }       // acknowledgment number
        // PPP: optional address/control, then a protocol number; only plain IP can be opened.
        if frame.uint16(at: offset) == 0xFF03 { offset += 2 }
        switch frame.uint16(at: offset) {
        case 0x0021, 0x0057: return (offset + 2, false)
        default: return nil
        }
    }

    /// GTP-U G-PDU (3GPP TS 29.281 §5): version 1, protocol type GTP, message type 255.
    static func gtpUserPlaneInnerOffset(_ frame: UnsafeRawBufferPointer, at start: Int) -> Int? {
        guard let flags = frame.uint8(at: start), flags >> 5 == 1, flags & 0x10 != 0,
              frame.uint8(at: start + 1) == 255 else { return nil }
        var offset = start + 8
        if flags & 0x07 != 0 {
            guard var next = frame.uint8(at: start + 11) else { return nil }
            offset += 4
            // Extension headers: a length in 4-byte units, the last byte names the next one.
            var remaining = 8
            while next != 0 {
                guard remaining > 0, let units = frame.uint8(at: offset), units > 0 else { return nil }
                offset += Int(units) * 4
                guard let following = frame.uint8(at: offset - 1) else { return nil }
                next = following
                remaining -= 1
            }
        }
        return offset
    }

    /// CAPWAP data channel (RFC 5415 §4.3): preamble version 0 type 0, header length HLEN
    /// words; T=1 means a native IEEE 802.11 frame, else IEEE 802.3.
    static func capwapInnerOffset(_ frame: UnsafeRawBufferPointer, at start: Int) -> (start: Int, ieee80211: Bool)? {
        guard frame.uint8(at: start) == 0, let word = frame.uint32(at: start) else { return nil }
        let headerWords = Int((word >> 19) & 0x1F)
        let wirelessBinding = (word >> 9) & 0x1F
        let nativeFrame = word & 0x100 != 0
        guard headerWords >= 2 else { return nil }
        return (start + headerWords * 4, nativeFrame && wirelessBinding == 1)
    }

    /// An Ethernet frame starting at `start` (inside a tunnel).
    static func decodeEthernetFrame(_ frame: UnsafeRawBufferPointer, at start: Int, into packet: inout DecodedPacket) -> DecodeFailure? {
        guard let type = frame.uint16(at: start + 12) else { return .truncated(header: "inner Ethernet") }
        return decodeEtherType(type, frame, at: start + 14, into: &packet)
    }

    /// An IEEE 802.11 data frame with an LLC/SNAP header (IEEE 802.11-2020 §9.3.2.1).
    static func decode80211Data(_ frame: UnsafeRawBufferPointer, at start: Int, into packet: inout DecodedPacket) -> DecodeFailure? {
        guard let control = frame.uint8(at: start), let flags = frame.uint8(at: start + 1) else { return .truncated(header: "802.11") }
        guard (control >> 2) & 0x3 == 2 else { return .notIP(etherType: 0) }  // data frames only
        var offset = start + 24
        if flags & 0x03 == 0x03 { offset += 6 }           // four addresses (WDS)
        if control & 0x80 != 0 { offset += 2 }            // QoS data subtypes
        guard frame.uint16(at: offset) == 0xAAAA, frame.uint8(at: offset + 2) == 0x03,
              let type = frame.uint16(at: offset + 6) else { return .notIP(etherType: 0) }
        return decodeEtherType(type, frame, at: offset + 8, into: &packet)
    }
}
