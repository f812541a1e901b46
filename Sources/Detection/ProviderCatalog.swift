import Packets

/// The VPN services, SD-WAN and proxy providers that detection can name, as plain data: the
/// domain suffixes of their servers (matched against a TLS server name or certificate name) and
/// the address ranges they publish. Loaded from `policies/providers.yaml` by the `Policy`
/// target; detection itself only reads the value, so the list can change without a rebuild.
public struct ProviderCatalog: Sendable, Equatable {
    /// What a provider sells, which says how an audit treats traffic to it.
    public enum Kind: String, Sendable, CaseIterable {
        /// A consumer or business VPN service (NordVPN, Mullvad...).
        case vpnService = "vpn-service"
        /// An SD-WAN or network acceleration service that tunnels a site's traffic.
        case sdWan = "sd-wan"
        /// A proxy service.
        case proxy
    }

    /// One provider.
    public struct Provider: Sendable, Equatable {
        public var name: String
        public var kind: Kind
        /// Lower-case DNS suffixes without a leading dot: `nordvpn.com` matches `nordvpn.com`
        /// and `x.nordvpn.com`, never `notnordvpn.com`.
        public var domains: [String]
        /// Address ranges the provider itself publishes.
        public var addressRanges: [AddressRange]
        /// Where the facts come from (URLs or document titles).
        public var sources: [String]

        public init(name: String, kind: Kind, domains: [String] = [], addressRanges: [AddressRange] = [], sources: [String] = []) {
            self.name = name
            self.kind = kind
            self.domains = domains.map { ProviderCatalog.normalise($0) }
            self.addressRanges = addressRanges
            self.sources = sources
        }

        /// The suffix in `domains` that `name` falls under, if any.
        public func domainMatching(_ name: String) -> String? {
            let host = ProviderCatalog.normalise(name)
            guard !host.isEmpty else { return nil }
            return domains.first { host == $0 || host.hasSuffix("." + $0) }
        }

        /// The range in `addressRanges` that holds `address`, if any.
        public func rangeHolding(_ address: IPAddress) -> AddressRange? {
            addressRanges.first { $0.contains(address) }
        }
    }

    /// A CIDR block, IPv4 or IPv6 (IPv4 kept in its mapped IPv6 form, like `IPAddress`).
    public struct AddressRange: Sendable, Equatable, CustomStringConvertible {
        public let network: IPAddress
        /// Prefix length as written (0...32 for IPv4, 0...128 for IPv6).
        public let prefixLength: Int
        public let isIPv4: Bool

        /// Parses `a.b.c.d/n` or `x::y/n`; nil when malformed. Host bits are cleared.
        public init?(cidr: String) {
            let parts = cidr.split(separator: "/", omittingEmptySubsequences: false)
            guard parts.count == 2, let address = IPAddress(String(parts[0])),
                  let length = Int(parts[1]), parts[1].allSatisfy(\.isNumber) else { return nil }
            let maximum = address.isIPv4 ? 32 : 128
            guard (0...maximum).contains(length) else { return nil }
            isIPv4 = address.isIPv4
            prefixLength = length
            let bits = (address.isIPv4 ? 96 : 0) + length
            let mask = Self.mask(bits)
            network = IPAddress(high: address.high & mask.high, low: address.low & mask.low)
        }

        /// Whether `address` lies in the block (an IPv4 address never lies in an IPv6 block
        /// and the reverse).
        public func contains(_ address: IPAddress) -> Bool {
            guard address.isIPv4 == isIPv4 else { return false }
            let mask = Self.mask((isIPv4 ? 96 : 0) + prefixLength)
            return address.high & mask.high == network.high && address.low & mask.low == network.low
        }

        public var description: String { "\(network)/\(prefixLength)" }

        /// The 128-bit mask with the first `bits` bits set, as two halves.
        private static func mask(_ bits: Int) -> (high: UInt64, low: UInt64) {
            func half(_ count: Int) -> UInt64 {
                count <= 0 ? 0 : count >= 64 ? .max : ~(UInt64.max >> UInt64(count))
            }
            return (half(bits), half(bits - 64))
        }
    }

    /// The catalog's format version and the date its facts were gathered (`as_of`).
    public var version: Int
    public var asOf: String
    public var providers: [Provider]

    public init(providers: [Provider], version: Int = 1, asOf: String = "") {
        self.providers = providers
        self.version = version
        self.asOf = asOf
    }

    /// No providers: detection names none.
    public static let empty = ProviderCatalog(providers: [])

    public var isEmpty: Bool { providers.isEmpty }

    /// The provider whose domain suffix covers `serverName` (a TLS SNI or certificate name;
    /// a leading `*.` wildcard is ignored). The longest matching suffix wins, so a provider
    /// listed under a sub-domain of another's is still told apart.
    public func match(serverName: String) -> Provider? {
        var best: (provider: Provider, length: Int)?
        for provider in providers {
            if let suffix = provider.domainMatching(serverName), suffix.count > (best?.length ?? -1) {
                best = (provider, suffix.count)
            }
        }
        return best?.provider
    }

    /// The provider one of whose published ranges holds `address`; the narrowest range wins.
    public func match(address: IPAddress) -> Provider? {
        var best: (provider: Provider, length: Int)?
        for provider in providers {
            if let range = provider.rangeHolding(address), range.prefixLength > (best?.length ?? -1) {
                best = (provider, range.prefixLength)
            }
        }
        return best?.provider
    }

    /// Lower case, no trailing dot, no leading `*.` or `.`.
    static func normalise(_ name: String) -> String {
        var host = name.lowercased()
        if host.hasPrefix("*.") { host.removeFirst(2) }
        while host.hasPrefix(".") { host.removeFirst() }
        while host.hasSuffix(".") { host.removeLast() }
        return host
    }
}
