import Packets

/// IPsec: ESP (IP protocol 50, RFC 4303) and AH (51, RFC 4302) by protocol number; IKEv1
/// (RFC 2408) and IKEv2 (RFC 7296) by their header (version, exchange type, length equal to
/// the datagram), also behind the 4-byte non-ESP marker of NAT traversal (RFC 3948); and
/// ESP-in-UDP by a fixed SPI with sequence numbers counting up.
public struct IPsecDetector: TunnelDetector {
    public let family = TunnelFamily.ipsec
    public let summary = "IPsec: ESP/AH by IP protocol; IKEv1/IKEv2 header structure (also after the NAT-T marker); ESP-in-UDP SPI and sequence numbers"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        switch flow.ipProtocol {
        case .esp:
            return .verdict(TunnelVerdict(.ipsec, confidence: .confirmed, evidence: "ESP packets (IP protocol 50)"))
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
        // ESP in UDP (RFC 3948 §2.1, always to or from port 4500): in one direction, a constant
        // SPI and sequence numbers that rise by one.
        guard flow.usesPort(4500) else { return indices.count >= 3 ? .notThis : .needMorePackets }
        for direction in [Direction.forward, .reverse] {
            let packets = indices.filter { flow.packets[$0].direction == direction && flow.packets[$0].payloadLength > 1 }
            guard packets.count >= 3 else { continue }
            let spis = Set(packets.map { flow.payload($0).u32(0) })
            let sequences = packets.compactMap { flow.payload($0).u32(4) }
            if spis.count == 1, let spi = spis.first!, spi >= 256, sequences.count == packets.count,
               zip(sequences, sequences.dropFirst()).allSatisfy({ $1 == $0 &+ 1 }),
               packets.allSatisfy({ flow.packets[$0].payloadLength >= 8 + 8 + 12 }) {
                return .verdict(TunnelVerdict(.ipsec, confidence: .confirmed,
                    evidence: "ESP in UDP: SPI 0x\(String(spi, radix: 16)) with sequence numbers \(sequences[0])...\(sequences.last!) counting up by one"))
            }
        }
        return indices.count >= 8 ? .notThis : .needMorePackets
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
