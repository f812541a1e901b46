/// Shadowsocks AEAD (shadowsocks.org "AEAD ciphers" spec, SIP004/SIP007): a TCP stream is
/// [salt][encrypted length][length tag][encrypted payload][payload tag]..., salt 16, 24 or 32
/// bytes, the length a 2-byte big-endian value sealed with a 16-byte tag; the first payload
/// chunk carries the SOCKS5-style target address (1 + 4/16/1+n + 2 bytes). So the client's
/// first packet is indistinguishable from random and at least 16 + 18 + 7 + 16 = 57 bytes; a
/// client that sends the address chunk by itself sends at most 32 + 18 + 259 + 16 = 325 bytes.
///
/// Heuristic (confidence `likely`): the client speaks first over TCP, its first packet of
/// 57...325 bytes passes the published "fully encrypted" test (PayloadShape.looksFullyEncrypted:
/// popcount, printable-prefix and printable-run exemptions, no known protocol header), and the
/// server's first reply is fully encrypted too. Longer first packets are left to the VMess rule.
///
/// Many ordinary protocols are fully encrypted from their first byte (WhatsApp's Noise
/// handshake, Telegram's obfuscated MTProto, Ethereum's RLPx, BitTorrent's MSE), so on its own
/// the test would raise far too many false alarms; it only counts on the server port that the
/// Shadowsocks documentation gives as its default (`server_port` 8388 in the shadowsocks-libev
/// and shadowsocks-rust example configurations).
public struct ShadowsocksDetector: TunnelDetector {
    public let family = TunnelFamily.shadowsocks
    public let summary = "Shadowsocks AEAD (heuristic): fully encrypted first client packet of 57-325 bytes (salt + sealed length + address) and encrypted reply"

    public init() {}

    public static let lengths = 57...325
    /// The documented default server port.
    public static let defaultPort: UInt16 = 8388

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.serverPort == Self.defaultPort else { return .notThis }
        switch FullyEncryptedOpening.examine(flow) {
        case .undecided:
            return .needMorePackets
        case .no:
            return .notThis
        case .yes(let first, let reply):
            guard Self.lengths.contains(first) else { return .notThis }
            return .verdict(TunnelVerdict(.shadowsocks, confidence: .likely,
                evidence: "First client packet (\(first) bytes) and server reply (\(reply) bytes) to Shadowsocks' default port \(Self.defaultPort) look fully encrypted, sized like a Shadowsocks AEAD salt, sealed length and address"))
        }
    }
}

/// The shared test for protocols whose first bytes are all ciphertext (Shadowsocks, VMess):
/// a TCP flow that opens with a handshake, where the client sends first and both the client's
/// first packet and the server's first reply pass `PayloadShape.looksFullyEncrypted`.
enum FullyEncryptedOpening {
    enum Result: Equatable {
        case undecided
        case no
        /// Lengths of the client's first packet and the server's first reply.
        case yes(Int, Int)
    }

    static func examine(_ flow: FlowSample) -> Result {
        guard flow.ipProtocol == .tcp else { return .no }
        // Only flows seen from their start (a SYN from the initiator), so a capture that begins
        // mid-stream does not make ordinary data look like an opening.
        guard let opening = flow.packets.first, opening.tcpFlags & 0x02 != 0, opening.tcpFlags & 0x10 == 0 else { return .no }
        let payloads = flow.payloadPackets()
        guard let first = payloads.first else { return flow.packets.count >= 6 ? .no : .undecided }
        guard flow.packets[first].direction == .forward else { return .no }
        let firstLength = flow.packets[first].payloadLength
        let firstBytes = flow.payload(first)
        guard firstBytes.count >= 48, PayloadShape.looksFullyEncrypted(firstBytes), firstBytes.entropy >= 5.0 else { return .no }
        guard let reply = flow.payloadPackets(.reverse).first else { return flow.packets.count >= 10 ? .no : .undecided }
        let replyBytes = flow.payload(reply)
        guard replyBytes.count >= 32, PayloadShape.looksFullyEncrypted(replyBytes), replyBytes.entropy >= 4.8 else { return .no }
        return .yes(firstLength, flow.packets[reply].payloadLength)
    }
}
