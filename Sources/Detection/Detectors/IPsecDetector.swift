import Packets

/// IPsec: ESP (IP protocol 50, RFC 4303) and AH (51, RFC 4302) by protocol number; IKEv1
/// (RFC 2408) and IKEv2 (RFC 7296) by their header (version, exchange type, length equal to
/// the datagram), also behind the 4-byte non-ESP marker of NAT traversal (RFC 3948); and
/// ESP-in-UDP by a fixed SPI with sequence numbers counting up.
///
/// IKE retransmits an unanswered request unchanged (RFC 7296 §2.1), so retried IKE_SA_INIT
/// messages are the same header and confirm as the first does. ESP needs no handshake in the
/// capture: an SA's first packet carries sequence number 1 (RFC 4303 §3.3.3), so a first
/// sequence number above 1 says the capture began while the SA was in use; a flow whose
/// other direction never appears (asymmetric routing, a one-way capture) is decided when its
/// opening ends and says so.
public struct IPsecDetector: ConcludingDetector {
    public let family = TunnelFamily.ipsec
    public let summary = "IPsec: ESP/AH by IP protocol (SPI, sequence numbers, direction); IKEv1/IKEv2 header structure (also after the NAT-T marker, retransmissions too); ESP-in-UDP SPI and rising sequence numbers, mid-stream or one way"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        switch flow.ipProtocol {
        case .esp:
            // Decided at once when both directions are seen; one direction waits for the end.
            let forward = Self.espPackets(flow, .forward, offset: 0), reverse = Self.espPackets(flow, .reverse, offset: 0)
            if flow.payloadPackets().isEmpty || forward.isEmpty || reverse.isEmpty {
                return flow.payloadPackets().isEmpty && flow.packets.count > 1 ? .notThis : .needMorePackets
            }
            return .verdict(Self.espVerdict("ESP packets (IP protocol 50)", forward: forward, reverse: reverse, flow: flow))
        case .ah:
            return .verdict(TunnelVerdict(.ipsec, confidence: .confirmed, evidence: "AH packets (IP protocol 51)"))
        case .udp:
            break
        default:
            return .notThis
        }
        let indices = flow.payloadPackets()
        guard !indices.isEmpty else { return .needMorePackets }
        // IKE opens its flow: look at the first datagrams only.
        for index in indices.prefix(3) {
            let payload = flow.payload(index)
            let length = flow.packets[index].payloadLength
            if let ike = Self.ikeHeader(payload, length: length) {
                return .verdict(TunnelVerdict(.ipsec, confidence: .confirmed, evidence: "\(ike) header whose length matches the datagram"))
            }
            if payload.matches([0, 0, 0, 0]), let ike = Self.ikeHeader(payload.dropFirst(4), length: length - 4) {
                return .verdict(TunnelVerdict(.ipsec, confidence: .confirmed, evidence: "\(ike) after the NAT-traversal non-ESP marker"))
            }
        }
        // ESP in UDP (RFC 3948 §2.1, always to or from port 4500): per direction a constant
        // SPI and sequence numbers that count up (by one, or a little more where the capture
        // dropped packets).
        guard flow.usesPort(4500) else { return indices.count >= 3 ? .notThis : .needMorePackets }
        let forward = Self.espInUDP(flow, .forward), reverse = Self.espInUDP(flow, .reverse)
        if let forward, let reverse, forward.count >= 3 || reverse.count >= 3, forward.count >= 1, reverse.count >= 1 {
            return .verdict(Self.espVerdict("ESP in UDP", forward: forward, reverse: reverse, flow: flow))
        }
        return indices.count >= 8 && (forward ?? []).count < 3 && (reverse ?? []).count < 3 ? .notThis : .needMorePackets
    }

    public func conclude(_ flow: FlowSample) -> TunnelVerdict? {
        switch flow.ipProtocol {
        case .esp:
            let forward = Self.espPackets(flow, .forward, offset: 0), reverse = Self.espPackets(flow, .reverse, offset: 0)
            guard !forward.isEmpty || !reverse.isEmpty else { return nil }
            return Self.espVerdict("ESP packets (IP protocol 50)", forward: forward, reverse: reverse, flow: flow)
        case .udp where flow.usesPort(4500):
            let forward = Self.espInUDP(flow, .forward) ?? [], reverse = Self.espInUDP(flow, .reverse) ?? []
            guard forward.count >= 3 || reverse.count >= 3 else { return nil }
            return Self.espVerdict("ESP in UDP", forward: forward, reverse: reverse, flow: flow)
        default:
            return nil
        }
    }

    /// One ESP packet's SPI and sequence number (RFC 4303 §2).
    struct ESPHeader: Equatable {
        var spi: UInt32
        var sequence: UInt32
    }

    /// The ESP headers of one direction's packets, `offset` bytes into each payload.
    static func espPackets(_ flow: FlowSample, _ direction: Direction, offset: Int) -> [ESPHeader] {
        flow.payloadPackets(direction).compactMap { index in
            let payload = flow.payload(index)
            guard let spi = payload.u32(offset), let sequence = payload.u32(offset + 4) else { return nil }
            return ESPHeader(spi: spi, sequence: sequence)
        }
    }

    /// One direction's ESP-in-UDP packets (NAT keepalives and IKE after the non-ESP marker
    /// left out), or nil when they do not keep a valid SPI with counting sequence numbers.
    static func espInUDP(_ flow: FlowSample, _ direction: Direction) -> [ESPHeader]? {
        var headers: [ESPHeader] = []
        for index in flow.payloadPackets(direction) where flow.packets[index].payloadLength > 1 {
            let payload = flow.payload(index)
            guard let spi = payload.u32(0), spi != 0 else { continue } // IKE (non-ESP marker)
            guard spi >= 256, let sequence = payload.u32(4), flow.packets[index].payloadLength >= 8 + 8 + 12 else { return nil }
            headers.append(ESPHeader(spi: spi, sequence: sequence))
        }
        return counting(headers) ? headers : nil
    }

    /// Per SPI (at most two in a window: a rekey), sequence numbers rising by 1...64.
    static func counting(_ headers: [ESPHeader]) -> Bool {
        var last: [UInt32: UInt32] = [:]
        for header in headers {
            if let previous = last[header.spi], !(1...64).contains(header.sequence &- previous) { return false }
            last[header.spi] = header.sequence
        }
        return last.count <= 2
    }

    /// The ESP evidence: SPIs and sequence numbers each way, and whether the capture began
    /// mid-SA or saw one direction only.
    static func espVerdict(_ what: String, forward: [ESPHeader], reverse: [ESPHeader], flow: FlowSample) -> TunnelVerdict {
        func side(_ headers: [ESPHeader]) -> String {
            let first = headers[0]
            let rising = headers.count > 1 && counting(headers)
            return "SPI 0x\(String(first.spi, radix: 16))" + (rising ? " with sequence numbers \(first.sequence)...\(headers.last!.sequence) counting up" : " (sequence number \(first.sequence))")
        }
        var evidence: String
        switch (forward.isEmpty, reverse.isEmpty) {
        case (false, false): evidence = "\(what) both ways, \(side(forward)) and \(side(reverse))"
        case (false, true): evidence = "\(what), \(side(forward))"
        default: evidence = "\(what), \(side(reverse))"
        }
        if flow.payloadPackets(.forward).isEmpty || flow.payloadPackets(.reverse).isEmpty {
            evidence += ", in one direction only (the other was not captured)"
        }
        if let first = (forward.first ?? reverse.first), first.sequence > 1 {
            evidence += " (the SA was in use before the capture began)"
        }
        return TunnelVerdict(.ipsec, confidence: .confirmed, evidence: evidence)
    }

    /// "IKEv2 IKE_SA_INIT" etc. when the bytes are an IKE header describing the whole datagram.
    static func ikeHeader(_ payload: ArraySlice<UInt8>, length: Int) -> String? {
        guard length >= 28, let initiatorSPI = payload.u64(0), initiatorSPI != 0,
              let version = payload.u8(17), let exchange = payload.u8(18), let declared = payload.u32(24),
              Int(declared) == length else { return nil }
        switch version {
        case 0x20: return ikev2Exchanges[exchange].map { "IKEv2 \($0)" }
        case 0x10: return ikev1Exchanges[exchange].map { "IKEv1 \($0)" }
        default: return nil
        }
    }

    /// Exchange types of IKEv2 (RFC 7296 §3.1) and IKEv1 (RFC 2408 §3.1, RFC 2409).
    static let ikev2Exchanges: [UInt8: String] = [34: "IKE_SA_INIT", 35: "IKE_AUTH", 36: "CREATE_CHILD_SA", 37: "INFORMATIONAL"]
    static let ikev1Exchanges: [UInt8: String] = [1: "Base", 2: "Identity Protection (Main Mode)", 4: "Aggressive", 5: "Informational", 32: "Quick Mode", 33: "New Group"]
}
