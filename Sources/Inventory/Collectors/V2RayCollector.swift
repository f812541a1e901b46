import Foundation

/// V2Ray and Xray configurations (`/etc/v2ray/config.json`, `/usr/local/etc/xray/config.json`...,
/// the v4 JSON format of the V2Ray/Xray documentation): each `outbounds[]` entry that reaches a
/// server (`vmess`/`vless` `settings.vnext[].address`/`port`; `trojan`, `shadowsocks`, `socks`,
/// `http` `settings.servers[]`) is a client item; each `inbounds[]` entry (`listen`, `port`,
/// `protocol`) is a server or local proxy item. `streamSettings.network`/`security` become
/// attributes. User ids (`id`) and passwords are never read.
public struct V2RayCollector: Collector {
    public let name = "v2ray"
    static let patterns = ["/etc/v2ray/*.json", "/usr/local/etc/v2ray/*.json", "/etc/xray/*.json", "/usr/local/etc/xray/*.json"]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    /// Secrets in JSON wherever they stand on a line (user ids, passwords in one-line objects).
    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        SecretRedactor.redact(JSONLines.redactSecrets(text), path: path)
    }

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
    }

    static func technology(_ protocolName: String) -> String {
        switch protocolName {
        case "socks": "socks"
        case "http": "http-proxy"
        default: protocolName
        }
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        guard let object = JSONLines.object(JSONLines.strippingComments(text), path: path, warnings: &result.warnings) else { return result }
        var cursor = JSONLines.Cursor(text)
        let program = path.contains("xray") ? "xray" : "v2ray"
        let inbounds = (object["inbounds"] as? [[String: Any]]) ?? (object["inbound"] as? [String: Any]).map { [$0] } ?? []
        let outbounds = (object["outbounds"] as? [[String: Any]]) ?? (object["outbound"] as? [String: Any]).map { [$0] } ?? []
        func stream(_ entry: [String: Any], into attributes: inout [String: String]) {
            guard let settings = entry["streamSettings"] as? [String: Any] else { return }
            if let network = settings["network"] as? String { attributes["network"] = network }
            if let security = settings["security"] as? String { attributes["security"] = security }
        }
        cursor.move(to: "\"inbound")
        for (index, inbound) in inbounds.enumerated() {
            guard let protocolName = inbound["protocol"] as? String else {
                result.warnings.append(InventoryWarning(SourceReference(path, key: "inbounds[\(index)]"), "inbound without a protocol"))
                continue
            }
            let protocolLine = cursor.line(["\"protocol\"", "\"\(protocolName)\""])
            guard let port = JSONLines.port(inbound["port"]) else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: protocolLine, key: "inbounds[\(index)].port"), "inbound \(protocolName) without a port number"))
                continue
            }
            var attributes: [String: String] = ["program": program, "protocol": protocolName]
            if let tag = inbound["tag"] as? String { attributes["tag"] = tag }
            stream(inbound, into: &attributes)
            let settings = inbound["settings"] as? [String: Any] ?? [:]
            if let clients = settings["clients"] as? [Any] { attributes["clients"] = String(clients.count) }
            let localProxy = ["socks", "http", "dokodemo-door"].contains(protocolName)
            result.items.append(ConfigItem(
                technology: Self.technology(protocolName), role: localProxy ? .proxy : .server, name: "\(program) inbound \(inbound["tag"] as? String ?? String(index))",
                local: [NetworkEndpoint(host: inbound["listen"] as? String ?? "0.0.0.0", port: port, transport: "tcp")],
                attributes: attributes, sources: [SourceReference(path, line: protocolLine, key: "inbounds[\(index)]")]))
        }
        cursor.move(to: "\"outbound")
        for (index, outbound) in outbounds.enumerated() {
            guard let protocolName = outbound["protocol"] as? String else {
                result.warnings.append(InventoryWarning(SourceReference(path, key: "outbounds[\(index)]"), "outbound without a protocol"))
                continue
            }
            let protocolLine = cursor.line(["\"protocol\"", "\"\(protocolName)\""])
            let settings = outbound["settings"] as? [String: Any] ?? [:]
            let servers = (settings["vnext"] as? [[String: Any]]) ?? (settings["servers"] as? [[String: Any]]) ?? []
            guard !["freedom", "blackhole", "dns", "loopback"].contains(protocolName) else { continue }
            var remote: [NetworkEndpoint] = []
            var sources = [SourceReference(path, line: protocolLine, key: "outbounds[\(index)]")]
            for server in servers {
                guard let address = server["address"] as? String else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: protocolLine, key: "outbounds[\(index)]"), "server without an address"))
                    continue
                }
                let addressLine = cursor.line(["\"address\"", address])
                guard let port = JSONLines.port(server["port"]) else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: addressLine, key: "outbounds[\(index)].port"), "server \(address) without a port number"))
                    continue
                }
                remote.append(NetworkEndpoint(host: address, port: port, transport: "tcp"))
                sources.append(SourceReference(path, line: addressLine, key: "address"))
            }
            if remote.isEmpty {
                result.warnings.append(InventoryWarning(SourceReference(path, line: protocolLine, key: "outbounds[\(index)]"), "\(protocolName) outbound with no server address"))
                continue
            }
            var attributes: [String: String] = ["program": program, "protocol": protocolName]
            if let tag = outbound["tag"] as? String { attributes["tag"] = tag }
            stream(outbound, into: &attributes)
            result.items.append(ConfigItem(
                technology: Self.technology(protocolName), role: .client, name: "\(program) outbound \(outbound["tag"] as? String ?? String(index))",
                remote: remote, attributes: attributes, sources: sources))
        }
        return result
    }
}

extension V2RayCollector: ReferencedConfigurationReader {
    public var referencedPrograms: Set<String> { ["v2ray", "xray"] }

    public func collect(referenced path: String, namedBy item: ConfigItem, from system: SystemView) -> CollectorResult {
        system.collectReferenced(path) { parse($0, path: path) }
    }
}
