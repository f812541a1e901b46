import FileSupport
import Foundation
import Yams

/// Clash and its successor mihomo (Clash.Meta), the rule-based proxy clients most often run on
/// gateways in mainland China to send a whole office's traffic abroad: their YAML
/// configuration (`/etc/clash`, `/etc/mihomo`, `/etc/clash-meta`, OpenWrt's `/etc/openclash`,
/// root's `~/.config/clash` and `~/.config/mihomo`, at any depth so the providers' cached
/// server lists are read too).
///
/// Each `proxies[]` entry with a `server` is a client item: its `type` picks the technology (ss,
/// ssr, vmess, vless, trojan, socks5, http, snell, hysteria, hysteria2, tuic, wireguard), with
/// `server`/`port`, `network` and `tls` as attributes. The listeners (`port`, `socks-port`,
/// `mixed-port`, `redir-port`, `tproxy-port`) are proxy items, on every address when
/// `allow-lan` is true (the gateway serves the proxy to its network). A `proxy-providers` entry
/// fetched from a URL is read from its cached copy (`path:`); without one, a warning names the
/// URL's host.
/// Passwords, uuids, keys and tokens are never read into an item.
public struct ClashCollector: Collector {
    public let name = "clash"
    static let patterns = ["/etc/clash/**/*.yaml", "/etc/mihomo/**/*.yaml", "/etc/clash-meta/**/*.yaml", "/etc/openclash/**/*.yaml",
                           "/root/.config/clash/**/*.yaml", "/root/.config/mihomo/**/*.yaml"]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.patterns) { path, text in parse(text, path: path, system: system) }
    }

    /// Clash writes whole proxies on one line (`- {name: a, type: ss, password: x}`), so every
    /// secret member of a line is replaced, and a subscription URL keeps its host and path but
    /// not its query, which holds the subscriber's token.
    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line in
            SecretRedactor.redactValues(matching: Self.urlQuery, in: SecretRedactor.redactValues(matching: Self.secretMember, in: String(line)))
        }.joined(separator: "\n")
    }

    private static let secretMember = try? NSRegularExpression(
        pattern: #"(?:^|[\s{,-])(password|uuid|private-key|pre-shared-key|psk|auth-str|auth|token|obfs-password|secret)\s*:\s*("[^"]*"|'[^']*'|[^\s,}#]+)"#,
        options: [.caseInsensitive])
    private static let urlQuery = try? NSRegularExpression(pattern: #"(url\s*:\s*["']?[a-z]+://[^?\s"']*)\?([^\s"',}]+)"#, options: [.caseInsensitive])

    /// Proxy types and the technology each is; `direct`, `reject` and groups carry nothing abroad.
    static let technologies: [String: String] = [
        "ss": "shadowsocks", "ssr": "shadowsocks", "vmess": "vmess", "vless": "vless", "trojan": "trojan", "socks5": "socks",
        "http": "http-proxy", "snell": "snell", "hysteria": "hysteria", "hysteria2": "hysteria", "tuic": "tuic", "wireguard": "wireguard",
    ]
    static let udpTypes: Set<String> = ["hysteria", "hysteria2", "tuic", "wireguard"]

    /// The listeners and the proxy each serves.
    static let listeners: [(key: String, technology: String)] = [
        ("port", "http-proxy"), ("socks-port", "socks"), ("mixed-port", "socks"), ("redir-port", "transparent-proxy"), ("tproxy-port", "transparent-proxy"),
    ]

    /// `system` tells whether a provider's cached server list is there to be read too.
    func parse(_ text: String, path: String, system: SystemView) -> CollectorResult {
        var result = CollectorResult()
        guard let root = YAMLText.root(text, path: path, warnings: &result.warnings), root.mapping != nil else { return result }
        let program = path.contains("mihomo") || path.contains("clash-meta") ? "mihomo" : "clash"
        result = result + listeners(root, path: path, program: program)
        if let proxies = root["proxies"] {
            for (index, proxy) in (proxies.sequence.map(Array.init) ?? []).enumerated() {
                result = result + self.proxy(proxy, index: index, path: path, program: program)
            }
        }
        for (key, provider) in root["proxy-providers"]?.mapping.map(Array.init) ?? [] {
            guard let name = key.string, provider["type"]?.string == "http", let url = provider["url"]?.string else { continue }
            let cache = provider["path"]?.string.map { FilePath(path).containingDirectory.resolving($0).lexicallyNormalized().string }
            if let cache, case .success = system.read(cache) { continue }  // read as a configuration of its own
            let host = URL(string: url)?.host ?? url
            result.warnings.append(InventoryWarning(SourceReference(path, line: provider["url"]?.mark?.line, key: "proxy-providers.\(name).url"),
                                                    "\(program) fetches the servers of provider \(name) from \(host) when it runs, and no cached copy of them is here"
                                                        + (cache.map { " (path: \($0))" } ?? "")))
        }
        return result
    }

    private func listeners(_ root: Node, path: String, program: String) -> CollectorResult {
        var result = CollectorResult()
        let allowLAN = root["allow-lan"]?.bool ?? false
        let bind = root["bind-address"]?.string ?? "*"
        for (key, technology) in Self.listeners {
            guard let node = root[key] else { continue }
            guard let port = node.string.flatMap(ConfigText.port), port > 0 else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: node.mark?.line, key: key), "not a port number: \(node.string ?? "?")"))
                continue
            }
            result.items.append(ConfigItem(
                technology: technology, role: .proxy, name: "\(program) \(key)",
                local: [NetworkEndpoint(host: allowLAN ? bind : "127.0.0.1", port: port, transport: "tcp")],
                attributes: ["program": program, "allow-lan": String(allowLAN)], sources: [SourceReference(path, line: node.mark?.line, key: key)]))
        }
        return result
    }

    private func proxy(_ node: Node, index: Int, path: String, program: String) -> CollectorResult {
        var result = CollectorResult()
        let key = "proxies[\(index)]"
        let source = SourceReference(path, line: node.mark?.line, key: key)
        guard node.mapping != nil, let type = node["type"]?.string?.lowercased() else {
            result.warnings.append(InventoryWarning(source, "a proxy without a type"))
            return result
        }
        guard let technology = Self.technologies[type] else {
            if !["direct", "reject", "dns", "relay", "select", "url-test", "fallback", "load-balance"].contains(type) {
                result.warnings.append(InventoryWarning(source, "unknown proxy type \(type)"))
            }
            return result
        }
        let name = node["name"]?.string ?? String(index)
        guard let server = node["server"]?.string, !server.isEmpty else {
            result.warnings.append(InventoryWarning(source, "proxy \(name) without a server"))
            return result
        }
        let portNode = node["port"]
        let port = portNode?.string.flatMap(ConfigText.port)
        if port == nil { result.warnings.append(InventoryWarning(SourceReference(path, line: portNode?.mark?.line ?? node.mark?.line, key: "\(key).port"), "proxy \(name) without a port number")) }
        var attributes = ["program": program, "type": type, "proxy": name]
        if let network = node["network"]?.string { attributes["network"] = network }
        if let tls = node["tls"]?.bool { attributes["tls"] = String(tls) }
        if let sni = node["sni"]?.string ?? node["servername"]?.string { attributes["server-name"] = sni }
        result.items.append(ConfigItem(
            technology: technology, role: .client, name: "\(program) proxy \(name)",
            remote: [NetworkEndpoint(host: server, port: port, transport: Self.udpTypes.contains(type) ? "udp" : "tcp")],
            attributes: attributes, sources: [source]))
        return result
    }
}
