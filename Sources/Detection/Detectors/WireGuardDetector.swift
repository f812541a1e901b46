/// WireGuard (whitepaper §5.4, "Protocol & Cryptography"): every message starts with a type
/// byte and three reserved zero bytes; handshake initiation is 148 bytes, response 92, cookie
/// reply 64, and transport data a 16-byte header plus a ciphertext padded to 16 bytes.
///
/// What real gateways show beyond a clean handshake:
/// - An initiator whose peer is not up yet retries its initiation every REKEY_TIMEOUT (5 s,
///   plus up to a third of a second of jitter, §6.4) with a fresh sender index; the response
///   that finally comes echoes the index of the initiation it answers, not the first one's.
/// - A capture that starts while the tunnel is up sees transport data only (type 4: receiver
///   index fixed per session, 64-bit little-endian counter rising from wherever it was).
/// - Asymmetric routing or a one-way capture sees only one side: transport data with one
///   receiver index and a rising counter, or initiations retried with no answer. These are
///   decided when the opening ends (`ConcludingDetector`), as `likely`: the structure is
///   WireGuard's, but nothing answers it.
public struct WireGuardDetector: ConcludingDetector {
    public let family = TunnelFamily.wireguard
    public let summary = "WireGuard: handshake initiation/response/cookie sizes and types (retried initiations too), or transport messages with steady receiver indices and rising counters (mid-stream, or one direction)"

    public init() {}

    /// REKEY_TIMEOUT and its jitter (whitepaper §6.1, §6.4), with room for timer slack.
    static let retryInterval: ClosedRange<Int64> = 4_800_000_000...6_000_000_000
    /// Transport messages one direction must show, alone, for a one-way verdict.
    static let oneWayMinimum = 3

