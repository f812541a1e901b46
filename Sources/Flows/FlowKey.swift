import Packets

/// Identifies a bidirectional flow: the IP protocol, the VLAN and the two endpoints, stored in
/// a fixed order so both directions of a conversation find the same key.
///
/// Ports are part of the key only for protocols that have them (`IPProtocol.hasPorts`); for the
/// others they are zero. `scope` keeps apart conversations that look alike but travel in
/// different tunnels (link-local addresses inside two Teredo tunnels are two links).
public struct FlowKey: Hashable, Sendable {
    /// The endpoint that sorts first (by address, then port) and the other one.
    public var lowAddress: IPAddress
    public var highAddress: IPAddress
    public var lowPort: UInt16
    public var highPort: UInt16
    public var ipProtocol: IPProtocol
    /// The 12-bit VLAN ID, or `FlowKey.noVLAN`.
    public var vlan: UInt16
    /// Zero for packets on the wire; for packets inside an encapsulation, their carrier's
    /// `FlowKey.scope(carrier:)`.
    public var scope: UInt32

    public static let noVLAN: UInt16 = 0xFFFF

    /// The key for a packet, and whether the packet travels from the low endpoint to the high one.
    @inlinable
    public static func forPacket(_ packet: DecodedPacket, sourcePort: UInt16, destinationPort: UInt16, scope: UInt32 = 0) -> (key: FlowKey, lowToHigh: Bool) {
        let sourceIsLow = packet.source < packet.destination
            || (packet.source == packet.destination && sourcePort <= destinationPort)
        let key = sourceIsLow
            ? FlowKey(lowAddress: packet.source, highAddress: packet.destination, lowPort: sourcePort, highPort: destinationPort,
                      ipProtocol: packet.ipProtocol, vlan: packet.vlanID ?? noVLAN, scope: scope)
            : FlowKey(lowAddress: packet.destination, highAddress: packet.source, lowPort: destinationPort, highPort: sourcePort,
                      ipProtocol: packet.ipProtocol, vlan: packet.vlanID ?? noVLAN, scope: scope)
        return (key, sourceIsLow)
    }

    /// The scope of the packets a flow with id `carrier` encapsulates (its 64 bits folded).
    @inlinable
    public static func scope(carrier: UInt64) -> UInt32 {
        UInt32(truncatingIfNeeded: carrier ^ carrier >> 32)
    }

    @inlinable
    public init(lowAddress: IPAddress, highAddress: IPAddress, lowPort: UInt16, highPort: UInt16, ipProtocol: IPProtocol, vlan: UInt16,
                scope: UInt32 = 0) {
        self.lowAddress = lowAddress
        self.highAddress = highAddress
        self.lowPort = lowPort
        self.highPort = highPort
        self.ipProtocol = ipProtocol
        self.vlan = vlan
        self.scope = scope
    }

    /// A cheap, well-mixed hash for the flow table's open addressing (not for adversarial input
    /// protection: the table's load factor and probe bound keep a skewed input slow, not fatal).
    @inlinable
    var tableHash: UInt64 {
        var hash = lowAddress.high &* 0x9E37_79B9_7F4A_7C15
        hash ^= lowAddress.low &* 0xC2B2_AE3D_27D4_EB4F
        hash = (hash << 31 | hash >> 33) ^ (highAddress.high &* 0x1656_67B1_9E37_79F9)
        hash ^= highAddress.low &* 0x85EB_CA77_C2B2_AE63
        hash ^= UInt64(lowPort) << 48 | UInt64(highPort) << 32 | UInt64(ipProtocol.rawValue) << 16 | UInt64(vlan)
        hash ^= UInt64(scope) &* 0x94D0_49BB_1331_11EB
        hash ^= hash >> 29
        hash &*= 0xBF58_476D_1CE4_E5B9
        hash ^= hash >> 32
        return hash
    }
}
