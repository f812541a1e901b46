/// A tunnel family id, as listed in the corpus taxonomy (`wireguard`, `openvpn`, `ipsec`...),
/// with the class that says how an audit treats it.
public struct TunnelFamily: Hashable, Sendable, CustomStringConvertible {
    public let id: String
    public let tunnelClass: TunnelClass

    public init(_ id: String, _ tunnelClass: TunnelClass) {
        self.id = id
        self.tunnelClass = tunnelClass
    }

    public var description: String { id }

    public static let wireguard = TunnelFamily("wireguard", .vpn)
    public static let openvpn = TunnelFamily("openvpn", .vpn)
    public static let ipsec = TunnelFamily("ipsec", .vpn)
    public static let l2tp = TunnelFamily("l2tp", .vpn)
    public static let pptp = TunnelFamily("pptp", .vpn)
    public static let tinc = TunnelFamily("tinc", .vpn)
    public static let softether = TunnelFamily("softether", .vpn)
    public static let tailscale = TunnelFamily("tailscale", .vpn)
    public static let zerotier = TunnelFamily("zerotier", .vpn)
    public static let sstp = TunnelFamily("sstp", .vpn)
    public static let anyconnect = TunnelFamily("anyconnect", .vpn)
    public static let fortinetSSLVPN = TunnelFamily("fortinet-sslvpn", .vpn)
    public static let globalprotect = TunnelFamily("globalprotect", .vpn)
    public static let vpnService = TunnelFamily("vpn-service", .vpnService)
    public static let tor = TunnelFamily("tor", .circumvention)
    public static let psiphon = TunnelFamily("psiphon", .circumvention)
    public static let ultrasurf = TunnelFamily("ultrasurf", .circumvention)
    public static let shadowsocks = TunnelFamily("shadowsocks", .circumvention)
    public static let vmess = TunnelFamily("vmess", .circumvention)
    public static let trojan = TunnelFamily("trojan", .circumvention)
    public static let gre = TunnelFamily("gre", .encapsulation)
    public static let vxlan = TunnelFamily("vxlan", .encapsulation)
    public static let geneve = TunnelFamily("geneve", .encapsulation)
    public static let gtp = TunnelFamily("gtp", .encapsulation)
    public static let ipInIP = TunnelFamily("ip-in-ip", .encapsulation)
    public static let teredo = TunnelFamily("teredo", .encapsulation)
    public static let capwap = TunnelFamily("capwap", .encapsulation)
    public static let dnsTunnel = TunnelFamily("dns-tunnel", .covert)
    public static let icmpTunnel = TunnelFamily("icmp-tunnel", .covert)
    public static let ssh = TunnelFamily("ssh", .remoteAccess)
    public static let rdp = TunnelFamily("rdp", .remoteAccess)
    public static let vnc = TunnelFamily("vnc", .remoteAccess)
    public static let teamviewer = TunnelFamily("teamviewer", .remoteAccess)
    public static let anydesk = TunnelFamily("anydesk", .remoteAccess)
    public static let socks = TunnelFamily("socks", .proxy)
    public static let httpProxy = TunnelFamily("http-proxy", .proxy)
}

/// How an audit treats a family: the first five are tunnels; remote access and proxies are
/// reported but never counted as tunnels.
public enum TunnelClass: String, Sendable, CaseIterable {
    case vpn
    case vpnService = "vpn-service"
    case circumvention
    case encapsulation
    case covert
    case remoteAccess = "remote-access"
    case proxy

    /// Whether a verdict of this class counts as a tunnel (and so as a false alarm on a flow
    /// that is none).
    public var isTunnel: Bool { self != .remoteAccess && self != .proxy }
}

/// How sure a verdict is, strongest first.
public enum Confidence: String, Sendable, Comparable, CaseIterable {
    /// The packets have the protocol's message structure (from its specification).
    case confirmed
    /// Heuristics or known servers (names, address lists) point to it.
    case likely
    /// Only the port says so.
    case portOnly = "port-only"

    private var rank: Int {
        switch self {
        case .confirmed: 2
        case .likely: 1
        case .portOnly: 0
        }
    }

    public static func < (lhs: Confidence, rhs: Confidence) -> Bool { lhs.rank < rhs.rank }
}

/// What detection concluded about one flow, with the evidence a person can check in Wireshark.
public struct TunnelVerdict: Sendable, Equatable {
    public var family: TunnelFamily
    /// The product or service when known (`NordVPN`, `Cloudflare WARP`, `iodine`...).
    public var product: String?
    public var confidence: Confidence
    /// One short sentence naming what was seen, e.g. "WireGuard handshake initiation (148 bytes)
    /// answered by a handshake response (92 bytes)".
    public var evidence: String

    public init(_ family: TunnelFamily, product: String? = nil, confidence: Confidence, evidence: String) {
        self.family = family
        self.product = product
        self.confidence = confidence
        self.evidence = evidence
    }
}
