import Foundation

/// stunnel services (`/etc/stunnel/*.conf`, stunnel(8) CONFIGURATION FILE: global options, then
/// `[service]` sections of `option = value`, `;`/`#` comments). A service with `client = yes`
/// wraps local plain connections (`accept`) into TLS toward `connect`; otherwise it accepts TLS
/// on `accept` and hands the plain stream to `connect`.
public struct StunnelCollector: Collector {
    public let name = "stunnel"
    public let inputs: [CollectorInput] = [.files("/etc/stunnel/*.conf")]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(["/etc/stunnel/*.conf"]) { path, text in parse(text, path: path) }
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        let document = INIDocument(body)
        result.warnings += document.malformedWarnings(path: path, expected: "[service] or option = value")
        let globalClient = document.sections.first { $0.name.isEmpty }?.first("client")?.value.lowercased() == "yes"
        for section in document.sections where !section.name.isEmpty {
            var sources = [SourceReference(path, line: section.line, key: "[\(section.name)]")]
            func endpoint(_ key: String, transport: String = "tcp") -> NetworkEndpoint? {
                guard let entry = section.first(key) else { return nil }
                // `[host:]port`, or a Unix socket path.
                let value = entry.value
                if value.hasPrefix("/") { return NetworkEndpoint(host: value) }
                let parsed = ConfigText.port(value).map { NetworkEndpoint(host: "*", port: $0, transport: transport) }
                    ?? NetworkEndpoint.parse(value, transport: transport)
                guard let parsed, value.contains(":") ? parsed.port != nil : ConfigText.port(value) != nil else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: entry.line, key: key), "not [host:]port: \(value)"))
                    return nil
                }
                sources.append(SourceReference(path, line: entry.line, key: key))
                return parsed
            }
            let accept = endpoint("accept")
            let connect = endpoint("connect")
            let isClient = section.first("client").map { $0.value.lowercased() == "yes" } ?? globalClient
            var attributes: [String: String] = [:]
            for key in ["protocol", "sni", "checkHost", "verifyChain", "verifyPeer", "cert", "CAfile", "exec"] {
                if let entry = section.first(key) { attributes[key] = entry.value }
            }
            if accept == nil && connect == nil && section.first("exec") == nil {
                result.warnings.append(InventoryWarning(SourceReference(path, line: section.line), "[\(section.name)] has neither accept nor connect"))
                continue
            }
            if isClient {
                result.items.append(ConfigItem(
                    technology: "stunnel", role: .client, name: section.name, local: accept.map { [$0] } ?? [],
                    remote: connect.map { [$0] } ?? [], attributes: attributes, sources: sources))
            } else {
                if let connect { attributes["connect"] = connect.description }
                result.items.append(ConfigItem(
                    technology: "stunnel", role: .server, name: section.name, local: accept.map { [$0] } ?? [],
                    attributes: attributes, sources: sources))
            }
        }
        return result
    }
}
