/// The link-layer header type of a capture (the `LINKTYPE_*` registry of tcpdump.org), which
/// says how to find the IP header in each frame.
public struct LinkType: RawRepresentable, Hashable, Sendable, CustomStringConvertible {
    public var rawValue: Int32
    public init(rawValue: Int32) { self.rawValue = rawValue }

    public static let null = LinkType(rawValue: 0)          // BSD loopback, host-order family
    public static let ethernet = LinkType(rawValue: 1)
    public static let ppp = LinkType(rawValue: 9)
    public static let rawOpenBSD = LinkType(rawValue: 12)   // DLT_RAW on some systems
    public static let rawBSD = LinkType(rawValue: 14)
    public static let raw = LinkType(rawValue: 101)
    public static let ciscoHDLC = LinkType(rawValue: 104)
    public static let loop = LinkType(rawValue: 108)        // OpenBSD loopback, network-order family
    public static let linuxSLL = LinkType(rawValue: 113)
    public static let ipv4 = LinkType(rawValue: 228)
    public static let ipv6 = LinkType(rawValue: 229)
    public static let linuxSLL2 = LinkType(rawValue: 276)

    /// The link types this decoder understands.
    public static let supported: [LinkType] = [
        .null, .ethernet, .ppp, .rawOpenBSD, .rawBSD, .raw, .ciscoHDLC, .loop, .linuxSLL, .ipv4, .ipv6, .linuxSLL2,
    ]

    public var isSupported: Bool { Self.supported.contains(self) }

    public var description: String {
        switch self {
        case .null: "BSD loopback"
        case .ethernet: "Ethernet"
        case .ppp: "PPP"
        case .rawOpenBSD, .rawBSD, .raw: "raw IP"
        case .ciscoHDLC: "Cisco HDLC"
        case .loop: "OpenBSD loopback"
        case .linuxSLL: "Linux cooked v1"
        case .ipv4: "raw IPv4"
        case .ipv6: "raw IPv6"
        case .linuxSLL2: "Linux cooked v2"
        default: "link type \(rawValue)"
        }
    }
}
