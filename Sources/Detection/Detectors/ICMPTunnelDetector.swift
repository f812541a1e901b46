/// Covert tunnels in ICMP echo (ptunnel, icmptunnel, icmpsh, Hans...). Echo Request and Echo
/// Reply (RFC 792 types 8/0; RFC 4443 types 128/129 for ICMPv6) carry arbitrary data, and RFC
/// 792 requires the reply to return the request's data unchanged. Ordinary ping sends a fixed
/// size of patterned data (an optional timestamp, then bytes counting up, a repeated alphabet or
/// zeros). So:
/// - echo payloads that are whole IPv4/IPv6 packets (header lengths filling the payload) are a
///   tunnel carrying IP (confirmed);
/// - replies whose data mirror no request are a tunnel talking back (likely);
/// - requests of varying sizes with high-entropy, unpatterned data are a tunnel (likely).
public struct ICMPTunnelDetector: TunnelDetector {
    public let family = TunnelFamily.icmpTunnel
    public let summary = "ICMP tunnel: echo data that are whole IP packets, replies that do not mirror requests, or high-entropy unpatterned echo data of varying sizes"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        let requestType: UInt8, replyType: UInt8
        switch flow.ipProtocol {
        case .icmp: (requestType, replyType) = (8, 0)
        case .icmpv6: (requestType, replyType) = (128, 129)
        default: return .notThis
        }
        let echoes = flow.packets.indices.filter { flow.packets[$0].icmpType == requestType || flow.packets[$0].icmpType == replyType }
        guard !echoes.isEmpty else { return flow.packets.count >= 6 ? .notThis : .needMorePackets }
        let withData = echoes.filter { flow.packets[$0].payloadLength > 0 }

        // Whole IP packets inside the echo data.
        let carryingIP = withData.filter { index in
            let payload = flow.payload(index)
            let length = flow.packets[index].payloadLength
            guard let version = EncapsulatedPacket.ipVersion(payload, at: 0, available: length) else { return false }
            let declared = version == "IPv4" ? payload.u16(2).map(Int.init) : payload.u16(4).map { Int($0) + 40 }
            return declared == length
        }
        if carryingIP.count >= 2 {
            let version = EncapsulatedPacket.ipVersion(flow.payload(carryingIP[0]), at: 0, available: flow.packets[carryingIP[0]].payloadLength) ?? "IP"
            return .verdict(TunnelVerdict(.icmpTunnel, confidence: .confirmed,
                evidence: "\(carryingIP.count) ICMP echo messages whose data are whole \(version) packets (header length fills the payload)"))
        }

        // Replies that mirror no request.
        let requests = withData.filter { flow.packets[$0].icmpType == requestType }
        let replies = withData.filter { flow.packets[$0].icmpType == replyType }
        let requestData = requests.map { Array(flow.payload($0)) }
        let unmirrored = replies.filter { reply in
            guard let firstRequest = requests.first, firstRequest < reply else { return false }
            let data = Array(flow.payload(reply))
            return !requestData.contains { $0 == data || $0.starts(with: data) || data.starts(with: $0) }
        }
        if unmirrored.count >= 2 {
            return .verdict(TunnelVerdict(.icmpTunnel, confidence: .likely,
                evidence: "\(unmirrored.count) ICMP echo replies whose data differ from every request's (ping mirrors the request)"))
        }

        // High-entropy, unpatterned requests of varying sizes.
        let random = requests.filter { index in
            let length = flow.packets[index].payloadLength
            let payload = flow.payload(index)
            return length >= 64 && !Self.isPingPattern(payload) && payload.dropFirst(16).entropy >= Self.entropyThreshold(payload.count - 16)
        }
        let sizes = Set(random.map { flow.packets[$0].payloadLength })
        if random.count >= 3, sizes.count >= 2 {
            return .verdict(TunnelVerdict(.icmpTunnel, confidence: .likely,
                evidence: "\(random.count) ICMP echo requests of \(sizes.count) sizes with high-entropy data unlike ping's patterns"))
        }
        return echoes.count >= 12 ? .notThis : .needMorePackets
    }

    /// Entropy a random payload of `count` bytes reaches comfortably (fewer bytes cannot show
    /// all 256 values): about 5.3 bits for 48 bytes, 6.2 for 100, 7 from 260.
    static func entropyThreshold(_ count: Int) -> Double {
        guard count > 0 else { return 9 }
        return min(7.0, log2(Double(count)) * 0.9)
    }

    /// Whether echo data look like a ping utility's: after a timestamp of up to 16 bytes, bytes
    /// counting up by one, a repeated short pattern (Windows' alphabet, `ping -p`), or zeros.
    static func isPingPattern(_ payload: ArraySlice<UInt8>) -> Bool {
        let bytes = Array(payload)
        for skip in [0, 8, 16] where bytes.count > skip + 8 {
            let tail = bytes[skip...]
            if zip(tail, tail.dropFirst()).allSatisfy({ $1 == $0 &+ 1 }) { return true }
            for period in 1...32 where tail.count > period * 2 {
                if zip(tail, tail.dropFirst(period)).allSatisfy({ $0 == $1 }) { return true }
            }
        }
        return false
    }
}

#if canImport(Glibc)
import Glibc
#endif
