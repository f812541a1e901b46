/// One VPN, tunnel, leased-line hand-off or proxy found in the gateway's configuration or live
/// state, with where each fact came from.
public struct ConfigItem: Sendable, Equatable, Codable {
    /// What kind of channel it is: `wireguard`, `openvpn`, `ipsec`, `gre`, `vxlan`, `bgp`...
    /// (the corpus taxonomy's family ids where one fits).
    public var technology: String
    public var role: Role
    /// A name a person knows it by: interface, connection or peer name.
    public var name: String
    public var local: [NetworkEndpoint]
    public var remote: [NetworkEndpoint]
    /// Networks carried: allowed IPs, traffic selectors, routes pushed.
    public var networks: [String]
    public var interface: String?
    /// Whether live state shows it up now; nil when only configuration was read.
    public var isUp: Bool?
    /// Further facts as key and value (`remote-as`, `cipher`, `client-to-client`...).
    public var attributes: [String: String]
    /// Where the item and its facts were read.
    public var sources: [SourceReference]

    public init(technology: String, role: Role, name: String, local: [NetworkEndpoint] = [], remote: [NetworkEndpoint] = [],
                networks: [String] = [], interface: String? = nil, isUp: Bool? = nil, attributes: [String: String] = [:],
                sources: [SourceReference]) {
        self.technology = technology
        self.role = role
        self.name = name
        self.local = local
        self.remote = remote
        self.networks = networks
        self.interface = interface
        self.isUp = isUp
        self.attributes = attributes
        self.sources = sources
    }

    /// How the gateway takes part in the channel.
    public enum Role: String, Sendable, Codable, CaseIterable {
        case client
        case server
        case siteToSite = "site-to-site"
        case mesh
        /// A hand-off to a carrier or another network: a BGP neighbour, a leased-line interface.
        case handOff = "hand-off"
        /// A forwarding or address-translation rule (NAT toward a tunnel, forwarding between networks).
        case forwarding
        case proxy
        case unknown
    }
}

/// An address or host name, with a port when the channel has one.
public struct NetworkEndpoint: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// An IP address or a DNS name, as written in the configuration.
    public var host: String
    public var port: UInt16?
    /// `udp`, `tcp` or nil when not stated.
    public var transport: String?

    public init(host: String, port: UInt16? = nil, transport: String? = nil) {
        self.host = host
        self.port = port
        self.transport = transport
    }

    public var description: String {
        let hostText = host.contains(":") && port != nil ? "[\(host)]" : host
        return hostText + (port.map { ":\($0)" } ?? "") + (transport.map { "/\($0)" } ?? "")
    }
}

/// Where a fact was read: a file and line, or a command's output.
public struct SourceReference: Sendable, Equatable, Hashable, Codable, CustomStringConvertible {
    /// The path as it is on the gateway (`/etc/wireguard/wg0.conf`), or the command line.
    public var location: String
    /// 1-based line in a file; nil for a whole file or a command.
    public var line: Int?
    /// Optional key or field within the line or document (`Endpoint`, `[0].ifname`).
    public var key: String?

    public init(_ location: String, line: Int? = nil, key: String? = nil) {
        self.location = location
        self.line = line
        self.key = key
    }

    public var description: String {
        location + (line.map { ":\($0)" } ?? "") + (key.map { " (\($0))" } ?? "")
    }
}

/// Something a collector could not read or understand; the inventory still goes on.
public struct InventoryWarning: Sendable, Equatable, Codable, CustomStringConvertible {
    public var source: SourceReference
    public var message: String

    public init(_ source: SourceReference, _ message: String) {
        self.source = source
        self.message = message
    }

    public var description: String { "\(source): \(message)" }
}
