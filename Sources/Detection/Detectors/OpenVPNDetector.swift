/// OpenVPN (openvpn.net "OpenVPN protocol" and `ssl.h` opcode list): over TCP each packet is
/// prefixed by its 16-bit length; the first byte holds an opcode (high 5 bits) and key id; a
/// session opens with P_CONTROL_HARD_RESET_CLIENT (V2 = 7, V3 = 10) answered by
/// P_CONTROL_HARD_RESET_SERVER_V2 (8), and every control packet carries its sender's 8-byte
/// session id. With or without tls-auth/tls-crypt, those ids stay fixed per direction. An
/// unanswered client retransmits its reset and, after the handshake window, restarts with a
/// new session id; the server's answer acknowledges whichever it saw. A capture that starts
/// after the handshake, or sees one direction only, shows data packets (`dataPacket`).
public struct OpenVPNDetector: ConcludingDetector {
    public let family = TunnelFamily.openvpn
    public let summary = "OpenVPN: hard-reset client/server opcodes (retried resets too), fixed session ids per direction, ack of the client's session id; mid-stream or one-way P_DATA_V1/V2 with a fixed key id and peer id and rising packet ids"

    public init() {}

    private static let controlOpcodes: Set<UInt8> = [1, 2, 3, 4, 5, 7, 8, 10, 11]

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .udp || flow.ipProtocol == .tcp else { return .notThis }
        let isTCP = flow.ipProtocol == .tcp
        let indices = flow.payloadPackets()
        guard let first = indices.first else { return .needMorePackets }
        // A flow seen from its start opens with a client hard reset, key id 0; one seen
        // mid-stream carries data packets.
        guard let opening = Self.message(flow.payload(first), length: flow.packets[first].payloadLength, tcp: isTCP),
              opening.opcode == 7 || opening.opcode == 10, opening.keyID == 0, flow.packets[first].direction == .forward else {
            return examineDataChannel(flow)
        }
        let replies = indices.filter { flow.packets[$0].direction == .reverse }
        // Unanswered resets are retransmitted (same session id) and, after the handshake
        // window, restarted with a new session id: every packet before the reply is one.
        guard let opened = Self.clientOpening(flow, before: replies.first) else { return .notThis }
        let resets = opened.resets
        guard let firstReply = replies.first else {
            // Nothing back yet, or never (a one-way capture): decided at the end (`conclude`).
            return .needMorePackets
        }
        guard opened.following.isEmpty else { return .notThis }
        guard let reply = Self.message(flow.payload(firstReply), length: flow.packets[firstReply].payloadLength, tcp: isTCP),
              reply.opcode == 8, reply.keyID == 0 else {
            return .notThis
        }
        let sessions = resets.reduce(into: [ArraySlice<UInt8>]()) { if !$0.contains($1) { $0.append($1) } }
        let retried = resets.count > 1
            ? ", after \(resets.count - 1) retried reset\(resets.count == 2 ? "" : "s")\(sessions.count > 1 ? " (\(sessions.count) session ids)" : "")" : ""
        // The server's reply acknowledges the client's packet and names the client's session id.
        if sessions.contains(where: { flow.payload(firstReply).matches(Array($0), at: reply.bodyOffset + 9) || Self.contains(flow.payload(firstReply), $0) }) {
            return .verdict(TunnelVerdict(.openvpn, confidence: .confirmed,
                evidence: "OpenVPN P_CONTROL_HARD_RESET_CLIENT answered by P_CONTROL_HARD_RESET_SERVER_V2 acknowledging the client's session id" + retried))
        }
        // tls-crypt hides the ack: require more control packets reusing each side's session id
        // (the client's latest).
        var forwardIDs: Set<[UInt8]> = [Array(resets.last!)]
        var reverseIDs: Set<[UInt8]> = [Array(reply.sessionID)]
        var controlPackets = 2
        for index in indices where index > firstReply {
            guard let message = Self.message(flow.payload(index), length: flow.packets[index].payloadLength, tcp: isTCP) else { return .notThis }
            guard Self.controlOpcodes.contains(message.opcode) else { continue }
            controlPackets += 1
            if flow.packets[index].direction == .forward { forwardIDs.insert(Array(message.sessionID)) } else { reverseIDs.insert(Array(message.sessionID)) }
        }
        guard forwardIDs.count == 1, reverseIDs.count == 1 else { return .notThis }
        guard controlPackets >= 4 else { return .needMorePackets }
        return .verdict(TunnelVerdict(.openvpn, confidence: .confirmed,
            evidence: "OpenVPN hard-reset exchange then \(controlPackets - 2) control packets, each side keeping one session id (tls-crypt or tls-auth wrapping)" + retried))
    }

    /// Whether a client hard reset carries the fields its wrapping puts after the session id:
    /// without tls-auth an empty ack array and message packet id 0, and nothing more than
    /// OpenVPN 2.6's early-negotiation TLV (type 1, length 2); with tls-crypt (and after a 20-
    /// or 32-byte HMAC with tls-auth) a small replay packet id and a Unix time followed by
    /// ciphertext, not text.
    static func hasResetFields(_ payload: ArraySlice<UInt8>, tcp: Bool) -> Bool {
        let body = tcp ? 3 + 8 : 1 + 8
        if payload.u8(body) == 0, payload.u32(body + 1) == 0 {
            let end = body + 5
            if payload.count == end || payload.count == end + 6 && payload.u16(end) == 1 && payload.u16(end + 2) == 2 { return true }
        }
        for offset in [body, body + 20, body + 32] {
            // What follows (tag or HMAC'd ciphertext) is not text.
            guard let id = payload.u32(offset), (1...255).contains(id), let time = payload.u32(offset + 4),
                  (1_400_000_000...2_200_000_000).contains(time) else { continue }
            let rest = payload.dropFirst(offset + 8)
            if rest.count >= 16, rest.filter({ (0x20...0x7E).contains($0) }).count * 2 < rest.count { return true }
        }
        return false
    }

    /// The client's side of a session opening: its hard resets (retransmitted or restarted),
    /// then, when no reply has come (`before` is nil or later), the control packets that keep
    /// the latest reset's session id and any data packets. Nil when a packet is neither.
    private static func clientOpening(_ flow: FlowSample, before reply: Int?) -> (resets: [ArraySlice<UInt8>], following: [Int])? {
        let isTCP = flow.ipProtocol == .tcp
        var resets: [ArraySlice<UInt8>] = []
        var following: [Int] = []
        for index in flow.payloadPackets(.forward) where reply.map({ index < $0 }) ?? true {
            guard let message = message(flow.payload(index), length: flow.packets[index].payloadLength, tcp: isTCP) else { return nil }
            if following.isEmpty, message.opcode == 7 || message.opcode == 10, message.keyID == 0 {
                resets.append(message.sessionID)
            } else if message.opcode == 4 || message.opcode == 5 {
                guard message.sessionID == resets.last else { return nil }
                following.append(index)
            } else if message.opcode == 6 || message.opcode == 9, !resets.isEmpty {
                following.append(index)
            } else {
                return nil
            }
        }
        return resets.isEmpty ? nil : (resets, following)
    }

    // MARK: Data channel seen mid-stream or one way

    /// P_DATA_V1 (opcode 6: key id, then with AEAD ciphers the 4-byte packet id) and P_DATA_V2
    /// (opcode 9: key id, 3-byte peer id, then the packet id), as OpenVPN 2.4+ sends them
    /// (openvpn.net "OpenVPN protocol", data channel). With CBC ciphers the packet id is
    /// encrypted, so only the fixed opcode, key id and peer id remain.
    struct DataPacket: Equatable {
        var opcode: UInt8
        var keyID: UInt8
        var peerID: UInt32?
        var packetID: UInt32
    }

    private struct DirectionData {
        var packets: [DataPacket] = []
        var other = 0
        var framed = true

        /// One opcode and peer id, at most two key ids (a renegotiation inside the window).
        var steady: Bool {
            guard framed else { return false }
            guard let first = packets.first else { return true }
            return packets.allSatisfy { $0.opcode == first.opcode && $0.peerID == first.peerID }
                && Set(packets.map(\.keyID)).count <= 2
        }

        /// Packet ids rising by small steps within each key id, as AEAD data packets send them.
        var risingIDs: Bool {
            var last: [UInt8: UInt32] = [:]
            for packet in packets {
                if let previous = last[packet.keyID], !(1...1024).contains(packet.packetID &- previous) || packet.packetID <= previous { return false }
                last[packet.keyID] = packet.packetID
            }
            return packets.count >= 2
        }
    }

    /// Control packets a session exchanges after its handshake (P_CONTROL_V1 for a
    /// renegotiation, P_ACK_V1).
    private static let midSessionControl: Set<UInt8> = [4, 5]

    private func dataChannel(_ flow: FlowSample) -> (forward: DirectionData, reverse: DirectionData)? {
        var forward = DirectionData(), reverse = DirectionData()
        if flow.ipProtocol == .tcp {
            // TCP: walk each direction's stream frame by frame (16-bit length prefix).
            for (direction, stream) in [(Direction.forward, flow.forwardStream), (.reverse, flow.reverseStream)] {
                var data = DirectionData()
                var offset = 0
                let bytes = stream[...]
                while offset + 2 + 9 <= bytes.count, let length = bytes.u16(offset), length >= 9 {
                    let frame = bytes[(offset + 2)..<min(bytes.count, offset + 2 + Int(length))]
                    guard let packet = Self.dataPacket(frame, length: Int(length)) else {
                        guard let byte = frame.first, Self.midSessionControl.contains(byte >> 3) else { data.framed = false; break }
                        data.other += 1
                        offset += 2 + Int(length)
                        continue
                    }
                    data.packets.append(packet)
                    offset += 2 + Int(length)
                }
                if offset == 0 && !bytes.isEmpty { data.framed = bytes.count < 11 }
                if direction == .forward { forward = data } else { reverse = data }
            }
        } else {
            for index in flow.payloadPackets() {
                let payload = flow.payload(index)
                let length = flow.packets[index].payloadLength
                let isForward = flow.packets[index].direction == .forward
                if let packet = Self.dataPacket(payload, length: length) {
                    if isForward { forward.packets.append(packet) } else { reverse.packets.append(packet) }
                } else if let byte = payload.first, Self.midSessionControl.contains(byte >> 3), length >= 9 {
                    if isForward { forward.other += 1 } else { reverse.other += 1 }
                } else {
                    return nil
                }
            }
        }
        return (forward, reverse)
    }

    private func examineDataChannel(_ flow: FlowSample) -> DetectorOutcome {
        guard let (forward, reverse) = dataChannel(flow), forward.steady, reverse.steady else { return .notThis }
        // Control packets may interleave (a renegotiation); data must be most of what is seen.
        guard forward.other <= forward.packets.count + 1, reverse.other <= reverse.packets.count + 1 else { return .notThis }
        guard forward.packets.count >= 2, reverse.packets.count >= 2 else { return .needMorePackets }
        if forward.risingIDs, reverse.risingIDs {
            return .verdict(TunnelVerdict(.openvpn, confidence: .confirmed, evidence: Self.dataEvidence(forward.packets[0], both: true)
                + " and packet ids rising each way (no handshake seen: the capture began after the tunnel was up)"))
        }
        // CBC data packets encrypt the packet id: the fixed header both ways is a heuristic.
        guard let peer = forward.packets[0].peerID, peer != 0xFFFFFF, forward.packets.count + reverse.packets.count >= 6 else {
            return forward.packets.count + reverse.packets.count >= 8 ? .notThis : .needMorePackets
        }
        return .verdict(TunnelVerdict(.openvpn, confidence: .likely, evidence: Self.dataEvidence(forward.packets[0], both: true)
            + " (no handshake seen: the capture began after the tunnel was up)"))
    }

    public func conclude(_ flow: FlowSample) -> TunnelVerdict? {
        guard flow.ipProtocol == .udp || flow.ipProtocol == .tcp else { return nil }
        if flow.payloadPackets(.reverse).isEmpty, let opened = Self.clientOpening(flow, before: nil) {
            // Nothing answers here, so the reset itself must show its fields.
            guard let first = flow.payloadPackets(.forward).first, Self.hasResetFields(flow.payload(first), tcp: flow.ipProtocol == .tcp) else { return nil }
            let sessions = Set(opened.resets.map(Array.init)).count
            if opened.following.count >= 2 {
                return TunnelVerdict(.openvpn, confidence: .likely,
                    evidence: "OpenVPN P_CONTROL_HARD_RESET_CLIENT then \(opened.following.count) control and data packets keeping its session id, seen in one direction only (no server reply captured)")
            }
            if opened.resets.count >= 2, opened.following.isEmpty, sessions < opened.resets.count {
                return TunnelVerdict(.openvpn, confidence: .likely,
                    evidence: "OpenVPN P_CONTROL_HARD_RESET_CLIENT sent \(opened.resets.count) times (retransmitted with the same session id), never answered in the capture")
            }
            return nil
        }
        guard let (forward, reverse) = dataChannel(flow) else { return nil }
        // One direction only: data packets with rising packet ids, nothing back.
        for (data, silent) in [(forward, reverse), (reverse, forward)] where silent.packets.isEmpty && silent.other == 0 {
            guard data.steady, data.packets.count >= 3, data.other <= data.packets.count, data.risingIDs else { continue }
            return TunnelVerdict(.openvpn, confidence: .likely, evidence: Self.dataEvidence(data.packets[0], both: false)
                + " and packet ids rising from \(data.packets[0].packetID) to \(data.packets.last!.packetID), seen in one direction only")
        }
        return nil
    }

    private static func dataEvidence(_ packet: DataPacket, both: Bool) -> String {
        let name = packet.opcode == 9 ? "P_DATA_V2" : "P_DATA_V1"
        let peer = packet.peerID.map { ", peer id \($0)" } ?? ""
        return "OpenVPN \(name) data packets\(both ? " both ways" : "") with key id \(packet.keyID)\(peer)"
    }

    /// A data packet's header, or nil: opcode 6 or 9, long enough for the packet id and an
    /// AEAD tag (or a CBC HMAC) and at least an empty payload.
    static func dataPacket(_ payload: ArraySlice<UInt8>, length: Int) -> DataPacket? {
        guard let byte = payload.u8(0) else { return nil }
        switch byte >> 3 {
        case 9:
            guard length >= 1 + 3 + 4 + 16 + 8, let peer = payload.u32(0).map({ $0 & 0xFFFFFF }), let id = payload.u32(4) else { return nil }
            return DataPacket(opcode: 9, keyID: byte & 7, peerID: peer, packetID: id)
        case 6:
            guard length >= 1 + 4 + 16 + 8, let id = payload.u32(1) else { return nil }
            return DataPacket(opcode: 6, keyID: byte & 7, peerID: nil, packetID: id)
        default:
            return nil
        }
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
