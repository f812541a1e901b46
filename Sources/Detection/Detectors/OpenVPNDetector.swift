/// OpenVPN (openvpn.net "OpenVPN protocol" and `ssl.h` opcode list): over TCP each packet is
/// prefixed by its 16-bit length; the first byte holds an opcode (high 5 bits) and key id; a
/// session opens with P_CONTROL_HARD_RESET_CLIENT (V2 = 7, V3 = 10) answered by
/// P_CONTROL_HARD_RESET_SERVER_V2 (8), and every control packet carries its sender's 8-byte
/// session id. With or without tls-auth/tls-crypt, those ids stay fixed per direction.
public struct OpenVPNDetector: TunnelDetector {
    public let family = TunnelFamily.openvpn
    public let summary = "OpenVPN: hard-reset client/server opcodes, fixed session ids per direction, ack of the client's session id"

    public init() {}

    private static let controlOpcodes: Set<UInt8> = [1, 2, 3, 4, 5, 7, 8, 10, 11]

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .udp || flow.ipProtocol == .tcp else { return .notThis }
        let isTCP = flow.ipProtocol == .tcp
        let indices = flow.payloadPackets()
        guard let first = indices.first else { return .needMorePackets }
        // The first payload must be a client hard reset, key id 0.
        guard let opening = Self.message(flow.payload(first), length: flow.packets[first].payloadLength, tcp: isTCP),
              opening.opcode == 7 || opening.opcode == 10, opening.keyID == 0, flow.packets[first].direction == .forward else {
            return .notThis
        }
        let replies = indices.filter { flow.packets[$0].direction == .reverse }
        guard let firstReply = replies.first else { return indices.count > 6 ? .notThis : .needMorePackets }
        guard let reply = Self.message(flow.payload(firstReply), length: flow.packets[firstReply].payloadLength, tcp: isTCP),
              reply.opcode == 8, reply.keyID == 0 else {
            return .notThis
        }
        // The server's reply acknowledges the client's packet and names the client's session id.
        if flow.payload(firstReply).matches(Array(opening.sessionID), at: reply.bodyOffset + 9) || Self.contains(flow.payload(firstReply), opening.sessionID) {
            return .verdict(TunnelVerdict(.openvpn, confidence: .confirmed,
                evidence: "OpenVPN P_CONTROL_HARD_RESET_CLIENT answered by P_CONTROL_HARD_RESET_SERVER_V2 acknowledging the client's session id"))
        }
        // tls-crypt hides the ack: require more control packets reusing each side's session id.
        var forwardIDs: Set<[UInt8]> = [Array(opening.sessionID)]
        var reverseIDs: Set<[UInt8]> = [Array(reply.sessionID)]
        var controlPackets = 2
        for index in indices where index != first && index != firstReply {
            guard let message = Self.message(flow.payload(index), length: flow.packets[index].payloadLength, tcp: isTCP) else { return .notThis }
            guard Self.controlOpcodes.contains(message.opcode) else { continue }
            controlPackets += 1
            if flow.packets[index].direction == .forward { forwardIDs.insert(Array(message.sessionID)) } else { reverseIDs.insert(Array(message.sessionID)) }
        }
        guard forwardIDs.count == 1, reverseIDs.count == 1 else { return .notThis }
        guard controlPackets >= 4 else { return .needMorePackets }
        return .verdict(TunnelVerdict(.openvpn, confidence: .confirmed,
            evidence: "OpenVPN hard-reset exchange then \(controlPackets - 2) control packets, each side keeping one session id (tls-crypt or tls-auth wrapping)"))
    }

    struct Message {
        var opcode: UInt8
        var keyID: UInt8
        var sessionID: ArraySlice<UInt8>
        var bodyOffset: Int
    }

    /// The opcode, key id and session id of a packet, checking the TCP length prefix.
    static func message(_ payload: ArraySlice<UInt8>, length: Int, tcp: Bool) -> Message? {
        var offset = 0
        if tcp {
            guard let prefix = payload.u16(0), Int(prefix) + 2 <= length, prefix >= 9 else { return nil }
            offset = 2
        }
        guard let byte = payload.u8(offset), payload.count >= offset + 9 else { return nil }
        let opcode = byte >> 3
        guard (1...11).contains(opcode) else { return nil }
        let start = payload.startIndex + offset + 1
        return Message(opcode: opcode, keyID: byte & 7, sessionID: payload[start..<(start + 8)], bodyOffset: offset + 1)
    }

    private static func contains(_ haystack: ArraySlice<UInt8>, _ needle: ArraySlice<UInt8>) -> Bool {
        guard needle.count <= haystack.count, !needle.isEmpty else { return false }
        let bytes = Array(haystack)
        let pattern = Array(needle)
        for start in 0...(bytes.count - pattern.count) where bytes[start..<(start + pattern.count)].elementsEqual(pattern) {
            return true
        }
        return false
    }
}
