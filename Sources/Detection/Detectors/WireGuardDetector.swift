/// WireGuard (whitepaper §5.4, "Protocol & Cryptography"): every message starts with a type
/// byte and three reserved zero bytes; handshake initiation is 148 bytes, response 92, cookie
/// reply 64, and transport data a 16-byte header plus a ciphertext padded to 16 bytes.
public struct WireGuardDetector: TunnelDetector {
    public let family = TunnelFamily.wireguard
    public let summary = "WireGuard: handshake initiation/response/cookie sizes and types, or transport messages with steady receiver indices and rising counters"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .udp else { return .notThis }
        let indices = flow.payloadPackets()
        guard let first = indices.first else { return .needMorePackets }
        var messages: [(index: Int, type: UInt8)] = []
        for index in indices {
            guard let type = Self.messageType(flow.payload(index), length: flow.packets[index].payloadLength) else {
                return .notThis
            }
            messages.append((index, type))
        }
        let firstType = messages[0].type
        if firstType == 1, let response = messages.first(where: { $0.type == 2 && flow.packets[$0.index].direction != flow.packets[first].direction }) {
            // The response's receiver index (bytes 8..<12) echoes the initiation's sender index (4..<8).
            let sender = flow.payload(first).u32(4)
            let receiver = flow.payload(response.index).u32(8)
            guard sender == receiver else { return .notThis }
            let sizes = (flow.packets[first].payloadLength, flow.packets[response.index].payloadLength)
            return .verdict(TunnelVerdict(.wireguard, confidence: .confirmed,
                evidence: "WireGuard handshake initiation (\(sizes.0) bytes) answered by a handshake response (\(sizes.1) bytes) naming the same sender index"
                    + (sizes == (148, 92) ? "" : " (longer than the standard 148/92: a vendor's extension)")))
        }
        // Transport data only (a capture that starts mid-session): need a few messages each way
        // whose receiver index stays fixed per direction and whose counters rise.
        let transport = messages.filter { $0.type == 4 }
        guard transport.count == messages.count else {
            return messages.count >= 4 ? .notThis : .needMorePackets
        }
        let forward = transport.filter { flow.packets[$0.index].direction == .forward }
        let reverse = transport.filter { flow.packets[$0.index].direction == .reverse }
        guard forward.count >= 2, reverse.count >= 2 else { return .needMorePackets }
        for group in [forward, reverse] {
            let receivers = Set(group.map { flow.payload($0.index).u32(4) })
            let counters = group.compactMap { Self.littleEndianCounter(flow.payload($0.index)) }
            guard receivers.count == 1, counters.count == group.count, zip(counters, counters.dropFirst()).allSatisfy({ $0 < $1 }) else {
                return .notThis
            }
        }
        return .verdict(TunnelVerdict(.wireguard, confidence: .confirmed,
            evidence: "WireGuard transport data messages both ways, each direction with one receiver index and rising counters"))
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

    private static func littleEndianCounter(_ payload: ArraySlice<UInt8>) -> UInt64? {
        guard let value = payload.u64(8) else { return nil }
        return value.byteSwapped
    }
}
