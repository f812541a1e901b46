/// ZeroTier VL1 (ZeroTier protocol documentation and `node/Packet.hpp`): over UDP, each packet
/// starts with an 8-byte packet id, the 5-byte destination and 5-byte source addresses, a flags
/// byte (fragmented 0x40, cipher suite in bits 3-5, hop count in the low 3 bits), an 8-byte MAC
/// and the verb byte (low 5 bits; 0x80 compressed). HELLO (verb 1) is always sent unencrypted
/// (cipher suite 0, Poly1305 without encryption) and carries the protocol version (4 and up),
/// the software version, a timestamp and the sender's identity, whose address equals the
/// header's source address and whose key type byte is 0 (Curve25519/Ed25519) or 1 (P-384).
///
/// ZeroTier addresses are 40-bit, never zero and never starting with 0xFF (reserved). The port
/// (9993) is not needed: the identity repeating the source address decides.
public struct ZeroTierDetector: TunnelDetector {
    public let family = TunnelFamily.zerotier
    public let summary = "ZeroTier: VL1 HELLO in the clear (verb 1, cipher suite 0) whose identity address equals the header's source address"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .udp else { return .notThis }
        let indices = flow.payloadPackets()
        guard !indices.isEmpty else { return .needMorePackets }
        for index in indices {
            if let evidence = Self.hello(flow.payload(index), length: flow.packets[index].payloadLength) {
                return .verdict(TunnelVerdict(.zerotier, product: "ZeroTier", confidence: .confirmed, evidence: evidence))
            }
        }
        return indices.count >= 6 ? .notThis : .needMorePackets
    }

    static func hello(_ bytes: ArraySlice<UInt8>, length: Int) -> String? {
        // Header (28) + version fields (5) + timestamp (8) + address (5) + type (1) + a 64-byte key at least.
        guard length >= 28 + 13 + 6 + 64, let flags = bytes.u8(18), flags & 0x40 == 0, (flags >> 3) & 0x07 == 0,
              let verb = bytes.u8(27), verb & 0x1F == 0x01,
              let protocolVersion = bytes.u8(28), (4...30).contains(protocolVersion),
              let keyType = bytes.u8(46), keyType <= 1 else { return nil }
        let destination = bytes.dropFirst(8).prefix(5)
        let source = bytes.dropFirst(13).prefix(5)
        guard isAddress(destination), isAddress(source), !destination.elementsEqual(source),
              bytes.matches(Array(source), at: 41) else { return nil }
        let major = bytes.u8(29) ?? 0
        let minor = bytes.u8(30) ?? 0
        let address = source.map { EncapsulatedPacket.hex($0, digits: 2) }.joined().lowercased()
        return "ZeroTier HELLO in the clear from node \(address) (protocol \(protocolVersion), software \(major).\(minor)) whose identity matches the source address"
    }

    static func isAddress(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.count == 5 && bytes.first != 0xFF && bytes.contains { $0 != 0 }
    }
}
