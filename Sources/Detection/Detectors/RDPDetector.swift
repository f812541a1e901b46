/// Remote Desktop Protocol.
/// TCP: a TPKT header (RFC 1006 §6: version 3, reserved 0, 16-bit length of the whole packet)
/// carrying an X.224 Connection Request TPDU (ITU-T X.224 §13.3: length indicator, code 0xE0),
/// whose user data per [MS-RDPBCGR] §2.2.1.1 is a "Cookie: mstshash=..." line, a routing token,
/// and/or an RDP Negotiation Request (type 0x01, length 8); the server answers with a
/// Connection Confirm (code 0xD0).
/// UDP ([MS-RDPEUDP] §2.2.2 and §3.1.5.1.1): the client's SYN datagram has snSourceAck
/// 0xFFFFFFFF, the RDPUDP_FLAG_SYN flag, up- and down-stream MTUs in 1132...1232, and is
/// zero-padded to 1232 bytes.
public struct RDPDetector: TunnelDetector {
    public let family = TunnelFamily.rdp
    public let summary = "RDP: TPKT + X.224 Connection Request with mstshash cookie or RDP negotiation request; RDP-UDP SYN datagram (MS-RDPEUDP)"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        switch flow.ipProtocol {
        case .tcp:
            let stream = flow.forwardStream
            guard !stream.isEmpty else { return flow.initiatorSilentOutcome }
            guard stream.count >= 11 else { return stream.first == 3 ? .needMorePackets : .notThis }
            let bytes = stream[...]
            guard bytes.u8(0) == 3, bytes.u8(1) == 0, let tpktLength = bytes.u16(2), tpktLength >= 11,
                  let indicator = bytes.u8(4), Int(indicator) + 5 == Int(tpktLength), bytes.u8(5) == 0xE0 else { return .notThis }
            guard stream.count >= Int(tpktLength) else { return .needMorePackets }
            let userData = bytes[(bytes.startIndex + 11)..<(bytes.startIndex + Int(tpktLength))]
            var what: String?
            if userData.starts(with: "Cookie: mstshash=".utf8) {
                what = "with a \"Cookie: mstshash=\" line"
            } else if userData.starts(with: "Cookie: msts=".utf8) {
                what = "with a routing token"
            } else if userData.count >= 8, userData.u8(0) == 1, userData.u16(2) == 0x0800 || userData.u16(2) == 8 {
                what = "with an RDP negotiation request"
            } else if let index = userData.firstIndex(of: 0x0A), userData.count >= userData.distance(from: userData.startIndex, to: index) + 9 {
                let after = userData[(index + 1)...]
                if after.u8(0) == 1, after.u8(2) == 8, after.u8(3) == 0 { what = "with an RDP negotiation request" }
            }
            guard let what else { return .notThis }
            return .verdict(TunnelVerdict(.rdp, confidence: .confirmed,
                evidence: "TPKT/X.224 Connection Request \(what) (MS-RDPBCGR 2.2.1.1)"))
        case .udp:
            guard let first = flow.payloadPackets(.forward).first else { return flow.packets.count >= 4 ? .notThis : .needMorePackets }
            let payload = flow.payload(first)
            guard flow.packets[first].payloadLength == 1232, payload.u32(0) == 0xFFFF_FFFF,
                  let flags = payload.u16(6), flags & 0x0001 != 0,
                  let up = payload.u16(12), let down = payload.u16(14),
                  (1132...1232).contains(up), (1132...1232).contains(down) else { return .notThis }
            return .verdict(TunnelVerdict(.rdp, confidence: .confirmed,
                evidence: "RDP-UDP SYN datagram: snSourceAck 0xFFFFFFFF, SYN flag, MTUs \(up)/\(down), padded to 1232 bytes (MS-RDPEUDP)"))
        default:
            return .notThis
        }
    }
}
