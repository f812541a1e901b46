/// GRE, IP protocol 47 (RFC 2784, with the key and sequence number fields of RFC 2890): a
/// 16-bit word of flags (C, K, S; the other reserved bits zero) and version 0, a 16-bit protocol
/// type (an EtherType: 0x0800 IPv4, 0x86DD IPv6, 0x6558 transparent Ethernet bridging, 0x8847
/// MPLS, 0x88BE ERSPAN...), then the optional checksum, key and sequence number words and the
/// payload packet, which must look like a packet of that type.
///
/// Version 1 is the enhanced GRE of PPTP's data channel (RFC 2637 §4.1): K set, C and R clear,
/// protocol type 0x880B (PPP), the key holding the payload length and call id, then optional
/// sequence and acknowledgment numbers. Those packets are reported as GRE with product "PPTP"
/// (the PPTP family itself is the TCP control connection, see `PPTPDetector`).
public struct GREDetector: TunnelDetector {
    public let family = TunnelFamily.gre
    public let summary = "GRE (IP protocol 47): RFC 2784/2890 header flags and version, protocol type, and a valid packet of that type inside; enhanced GRE v1 of PPTP"

    public init() {}

    /// Payload packets looked at before settling on the bare header.
    private static let patience = 4

    /// Protocol types whose payload `innerDescription` can check.
    static let checkableTypes: Set<UInt16> = [0x0800, 0x86DD, 0x0806, 0x6558, 0x880B, 0x88BE, 0x22EB, 0x883E, 0x8847, 0x8848]

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .gre else { return .notThis }
        let indices = flow.payloadPackets()
        guard !indices.isEmpty else { return .needMorePackets }
        var validHeaders: [UInt16] = []
        for index in indices {
            let payload = flow.payload(index)
            let length = flow.packets[index].payloadLength
            guard let header = Self.header(payload, length: length) else { continue }
            validHeaders.append(header.protocolType)
            if let inner = Self.innerDescription(header, payload, length: length) {
                return .verdict(inner)
            }
        }
        if validHeaders.isEmpty {
            return indices.count >= Self.patience ? .notThis : .needMorePackets
        }
        // Types whose payload can be checked get a few packets to show one; others are taken
        // on the header alone.
        guard indices.count >= Self.patience || !validHeaders.contains(where: Self.checkableTypes.contains) else { return .needMorePackets }
        // IP protocol 47 with well-formed GRE headers, but nothing inside we could check
        // (encrypted, truncated or an uncommon payload type).
        let type = validHeaders[0]
        return .verdict(TunnelVerdict(.gre, confidence: .confirmed,
            evidence: "GRE headers (IP protocol 47) with protocol type \(EncapsulatedPacket.describe(type))"))
    }

    struct Header {
        var version: UInt8
        var protocolType: UInt16
        /// Where the payload starts.
        var payloadOffset: Int
        /// Enhanced GRE: the key's payload length and call id.
        var pptpPayloadLength: UInt16?
        var callID: UInt16?
        var key: UInt32?
    }

    /// The GRE header if the flags word is valid for version 0 or 1.
    static func header(_ bytes: ArraySlice<UInt8>, length: Int) -> Header? {
        guard let flags = bytes.u16(0), let type = bytes.u16(2) else { return nil }
        let checksum = flags & 0x8000 != 0
        let routing = flags & 0x4000 != 0
        let keyPresent = flags & 0x2000 != 0
        let sequence = flags & 0x1000 != 0
        let version = UInt8(flags & 0x0007)
        switch version {
        case 0:
            // RFC 2784 §2.5: reserved bits 1 and 4...12 are zero (no RFC 1701 routing, strict
            // source route or recursion); RFC 2890 gives bits 2 and 3 to key and sequence.
            guard !routing, flags & 0x0FF8 == 0 else { return nil }
            var offset = 4
            if checksum { offset += 4 }
            var key: UInt32?
            if keyPresent { key = bytes.u32(offset); offset += 4 }
            if sequence { offset += 4 }
            guard offset <= length else { return nil }
            return Header(version: 0, protocolType: type, payloadOffset: offset, key: key)
        case 1:
            // RFC 2637 §4.1: C, R, s and recursion zero, K set, flags zero, protocol type PPP.
            let acknowledgment = flags & 0x0080 != 0
            guard !checksum, !routing, keyPresent, flags & 0x0F78 == 0, type == 0x880B,
                  let payloadLength = bytes.u16(4), let callID = bytes.u16(6) else { return nil }
            var offset = 8
            if sequence { offset += 4 }
            if acknowledgment { offset += 4 }
            // An acknowledgment-only packet carries no payload; otherwise the key's payload
            // length is what follows the header.
            if payloadLength > 0 {
                // Equal, or longer when the capture was cut short (the IP length bounds GRE, so no padding).
                guard sequence, Int(payloadLength) >= length - offset else { return nil }
            } else {
                guard offset == length || !sequence else { return nil }
            }
            return Header(version: 1, protocolType: type, payloadOffset: offset, pptpPayloadLength: payloadLength, callID: callID)
        default:
            return nil
        }
    }

    /// A verdict when the GRE payload checks out as a packet of the announced type.
    static func innerDescription(_ header: Header, _ bytes: ArraySlice<UInt8>, length: Int) -> TunnelVerdict? {
        let offset = header.payloadOffset
        let available = length - offset
        if header.version == 1 {
            guard let payloadLength = header.pptpPayloadLength, let callID = header.callID else { return nil }
            if payloadLength == 0 {
                return nil // an acknowledgment alone says little; wait for data
            }
            guard let (ppp, name) = EncapsulatedPacket.pppProtocol(bytes, at: offset) else { return nil }
            return TunnelVerdict(.gre, product: "PPTP", confidence: .confirmed,
                evidence: "Enhanced GRE (version 1, PPTP data channel, call id \(callID)) carrying PPP \(name) (0x\(EncapsulatedPacket.hex(ppp, digits: 4)))")
        }
        let type = header.protocolType
        let plausible: Bool
        switch type {
        case 0x6558:
            plausible = EncapsulatedPacket.ethernetType(bytes, at: offset, available: available) != nil
        case 0x880B:
            plausible = EncapsulatedPacket.pppProtocol(bytes, at: offset) != nil
        case 0x88BE:
            // ERSPAN type II (draft-foschiano-erspan): version 1 in the top nibble, then Ethernet.
            plausible = bytes.u8(offset).map { $0 >> 4 == 1 } == true
                && EncapsulatedPacket.ethernetType(bytes, at: offset + 8, available: available - 8) != nil
        case 0x22EB:
            // ERSPAN type III: version 2, a 12-byte header (plus an optional 8-byte subheader).
            let subheader = bytes.u8(offset + 11).map { $0 & 0x01 != 0 } == true ? 8 : 0
            plausible = bytes.u8(offset).map { $0 >> 4 == 2 } == true
                && EncapsulatedPacket.ethernetType(bytes, at: offset + 12 + subheader, available: available - 12 - subheader) != nil
        case 0x883E:
            // WCCP v2 redirect header (4 bytes), then the redirected IPv4 packet.
            plausible = EncapsulatedPacket.isIPv4(bytes, at: offset + 4, available: available - 4)
        default:
            plausible = EncapsulatedPacket.payloadIsPlausible(etherType: type, bytes, at: offset, available: available)
        }
        guard plausible else { return nil }
        var evidence = "GRE carrying \(EncapsulatedPacket.describe(type))"
        if type == 0x6558, let inner = EncapsulatedPacket.ethernetType(bytes, at: offset, available: available) {
            evidence += " with an Ethernet frame of \(EncapsulatedPacket.describe(inner))"
        }
        if let key = header.key { evidence += ", key \(key)" }
        return TunnelVerdict(.gre, confidence: .confirmed, evidence: evidence)
    }
}
