import Detection
import Foundation
import Yams

/// A problem in a provider catalog file: the same file, line and key report as every policy file.
public typealias ProviderCatalogError = PolicyError

/// Reads `policies/providers.yaml` into a `ProviderCatalog`.
///
/// The format: the policy header (`version` 1, `as_of`, `sources`) and `providers`, a list of
/// mappings each with `name`, `kind` (`vpn-service`, `sd-wan` or `proxy`), `domains` (DNS
/// suffixes), `address_ranges` (CIDR blocks) and `sources`. Every key not in this list is an
/// error, so a misspelt key cannot silently drop data. Read with the same `NodeReader` as every
/// other policy file, so its errors read the same way.
public enum ProviderCatalogLoader {
    public static let supportedVersion = 1

    /// Loads the catalog at `url`.
    public static func load(contentsOf url: URL) throws -> ProviderCatalog {
        try parse(try NodeReader.read(url), file: url.path)
    }

    /// Parses catalog text; `file` names it in errors.
    public static func parse(_ text: String, file: String = "providers.yaml") throws -> ProviderCatalog {
        let reader = NodeReader(file: file)
        let root = try NodeReader.compose(text, file: file)
        let top = try reader.mapping(root, "", allowed: ["version", "as_of", "sources", "providers"], required: ["version", "as_of", "providers"])
        let header = try reader.header(top, root: root, supportedVersion: supportedVersion)
        guard let list = top["providers"]?.sequence else { throw reader.error(top["providers"], "providers", "must be a list") }

        var providers: [ProviderCatalog.Provider] = []
        var names: Set<String> = []
        for (index, node) in list.enumerated() {
            let path = "providers[\(index)]"
            let entry = try reader.mapping(node, path, allowed: ["name", "kind", "domains", "address_ranges", "sources"],
                                           required: ["name", "kind", "sources"])
            let name = try reader.string(entry["name"], "\(path).name")
            guard names.insert(name.lowercased()).inserted else {
                throw reader.error(entry["name"], "\(path).name", "provider \"\(name)\" is listed twice")
            }
            guard let kind = ProviderCatalog.Kind(rawValue: try reader.string(entry["kind"], "\(path).kind")) else {
                let allowed = ProviderCatalog.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw reader.error(entry["kind"], "\(path).kind", "must be one of \(allowed)")
            }
            let domains = try reader.strings(entry["domains"], "\(path).domains")
            for (offset, domain) in domains.enumerated() where !isDomainSuffix(domain) {
                throw reader.error(entry["domains"]?.sequence?[offset], "\(path).domains[\(offset)]", "\"\(domain)\" is not a DNS name")
            }
            let ranges = try reader.strings(entry["address_ranges"], "\(path).address_ranges").enumerated().map { offset, text in
                guard let range = ProviderCatalog.AddressRange(cidr: text) else {
                    throw reader.error(entry["address_ranges"]?.sequence?[offset], "\(path).address_ranges[\(offset)]", "\"\(text)\" is not a CIDR block")
                }
                return range
            }
            guard !domains.isEmpty || !ranges.isEmpty else {
                throw reader.error(node, path, "provider \"\(name)\" has neither domains nor address_ranges")
            }
            let sources = try reader.strings(entry["sources"], "\(path).sources")
            guard !sources.isEmpty else { throw reader.error(entry["sources"], "\(path).sources", "must name at least one source") }
            providers.append(ProviderCatalog.Provider(name: name, kind: kind, domains: domains, addressRanges: ranges, sources: sources))
        }
        return ProviderCatalog(providers: providers, version: header.version, asOf: header.asOf)
    }

    /// Letters, digits, hyphens and dots, at least two labels, no empty label.
    static func isDomainSuffix(_ text: String) -> Bool {
        let labels = text.lowercased().split(separator: ".", omittingEmptySubsequences: false)
        guard labels.count >= 2, text.count <= 253 else { return false }
        return labels.allSatisfy { label in
            !label.isEmpty && label.count <= 63 && !label.hasPrefix("-") && !label.hasSuffix("-")
                && label.allSatisfy { $0.isASCII && ($0.isLetter || $0.isNumber || $0 == "-") }
        }
    }
}
