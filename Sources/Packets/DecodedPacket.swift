/// What the decoder learned from one frame: the IP endpoints, the transport ports and where the
/// transport payload lies in the captured bytes.
///
/// A plain value with no references, so decoding allocates nothing; offsets point back into the
/// caller's buffer, which stays the only copy of the bytes.
public struct DecodedPacket: Sendable, Equatable {
    /// The outermost 802.1Q/802.1ad VLAN ID, if the frame was tagged.
    public var vlanID: UInt16?
    public var ipVersion: UInt8
    public var source: IPAddress
    public var destination: IPAddress
    /// The last protocol in the IP header chain (IPv6 extension headers are walked past).
    public var ipProtocol: IPProtocol
    /// Ports for protocols that have them (`IPProtocol.hasPorts`); zero otherwise.
    public var sourcePort: UInt16
    public var destinationPort: UInt16
    /// TCP flags (FIN 0x01 ... CWR 0x80); zero for other protocols.
    public var tcpFlags: UInt8
    /// ICMP/ICMPv6 type and code; zero for other protocols.
    public var icmpType: UInt8
    public var icmpCode: UInt8
    /// Offset of the IP header in the frame.
    public var networkOffset: Int
    /// Offset of the transport header (the byte after the last IP or extension header).
    public var transportOffset: Int
    /// Offset and length of the transport payload, clipped to the captured bytes. For a
    /// protocol without a transport header known here (GRE, ESP...), the payload starts at
    /// `transportOffset`.
    public var payloadOffset: Int
    public var payloadLength: Int
    /// Fragmentation, when this packet is one piece of a larger IP datagram.
    public var fragment: Fragment
    /// The IP header claims more bytes than were captured (snap length, or a damaged header).
    public var ipLengthExceedsCapture: Bool

    @inlinable
    public init() {
        vlanID = nil
        ipVersion = 0
        source = IPAddress(high: 0, low: 0)
        destination = IPAddress(high: 0, low: 0)
        ipProtocol = IPProtocol(0)
        sourcePort = 0
        destinationPort = 0
        tcpFlags = 0
        icmpType = 0
        icmpCode = 0
        networkOffset = 0
        transportOffset = 0
        payloadOffset = 0
        payloadLength = 0
        fragment = .none
        ipLengthExceedsCapture = false
    }
}

/// How a packet relates to IP fragmentation (RFC 791 §3.2, RFC 8200 §4.5).
public enum Fragment: Sendable, Equatable {
    /// A whole datagram.
    case none
    /// The fragment at offset zero: it carries the transport header, so its ports are known.
    case first(identification: UInt32)
    /// A later fragment: no transport header; its ports are those of the first fragment.
    case later(identification: UInt32)
}

/// Why a frame gave no IP packet.
public enum DecodeFailure: Error, Sendable, Equatable, CustomStringConvertible {
    /// A well-formed frame that does not carry IP (ARP, LLDP, STP...). Not an error.
    case notIP(etherType: UInt16)
    /// The frame ends inside the named header.
    case truncated(header: StaticString)
    /// A header field holds a value its specification forbids.
    case malformed(header: StaticString, field: StaticString)
    /// The capture's link type is not one the decoder understands.
    case unsupportedLinkType(LinkType)

    public static func == (lhs: DecodeFailure, rhs: DecodeFailure) -> Bool {
        lhs.description == rhs.description
    }

    public var description: String {
        switch self {
        case .notIP(let type): "not an IP frame (EtherType 0x\(String(type, radix: 16)))"
        case .truncated(let header): "frame ends inside the \(header) header"
        case .malformed(let header, let field): "\(header) header has an invalid \(field)"
        case .unsupportedLinkType(let type): "\(type) (\(type.rawValue)) is not a supported link type"
        }
    }
}
