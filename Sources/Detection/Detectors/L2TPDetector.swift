/// L2TP: version 2 over UDP (RFC 2661 §3.1) and version 3 over UDP or directly over IP
/// protocol 115 (RFC 3931 §4.1).
///
/// An L2TPv2 header is a flags word (T type, L length present, S sequence present, O offset
/// present, P priority, reserved bits zero) ending in version 2, then the length, tunnel and
/// session ids, Ns/Nr and offset as flagged. Control messages (T=1) always have L and S set and
/// begin with the Message Type AVP (M bit, length 8, vendor 0, attribute 0) naming e.g.
/// Start-Control-Connection-Request (1); a control message without AVPs is a zero-length-body
/// acknowledgment. Data messages (T=0) carry PPP frames.
///
/// L2TPv3 control messages have the same first word with version 3, then the length, a 32-bit
/// control connection id, Ns and Nr; data over UDP starts with a version-3 word, a reserved word
/// and a 32-bit session id. Over IP protocol 115 every packet starts with a 32-bit session id,
/// zero for control messages.
public struct L2TPDetector: TunnelDetector {
    public let family = TunnelFamily.l2tp
    public let summary = "L2TP: v2/v3 header flags and version, control messages with the Message Type AVP (SCCRQ...), PPP in v2 data; L2TPv3 over IP protocol 115"

    public init() {}

