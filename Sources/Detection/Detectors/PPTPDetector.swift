/// PPTP's control connection (RFC 2637 §2): over TCP, every control message starts with its
/// 16-bit length, PPTP message type 1 (control), the magic cookie 0x1A2B3C4D, a 16-bit control
/// message type (1 Start-Control-Connection-Request ... 15 Set-Link-Info) and a zero reserved
/// word; each control message type has a fixed length. A session opens with the client's
/// Start-Control-Connection-Request answered by a Start-Control-Connection-Reply.
public struct PPTPDetector: TunnelDetector {
    public let family = TunnelFamily.pptp
    public let summary = "PPTP: TCP control messages with the 0x1A2B3C4D magic cookie, a known control message type and its fixed length"

    public init() {}

    /// Control message types with their names and fixed lengths (RFC 2637 §2.1-2.16).
    static let messages: [UInt16: (name: String, length: Int)] = [
        1: ("Start-Control-Connection-Request", 156), 2: ("Start-Control-Connection-Reply", 156),
        3: ("Stop-Control-Connection-Request", 16), 4: ("Stop-Control-Connection-Reply", 16),
        5: ("Echo-Request", 16), 6: ("Echo-Reply", 20),
        7: ("Outgoing-Call-Request", 168), 8: ("Outgoing-Call-Reply", 32),
        9: ("Incoming-Call-Request", 220), 10: ("Incoming-Call-Reply", 24), 11: ("Incoming-Call-Connected", 28),
        12: ("Call-Clear-Request", 16), 13: ("Call-Disconnect-Notify", 148),
        14: ("WAN-Error-Notify", 32), 15: ("Set-Link-Info", 24),
    ]

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        let forward = flow.forwardStream
        guard forward.count >= 16 else {
            // The client speaks first; a server that talks first is something else.
            return !flow.reverseStream.isEmpty ? .notThis : .needMorePackets
        }
        guard let first = Self.message(forward[...]) else { return .notThis }
        let reverse = flow.reverseStream
        if let reply = Self.message(reverse[...]) {
            return .verdict(TunnelVerdict(.pptp, confidence: .confirmed,
                evidence: "PPTP \(first.name) answered by \(reply.name) (control messages with magic cookie 0x1A2B3C4D)"))
        }
        return .verdict(TunnelVerdict(.pptp, confidence: .confirmed,
            evidence: "PPTP \(first.name) (\(first.length) bytes, magic cookie 0x1A2B3C4D) on TCP"))
    }

    /// The control message at the start of `stream`, if its header and length are valid.
    static func message(_ stream: ArraySlice<UInt8>) -> (name: String, length: Int)? {
        guard let length = stream.u16(0), stream.u16(2) == 1, stream.u32(4) == 0x1A2B_3C4D,
              let type = stream.u16(8), stream.u16(10) == 0,
              let known = messages[type], known.length == Int(length) else { return nil }
        return known
    }
}
