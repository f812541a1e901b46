import Packets

/// Special-purpose ranges (IANA IPv4/IPv6 Special-Purpose Address Registries, RFC 6890) that no
/// address database can place: the organization's declarations must say where they are.
enum SpecialRanges {
    static let all: [(range: AddressRange, name: String)] = [
        ("10.0.0.0/8", "private (RFC 1918)"), ("172.16.0.0/12", "private (RFC 1918)"), ("192.168.0.0/16", "private (RFC 1918)"),
        ("100.64.0.0/10", "shared address space (RFC 6598)"), ("127.0.0.0/8", "loopback (RFC 1122)"),
        ("169.254.0.0/16", "link-local (RFC 3927)"), ("192.0.2.0/24", "documentation (RFC 5737)"),
        ("198.51.100.0/24", "documentation (RFC 5737)"), ("203.0.113.0/24", "documentation (RFC 5737)"),
        ("198.18.0.0/15", "benchmarking (RFC 2544)"), ("224.0.0.0/4", "multicast (RFC 5771)"), ("0.0.0.0/8", "this network (RFC 1122)"),
        ("::1/128", "loopback (RFC 4291)"), ("fc00::/7", "unique local (RFC 4193)"), ("fe80::/10", "link-local (RFC 4291)"),
        ("2001:db8::/32", "documentation (RFC 3849)"), ("ff00::/8", "multicast (RFC 4291)"),
    ].map { (AddressRange($0.0)!, $0.1) }

    static func name(of address: IPAddress) -> String? {
        all.first { $0.range.contains(address) }?.name
    }
}
