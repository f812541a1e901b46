import Foundation

/// proxychains-ng chains (`/etc/proxychains4.conf`, `/etc/proxychains.conf`, the annotated
/// default file proxychains4(1) installs): the `[ProxyList]` lines `type host port [user pass]`
/// (`socks4`, `socks5`, `http`, `raw`) are the proxies programs run through it reach, in order;
/// `strict_chain`/`dynamic_chain`/`random_chain`/`round_robin_chain` is an attribute.
/// `redact` replaces the password field, which no `key = value` rule can see.
public struct ProxychainsCollector: Collector {
    public let name = "proxychains"
    static let patterns = ["/etc/proxychains4.conf", "/etc/proxychains.conf"]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
    }

    static let types: [String: String] = ["socks4": "socks", "socks5": "socks", "http": "http-proxy", "raw": "proxy"]

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        var inList = false
        var chain = "strict_chain"
        var position = 0
        for line in ConfigText.lines(text, comments: ["#"]) {
            let words = line.words
            if words[0].hasPrefix("[") {
                inList = words[0].lowercased() == "[proxylist]"
                continue
            }
            if !inList {
                if words[0].hasSuffix("_chain") { chain = words[0] }
                continue
            }
            guard let technology = Self.types[words[0].lowercased()], words.count >= 3, let port = ConfigText.port(words[2]) else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: line.number), "not a 'type host port [user pass]' proxy line: \(line.text.prefix(40))"))
                continue
            }
            position += 1
            var attributes = ["type": words[0].lowercased(), "chain": chain, "position": String(position)]
            if words.count >= 5 { attributes["authenticated"] = "true" }
            result.items.append(ConfigItem(
                technology: technology, role: .client, name: "proxychains \(position) \(words[1])",
                remote: [NetworkEndpoint(host: words[1], port: port, transport: "tcp")], attributes: attributes,
                sources: [SourceReference(path, line: line.number, key: "[ProxyList]")]))
        }
        return result
    }

    /// The password is the fifth field of a proxy line.
    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        var inList = false
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") { inList = trimmed.lowercased().hasPrefix("[proxylist]") }
            guard inList, !trimmed.hasPrefix("#") else { return String(line) }
            var fields = trimmed.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard fields.count >= 5, Self.types[fields[0].lowercased()] != nil else { return String(line) }
            fields[4] = SecretRedactor.marker(for: Substring(fields[4]))
            return fields.joined(separator: " ")
        }.joined(separator: "\n")
    }
}