    private struct Message {
        var index: Int
        var type: UInt8
        var direction: Direction
    }

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .udp else { return .notThis }
        guard let messages = Self.messages(flow) else { return .notThis }
        guard !messages.isEmpty else { return .needMorePackets }
        // A response answers the latest initiation from the other side whose sender index it
        // echoes in its receiver index; earlier initiations went unanswered (retries).
        var answered = false
        for response in messages where response.type == 2 {
            let earlier = messages.filter { $0.type == 1 && $0.index < response.index && $0.direction != response.direction }
            guard !earlier.isEmpty else { continue }
            answered = true
            let receiver = flow.payload(response.index).u32(8)
            guard let match = earlier.last(where: { flow.payload($0.index).u32(4) == receiver }) else { continue }
            let retries = earlier.filter { $0.index < match.index && $0.direction == match.direction }.count
            let sizes = (flow.packets[match.index].payloadLength, flow.packets[response.index].payloadLength)
            var evidence = "WireGuard handshake initiation (\(sizes.0) bytes) answered by a handshake response (\(sizes.1) bytes) naming the same sender index"
            if sizes != (148, 92) { evidence += " (longer than the standard 148/92: a vendor's extension)" }
            if retries > 0 {
                evidence += ", after \(retries) unanswered initiation\(retries == 1 ? "" : "s") retried with new sender indices"
            }
            return .verdict(TunnelVerdict(.wireguard, confidence: .confirmed, evidence: evidence))
        }
        // Responses that answered none of the initiations before them: not WireGuard.
        if answered { return .notThis }
        let forward = messages.filter { $0.type == 4 && $0.direction == .forward }
        let reverse = messages.filter { $0.type == 4 && $0.direction == .reverse }
        guard Self.consistentTransport(forward, flow), Self.consistentTransport(reverse, flow) else { return .notThis }
        if forward.count >= 2, reverse.count >= 2 {
            let handshakeSeen = messages.contains { $0.type != 4 }
            return .verdict(TunnelVerdict(.wireguard, confidence: .confirmed,
                evidence: "WireGuard transport data messages both ways, each direction with one receiver index and rising counters"
                    + (handshakeSeen ? "" : " (no handshake seen: the capture began mid-session)")))
        }
        // Handshake messages that are neither answered nor followed by data both ways: wait for
        // the end of the opening, unless the flow is plainly more than WireGuard's handshake.
        return .needMorePackets
    }

    public func conclude(_ flow: FlowSample) -> TunnelVerdict? {
        guard flow.ipProtocol == .udp, let messages = Self.messages(flow), !messages.isEmpty else { return nil }
        let directions = Set(messages.map(\.direction))
        let transport = messages.filter { $0.type == 4 }
        if directions.count == 2 {
            // Both sides sent transport data, one of them only once before the opening ended.
            let forward = transport.filter { $0.direction == .forward }, reverse = transport.filter { $0.direction == .reverse }
            guard !forward.isEmpty, !reverse.isEmpty, transport.count >= Self.oneWayMinimum,
                  Self.consistentTransport(forward, flow), Self.consistentTransport(reverse, flow) else { return nil }
            return TunnelVerdict(.wireguard, confidence: .confirmed,
                evidence: "WireGuard transport data messages both ways, each direction with one receiver index and rising counters")
        }
        if transport.count >= Self.oneWayMinimum, Self.consistentTransport(transport, flow),
           Set(transport.map { flow.payload($0.index).u32(4) }).count == 1,
           let receiver = flow.payload(transport[0].index).u32(4),
           let firstCounter = Self.counter(flow.payload(transport[0].index)), let lastCounter = Self.counter(flow.payload(transport.last!.index)) {
            let afterHandshake = messages.first?.type == 1
            return TunnelVerdict(.wireguard, confidence: .likely,
                evidence: "WireGuard transport data seen in one direction only: \(transport.count) messages to receiver index 0x\(String(receiver.byteSwapped, radix: 16)) with counters rising from \(firstCounter) to \(lastCounter)"
                    + (afterHandshake ? ", after a handshake initiation" : firstCounter > 0 ? " (the capture began mid-session)" : ""))
        }
        // Initiations only, retried at WireGuard's rekey interval with fresh sender indices.
        let initiations = messages.filter { $0.type == 1 }
        guard initiations.count >= 2, initiations.count == messages.count,
              Set(initiations.map { flow.payload($0.index).u32(4) }).count == initiations.count,
              zip(initiations, initiations.dropFirst()).allSatisfy({
                  Self.retryInterval.contains(flow.packets[$1.index].timestamp.nanoseconds - flow.packets[$0.index].timestamp.nanoseconds)
              }) else { return nil }
        return TunnelVerdict(.wireguard, confidence: .likely,
            evidence: "\(initiations.count) WireGuard handshake initiations (\(flow.packets[initiations[0].index].payloadLength) bytes) retried every 5 seconds with new sender indices, none answered in the capture")
    }

    /// The WireGuard messages of the flow's payload packets; nil when one is not WireGuard.
    private static func messages(_ flow: FlowSample) -> [Message]? {
        var messages: [Message] = []
        for index in flow.payloadPackets() {
            guard let type = messageType(flow.payload(index), length: flow.packets[index].payloadLength) else { return nil }
            messages.append(Message(index: index, type: type, direction: flow.packets[index].direction))
        }
        return messages
    }

    /// One direction's transport messages: at most two receiver indices (a rekey may switch
    /// sessions inside the window), each with strictly rising counters.
    private static func consistentTransport(_ group: [Message], _ flow: FlowSample) -> Bool {
        var last: [UInt32: UInt64] = [:]
        for message in group {
            guard let receiver = flow.payload(message.index).u32(4), let counter = counter(flow.payload(message.index)) else { return false }
            if let previous = last[receiver], counter <= previous { return false }
            last[receiver] = counter
        }
        return last.count <= 2
    }

    /// The message type if the payload has WireGuard's framing for it, else nil.
    static func messageType(_ payload: ArraySlice<UInt8>, length: Int) -> UInt8? {
        guard let type = payload.u8(0), payload.u8(1) == 0, payload.u8(2) == 0, payload.u8(3) == 0 else { return nil }
        switch type {
        case 1 where length >= 148, 2 where length >= 92, 3 where length == 64:
            // Handshake messages longer than the whitepaper's (148/92) come from services that
            // append data (TunnelBear); the echoed sender index still has to confirm them.
            return type
        case 4 where length >= 32 && (length - 16) % 16 == 0:
            return type
        default:
            return nil
        }
    }

    /// A transport message's counter (bytes 8..<16, little-endian).
    private static func counter(_ payload: ArraySlice<UInt8>) -> UInt64? {
        payload.u64(8)?.byteSwapped
    }
}
