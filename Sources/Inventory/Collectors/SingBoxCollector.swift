import Foundation

/// sing-box configurations (`/etc/sing-box/*.json`, `/usr/local/etc/sing-box/*.json`: the JSON
/// of the sing-box documentation), the universal proxy platform that succeeded V2Ray and Clash
/// on many gateways.
///
/// Each `outbounds[]` entry with a `server` is a client item (its `type`: shadowsocks, vmess,
/// vless, trojan, hysteria, hysteria2, tuic, wireguard, socks, http, shadowtls, anytls), with
/// `server`/`server_port`, `tls.server_name` and `transport.type`; each WireGuard entry of
/// `endpoints[]` (sing-box 1.11) makes one item per peer. Each `inbounds[]` entry with a
/// `listen_port` is a server item for a proxy protocol or a proxy item for a local one (mixed,
/// socks, http, redirect, tproxy). Passwords, uuids and keys are never read into an item.
public struct SingBoxCollector: Collector {
    public let name = "sing-box"
    static let patterns = ["/etc/sing-box/*.json", "/usr/local/etc/sing-box/*.json"]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
    }

    /// Outbound and inbound types and the technology each is; `direct`, `block`, `dns`,
    /// `selector` and `urltest` carry nothing abroad, `tun` is no listener.
    static let technologies: [String: String] = [
        "shadowsocks": "shadowsocks", "vmess": "vmess", "vless": "vless", "trojan": "trojan", "hysteria": "hysteria", "hysteria2": "hysteria",
        "tuic": "tuic", "wireguard": "wireguard", "socks": "socks", "http": "http-proxy", "shadowtls": "shadowtls", "anytls": "anytls",
        "mixed": "socks", "redirect": "transparent-proxy", "tproxy": "transparent-proxy", "tor": "tor", "ssh": "ssh",
    ]
    static let udpTypes: Set<String> = ["hysteria", "hysteria2", "tuic", "wireguard"]
    static let localProxies: Set<String> = ["mixed", "socks", "http", "redirect", "tproxy"]

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        guard let object = JSONLines.object(JSONLines.strippingComments(text), path: path, warnings: &result.warnings) else { return result }
        var cursor = JSONLines.Cursor(text)
        for (section, entries) in [("inbounds", object["inbounds"]), ("outbounds", object["outbounds"]), ("endpoints", object["endpoints"])] {
            cursor.move(to: "\"\(section)\"")
            for (index, entry) in ((entries as? [[String: Any]]) ?? []).enumerated() {
                let key = "\(section)[\(index)]"
                guard let type = entry["type"] as? String else {
                    result.warnings.append(InventoryWarning(SourceReference(path, key: key), "an entry without a type"))
                    continue
                }
                let typeLine = cursor.line(["\"type\"", "\"\(type)\""])
                guard let technology = Self.technologies[type] else { continue }
                let source = SourceReference(path, line: typeLine, key: key)
                let tag = entry["tag"] as? String ?? String(index)
                var attributes = ["program": "sing-box", "type": type, "tag": tag]
                if let tls = entry["tls"] as? [String: Any] {
                    if let enabled = tls["enabled"] as? Bool { attributes["tls"] = String(enabled) }
                    if let name = tls["server_name"] as? String { attributes["server-name"] = name }
                }
                if let transport = (entry["transport"] as? [String: Any])?["type"] as? String { attributes["network"] = transport }
                let transport = Self.udpTypes.contains(type) ? "udp" : "tcp"
                switch section {
                case "inbounds":
                    guard let port = JSONLines.port(entry["listen_port"]) else { continue }  // a tun or a listener on no port
                    result.items.append(ConfigItem(
                        technology: technology, role: Self.localProxies.contains(type) ? .proxy : .server, name: "sing-box inbound \(tag)",
                        local: [NetworkEndpoint(host: entry["listen"] as? String ?? "127.0.0.1", port: port, transport: transport)],
                        attributes: attributes, sources: [source]))
                case "endpoints":
                    for (peerIndex, peer) in ((entry["peers"] as? [[String: Any]]) ?? []).enumerated() {
                        let remote = (peer["address"] as? String).map { [NetworkEndpoint(host: $0, port: JSONLines.port(peer["port"]), transport: "udp")] } ?? []
                        let local = JSONLines.port(entry["listen_port"]).map { [NetworkEndpoint(host: "*", port: $0, transport: "udp")] } ?? []
                        result.items.append(.wireGuardPeer(owner: "sing-box endpoint \(tag)", interface: entry["name"] as? String,
                                                           publicKey: peer["public_key"] as? String ?? "", local: local, remote: remote,
                                                           allowedIPs: (peer["allowed_ips"] as? [String]) ?? [], attributes: attributes,
                                                           sources: [source, SourceReference(path, line: typeLine, key: "\(key).peers[\(peerIndex)]")]))
                    }
                default:
                    guard let server = entry["server"] as? String, !server.isEmpty else {
                        result.warnings.append(InventoryWarning(source, "\(type) outbound \(tag) without a server"))
                        continue
                    }
                    let port = JSONLines.port(entry["server_port"])
                    if port == nil { result.warnings.append(InventoryWarning(SourceReference(path, line: typeLine, key: "\(key).server_port"), "\(type) outbound \(tag) without a port number")) }
                    result.items.append(ConfigItem(
                        technology: technology, role: .client, name: "sing-box outbound \(tag)",
                        remote: [NetworkEndpoint(host: server, port: port, transport: transport)], attributes: attributes, sources: [source]))
                }
            }
        }
        return result
    }
}

extension SingBoxCollector: ReferencedConfigurationReader {
    public var referencedPrograms: Set<String> { ["sing-box"] }

    public func collect(referenced path: String, namedBy item: ConfigItem, from system: SystemView) -> CollectorResult {
        system.collectReferenced(path) { parse($0, path: path) }
    }
}