    static let messageNames: [UInt16: String] = [
        1: "Start-Control-Connection-Request", 2: "Start-Control-Connection-Reply", 3: "Start-Control-Connection-Connected",
        4: "Stop-Control-Connection-Notification", 6: "Hello", 7: "Outgoing-Call-Request", 8: "Outgoing-Call-Reply",
        9: "Outgoing-Call-Connected", 10: "Incoming-Call-Request", 11: "Incoming-Call-Reply", 12: "Incoming-Call-Connected",
        14: "Call-Disconnect-Notify", 15: "WAN-Error-Notify", 16: "Set-Link-Info", 20: "Explicit-Acknowledgement",
        21: "Failover-Session-Query", 22: "Failover-Session-Response",
    ]

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        let indices = flow.payloadPackets()
        switch flow.ipProtocol {
        case .l2tp:
            guard let first = indices.first else { return .needMorePackets }
            let payload = flow.payload(first)
            let length = flow.packets[first].payloadLength
            if payload.u32(0) == 0, let control = Self.control(payload.dropFirst(4), length: length - 4, version: 3) {
                return .verdict(TunnelVerdict(.l2tp, confidence: .confirmed,
                    evidence: "L2TPv3 \(control) over IP protocol 115"))
            }
            // Data: a nonzero session id, then (after a cookie and sublayer) a frame or packet.
            var data = payload
            data.insert(contentsOf: [0, 3, 0, 0], at: data.startIndex)
            if payload.u32(0) != 0, let inner = Self.v3Data(data, length: length + 4) {
                return .verdict(TunnelVerdict(.l2tp, confidence: .confirmed,
                    evidence: "L2TPv3 data over IP protocol 115 (session \(inner.tunnel)) carrying \(inner.protocolName)"))
            }
            // IP protocol 115 is L2TPv3's by assignment, but nothing here could be checked.
            return .verdict(TunnelVerdict(.l2tp, confidence: .likely,
                evidence: "IP protocol 115 (L2TPv3) packets without a recognisable control or data header"))
        case .udp:
            break
        default:
            return .notThis
        }
        guard !indices.isEmpty else { return .needMorePackets }
        var dataPackets: [(tunnel: UInt32, protocolName: String)] = []
        for index in indices {
            let payload = flow.payload(index)
            let length = flow.packets[index].payloadLength
            guard let flags = payload.u16(0) else { return .notThis }
            let version = UInt8(flags & 0x000F)
            guard version == 2 || version == 3 else { return .notThis }
            if flags & 0x8000 != 0 {
                guard let control = Self.control(payload, length: length, version: version) else { return .notThis }
                return .verdict(TunnelVerdict(.l2tp, confidence: .confirmed, evidence: "L2TPv\(version) \(control) over UDP"))
            }
            guard let data = version == 2 ? Self.v2Data(payload, length: length) : Self.v3Data(payload, length: length) else {
                return .notThis
            }
            dataPackets.append(data)
        }
        // Data only (the control exchange was missed): two packets in one tunnel with valid inner frames.
        if dataPackets.count >= 2, Set(dataPackets.map(\.tunnel)).count <= 2 {
            return .verdict(TunnelVerdict(.l2tp, confidence: .confirmed,
                evidence: "L2TP data messages (tunnel/session \(dataPackets[0].tunnel)) carrying \(dataPackets[0].protocolName)"))
        }
        return .needMorePackets
    }

    /// "control message Start-Control-Connection-Request (Message Type AVP 1)" for a valid
    /// control header (version 2 or 3) whose length matches, else nil.
    static func control(_ bytes: ArraySlice<UInt8>, length: Int, version: UInt8) -> String? {
        guard let flags = bytes.u16(0), flags & 0x000F == UInt16(version), flags & 0x8000 != 0,
              let declared = bytes.u16(2) else { return nil }
        // T, L and S set; O and P clear; reserved bits zero.
        guard flags & 0xFFF0 == 0xC800 else { return nil }
        // Header: flags, length, tunnel+session (v2) or control connection id (v3), Ns, Nr.
        let headerLength = 12
        guard Int(declared) >= headerLength, Int(declared) == length else { return nil }
        if Int(declared) == headerLength { return "zero-length-body acknowledgment" }
        // The first AVP must be the Message Type: M bit set, H clear, reserved zero, length 8,
        // vendor 0, attribute 0.
        guard let avpFlags = bytes.u16(headerLength), avpFlags & 0x7C00 == 0, avpFlags & 0x03FF == 8,
              bytes.u16(headerLength + 2) == 0, bytes.u16(headerLength + 4) == 0,
              let type = bytes.u16(headerLength + 6), let name = messageNames[type] else { return nil }
        if version == 2 && type > 16 { return nil }
        return "control message \(name) (Message Type AVP \(type))"
    }

    /// An L2TPv2 data message: T clear, reserved bits zero, then PPP.
    static func v2Data(_ bytes: ArraySlice<UInt8>, length: Int) -> (tunnel: UInt32, protocolName: String)? {
        guard let flags = bytes.u16(0), flags & 0x34F0 == 0, flags & 0x000F == 2 else { return nil }
        var offset = 2
        if flags & 0x4000 != 0 {
            guard let declared = bytes.u16(offset), Int(declared) == length else { return nil }
            offset += 2
        }
        guard let tunnel = bytes.u16(offset) else { return nil }
        offset += 4
        if flags & 0x0800 != 0 { offset += 4 }
        if flags & 0x0200 != 0 {
            guard let size = bytes.u16(offset) else { return nil }
            offset += 2 + Int(size)
        }
        guard let (_, name) = EncapsulatedPacket.pppProtocol(bytes, at: offset) else { return nil }
        return (UInt32(tunnel), "PPP \(name)")
    }

    /// An L2TPv3 data message over UDP: a version-3 word with T clear, a reserved zero word, a
    /// nonzero session id, then (after a cookie of 0, 4 or 8 bytes and an optional 4-byte
    /// sublayer) an Ethernet frame or IP packet.
    static func v3Data(_ bytes: ArraySlice<UInt8>, length: Int) -> (tunnel: UInt32, protocolName: String)? {
        guard bytes.u16(0) == 0x0003, bytes.u16(2) == 0, let session = bytes.u32(4), session != 0 else { return nil }
        for cookie in [0, 4, 8] {
            for sublayer in [0, 4] {
                let offset = 8 + cookie + sublayer
                if let type = EncapsulatedPacket.ethernetType(bytes, at: offset, available: length - offset) {
                    return (session, "Ethernet frames of \(EncapsulatedPacket.describe(type))")
                }
                if let ip = EncapsulatedPacket.ipVersion(bytes, at: offset, available: length - offset) {
                    return (session, "\(ip) packets")
                }
            }
        }
        return nil
    }
}
