/// An IP protocol number (IANA "Assigned Internet Protocol Numbers"), named where it matters.
public struct IPProtocol: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: UInt8
    @inlinable public init(rawValue: UInt8) { self.rawValue = rawValue }
    @inlinable public init(_ rawValue: UInt8) { self.rawValue = rawValue }

    public static let hopByHop = IPProtocol(0)
    public static let icmp = IPProtocol(1)
    public static let igmp = IPProtocol(2)
    public static let ipInIP = IPProtocol(4)
    public static let tcp = IPProtocol(6)
    public static let udp = IPProtocol(17)
    public static let dccp = IPProtocol(33)
    public static let ipv6 = IPProtocol(41)
    public static let ipv6Routing = IPProtocol(43)
    public static let ipv6Fragment = IPProtocol(44)
    public static let gre = IPProtocol(47)
    public static let esp = IPProtocol(50)
    public static let ah = IPProtocol(51)
    public static let icmpv6 = IPProtocol(58)
    public static let ipv6NoNext = IPProtocol(59)
    public static let ipv6DestinationOptions = IPProtocol(60)
    public static let ospf = IPProtocol(89)
    public static let pim = IPProtocol(103)
    public static let vrrp = IPProtocol(112)
    public static let l2tp = IPProtocol(115)
    public static let pgm = IPProtocol(113)
    public static let sctp = IPProtocol(132)
    public static let udpLite = IPProtocol(136)

    /// Whether the transport header starts with 16-bit source and destination ports.
    @inlinable
    public var hasPorts: Bool {
        switch rawValue {
        case 6, 17, 33, 132, 136: true
        default: false
        }
    }

    /// The IANA keyword in upper case (`TCP`, `ICMPV6`), or nil when it has none here.
    public var keyword: StaticString? {
        switch rawValue {
        case 1: "ICMP"
        case 2: "IGMP"
        case 4: "IPIP"
        case 6: "TCP"
        case 17: "UDP"
        case 33: "DCCP"
        case 41: "IPV6"
        case 47: "GRE"
        case 50: "ESP"
        case 51: "AH"
        case 58: "ICMPV6"
        case 89: "OSPF"
        case 103: "PIM"
        case 112: "VRRP"
        case 113: "PGM"
        case 132: "SCTP"
        case 136: "UDPLITE"
        default: nil
        }
    }

    /// The keyword, or the number when it has none.
    public var description: String { keyword.map { "\($0)" } ?? String(rawValue) }
}
