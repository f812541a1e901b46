import Packets

/// Where an address is, as far as the audit can tell, and how it knows.
///
/// The organization's declared ranges always win; then the special-purpose ranges (private,
/// documentation, loopback...), which no database can place; then the address databases.
public struct Location: Sendable, Equatable, Codable {
    /// ISO 3166-1 alpha-2 country code (`CN`, `HK`, `DE`...), when known.
    public var country: String?
    public var asn: UInt32?
    public var asOrganization: String?
    /// The declared site the address belongs to, when it is in one of the organization's ranges.
    public var site: String?
    /// Set for special-purpose ranges: what kind of range it is.
    public var specialRange: String?
    /// Where the answer came from: a file and line, a database and its date, or an RFC.
    public var source: String

    public init(country: String? = nil, asn: UInt32? = nil, asOrganization: String? = nil, site: String? = nil,
                specialRange: String? = nil, source: String) {
        self.country = country
        self.asn = asn
        self.asOrganization = asOrganization
        self.site = site
        self.specialRange = specialRange
        self.source = source
    }

    /// Where the address lies in relation to the border that Circular 32 draws.
    public var jurisdiction: Jurisdiction {
        guard let country else { return .unknown }
        return country == "CN" ? .mainland : .crossBorder
    }
}

/// Mainland China, or outside it. Hong Kong (HK), Macau (MO) and Taiwan (TW) are outside: telecom
/// law treats traffic to them as international (DOMAIN.md §1.6, rule R-SCOPE-2).
public enum Jurisdiction: String, Sendable, Codable {
    case mainland
    case crossBorder = "cross-border"
    case unknown
}

/// An address range with what is known about it.
public struct AddressRange: Sendable, Equatable {
    public var network: IPAddress
    public var prefixLength: Int

    public init(network: IPAddress, prefixLength: Int) {
        self.network = network
        self.prefixLength = prefixLength
    }

    /// Parses `a.b.c.d/n`, `v6::/n` or a bare address (a /32 or /128).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let first = parts.first, let address = IPAddress(String(first)) else { return nil }
        let maximum = address.isIPv4 ? 32 : 128
        let length = parts.count == 2 ? Int(parts[1]) : maximum
        guard let length, (0...maximum).contains(length) else { return nil }
        self.init(network: address, prefixLength: address.isIPv4 ? length + 96 : length)
    }

    /// Whether `address` is inside the range (IPv4 ranges only hold IPv4 addresses).
    public func contains(_ address: IPAddress) -> Bool {
        guard address.isIPv4 == network.isIPv4 else { return false }
        let highBits = min(prefixLength, 64)
        let lowBits = max(prefixLength - 64, 0)
        let highMask: UInt64 = highBits == 0 ? 0 : ~UInt64(0) << (64 - highBits)
        let lowMask: UInt64 = lowBits == 0 ? 0 : ~UInt64(0) << (64 - lowBits)
        return address.high & highMask == network.high & highMask && address.low & lowMask == network.low & lowMask
    }
}
