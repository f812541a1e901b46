import Detection
import Foundation
import Yams

/// A problem in a provider catalog file: the same file, line and key report as every policy file.
public typealias ProviderCatalogError = PolicyError

/// Reads `policies/providers.yaml` into a `ProviderCatalog`.
///
/// The format: a mapping with `version` (1), `as_of` (a date), `sources` (a list of strings)
/// and `providers`, a list of mappings each with `name`, `kind` (`vpn-service`, `sd-wan` or
/// `proxy`), `domains` (DNS suffixes), `address_ranges` (CIDR blocks) and `sources`. Every key
/// not in this list is an error, so a misspelt key cannot silently drop data.
public enum ProviderCatalogLoader {
    public static let supportedVersion = 1

    /// Loads the catalog at `url`.
    public static func load(contentsOf url: URL) throws -> ProviderCatalog {
        let text: String
        do {
            text = try String(contentsOf: url, encoding: .utf8)
        } catch {
            throw ProviderCatalogError(file: url.path, line: 0, key: "", message: "cannot read: \(error.localizedDescription)")
        }
        return try parse(text, file: url.path)
    }

    /// Parses catalog text; `file` names it in errors.
    public static func parse(_ text: String, file: String = "providers.yaml") throws -> ProviderCatalog {
        let root: Node? = try NodeReader.compose(text, file: file)
        let context = Context(file: file)
        guard let root, let top = root.mapping else {
            throw context.error(root, "", "the file must be a mapping with version, as_of, sources and providers")
        }
        try context.checkKeys(top, allowed: ["version", "as_of", "sources", "providers"], path: "")
        guard let versionNode = top["version"] else { throw context.error(root, "version", "missing") }
        guard let version = versionNode.int else { throw context.error(versionNode, "version", "must be an integer") }
        guard version == supportedVersion else {
            throw context.error(versionNode, "version", "unsupported version \(version) (this build reads \(supportedVersion))")
        }
        guard let asOfNode = top["as_of"] else { throw context.error(root, "as_of", "missing") }
        guard let asOf = asOfNode.scalar?.string, Self.isDate(asOf) else {
            throw context.error(asOfNode, "as_of", "must be a date written YYYY-MM-DD")
        }
        if let sources = top["sources"] { _ = try context.strings(sources, path: "sources") }
        guard let providersNode = top["providers"] else { throw context.error(root, "providers", "missing") }
        guard let list = providersNode.sequence else { throw context.error(providersNode, "providers", "must be a list") }

        var providers: [ProviderCatalog.Provider] = []
        var names: Set<String> = []
        for (index, node) in list.enumerated() {
            let path = "providers[\(index)]"
            guard let entry = node.mapping else { throw context.error(node, path, "must be a mapping") }
            try context.checkKeys(entry, allowed: ["name", "kind", "domains", "address_ranges", "sources"], path: path)
            guard let nameNode = entry["name"] else { throw context.error(node, "\(path).name", "missing") }
            guard let name = nameNode.scalar?.string.trimmingCharacters(in: .whitespaces), !name.isEmpty else {
                throw context.error(nameNode, "\(path).name", "must be a non-empty string")
            }
            guard names.insert(name.lowercased()).inserted else {
                throw context.error(nameNode, "\(path).name", "provider \"\(name)\" is listed twice")
            }
            guard let kindNode = entry["kind"] else { throw context.error(node, "\(path).kind", "missing") }
            guard let kindText = kindNode.scalar?.string, let kind = ProviderCatalog.Kind(rawValue: kindText) else {
                let allowed = ProviderCatalog.Kind.allCases.map(\.rawValue).joined(separator: ", ")
                throw context.error(kindNode, "\(path).kind", "must be one of \(allowed)")
            }
            var domains: [String] = []
            if let domainsNode = entry["domains"] {
                for (offset, domain) in try context.strings(domainsNode, path: "\(path).domains").enumerated() {
                    guard Self.isDomainSuffix(domain.text) else {
                        throw context.error(domain.node, "\(path).domains[\(offset)]", "\"\(domain.text)\" is not a DNS name")
                    }
                    domains.append(domain.text)
                }
            }
            var ranges: [ProviderCatalog.AddressRange] = []
            if let rangesNode = entry["address_ranges"] {
                for (offset, item) in try context.strings(rangesNode, path: "\(path).address_ranges").enumerated() {
                    guard let range = ProviderCatalog.AddressRange(cidr: item.text) else {
                        throw context.error(item.node, "\(path).address_ranges[\(offset)]", "\"\(item.text)\" is not a CIDR block")
                    }
                    ranges.append(range)
                }
            }
            guard !domains.isEmpty || !ranges.isEmpty else {
                throw context.error(node, path, "provider \"\(name)\" has neither domains nor address_ranges")
            }
            guard let sourcesNode = entry["sources"] else { throw context.error(node, "\(path).sources", "missing: every provider names its sources") }
            let sources = try context.strings(sourcesNode, path: "\(path).sources").map(\.text)
            guard !sources.isEmpty else { throw context.error(sourcesNode, "\(path).sources", "must name at least one source") }
            providers.append(ProviderCatalog.Provider(name: name, kind: kind, domains: domains, addressRanges: ranges, sources: sources))
        }
        return ProviderCatalog(providers: providers, version: version, asOf: asOf)
    }

    /// Error helpers that know the file.
    private struct Context {
        let file: String

        func error(_ node: Node?, _ key: String, _ message: String) -> ProviderCatalogError {
            ProviderCatalogError(file: file, line: node?.mark?.line ?? 0, key: key, message: message)
        }

        func checkKeys(_ mapping: Node.Mapping, allowed: Set<String>, path: String) throws {
            for (key, _) in mapping {
                guard let name = key.scalar?.string else { throw error(key, path, "keys must be strings") }
                guard allowed.contains(name) else {
                    let full = path.isEmpty ? name : "\(path).\(name)"
                    throw error(key, full, "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
                }
            }
        }

        /// A list of non-empty strings, each with its node for error lines.
        func strings(_ node: Node, path: String) throws -> [(text: String, node: Node)] {
            guard let list = node.sequence else { throw error(node, path, "must be a list") }
            return try list.enumerated().map { offset, item in
                guard let text = item.scalar?.string.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
                    throw error(item, "\(path)[\(offset)]", "must be a non-empty string")
                }
                return (text, item)
            }
        }
    }

    static func isDate(_ text: String) -> Bool {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              parts.allSatisfy({ $0.allSatisfy(\.isASCII) && $0.allSatisfy(\.isNumber) }),
              let month = Int(parts[1]), let day = Int(parts[2]) else { return false }
        return (1...12).contains(month) && (1...31).contains(day)
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
