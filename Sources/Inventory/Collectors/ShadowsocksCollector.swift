import FileSupport
import Foundation

/// shadowsocks-libev configurations (`/etc/shadowsocks-libev/*.json`, the JSON config file of
/// ss-server(1)/ss-local(1)): `server` (a string or a list), `server_port`, `local_address`,
/// `local_port`, `method`, `mode`, `plugin`. A file whose `server` is a wildcard or loopback
/// address is one ss-server listens with; otherwise it is a client of that server, offering a
/// SOCKS5 proxy on `local_port`. `password` is never read.
public struct ShadowsocksCollector: Collector {
    public let name = "shadowsocks"
    static let patterns = ["/etc/shadowsocks-libev/*.json", "/etc/shadowsocks/*.json", "/etc/shadowsocks-rust/*.json"]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    /// Secrets in JSON wherever they stand on a line (user ids, passwords in one-line objects).
    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        SecretRedactor.redact(JSONLines.redactSecrets(text), path: path)
    }

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
    }

    static let listeningHosts: Set<String> = ["0.0.0.0", "::", "::0", "127.0.0.1", "::1", "localhost", "*"]

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        guard let object = JSONLines.object(text, path: path, warnings: &result.warnings) else { return result }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let hosts: [String]
        if let list = object["server"] as? [String] { hosts = list } else if let one = object["server"] as? String { hosts = [one] } else { hosts = [] }
        var sources = [SourceReference(path)]
        if let line = JSONLines.line(containing: ["\"server\""], in: lines) { sources.append(SourceReference(path, line: line, key: "server")) }
        let serverPortLine = JSONLines.line(containing: ["\"server_port\""], in: lines)
        let serverPort = JSONLines.port(object["server_port"])
        if object["server_port"] != nil && serverPort == nil {
            result.warnings.append(InventoryWarning(SourceReference(path, line: serverPortLine, key: "server_port"), "not a port number"))
        }
        if hosts.isEmpty {
            result.warnings.append(InventoryWarning(SourceReference(path), "no \"server\": neither a server nor a client configuration"))
            return result
        }
        if let line = serverPortLine { sources.append(SourceReference(path, line: line, key: "server_port")) }
        let mode = object["mode"] as? String ?? "tcp_only"
        let transport = mode == "udp_only" ? "udp" : "tcp"
        var attributes: [String: String] = ["mode": mode]
        if let method = object["method"] as? String { attributes["method"] = method }
        if let plugin = object["plugin"] as? String { attributes["plugin"] = plugin }
        let name = FilePath(path).fileStem
        if hosts.allSatisfy({ Self.listeningHosts.contains($0) }) {
            result.items.append(ConfigItem(
                technology: "shadowsocks", role: .server, name: name,
                local: hosts.map { NetworkEndpoint(host: $0, port: serverPort, transport: transport) }, attributes: attributes, sources: sources))
        } else {
            var local: [NetworkEndpoint] = []
            if let localPort = JSONLines.port(object["local_port"]) {
                local.append(NetworkEndpoint(host: object["local_address"] as? String ?? "127.0.0.1", port: localPort, transport: "tcp"))
            }
            result.items.append(ConfigItem(
                technology: "shadowsocks", role: .client, name: name, local: local,
                remote: hosts.map { NetworkEndpoint(host: $0, port: serverPort, transport: transport) }, attributes: attributes, sources: sources))
        }
        return result
    }
}

extension ShadowsocksCollector: ReferencedConfigurationReader {
    public var referencedPrograms: Set<String> { ["ss-server", "ss-local", "ss-redir", "ss-tunnel", "ss-manager", "sslocal", "ssserver", "ssmanager"] }

    public func collect(referenced path: String, namedBy item: ConfigItem, from system: SystemView) -> CollectorResult {
        system.collectReferenced(path) { parse($0, path: path) }
    }
}
