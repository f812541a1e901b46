import FileSupport
import Foundation
import TOMLKit

/// frp, the reverse proxy that publishes services behind a gateway through a server elsewhere
/// (内网穿透): its configuration in TOML (frp 0.52 and later: `serverAddr`, `[[proxies]]`) or
/// the earlier INI (`[common] server_addr`, one section per proxy), under `/etc/frp` and
/// `/usr/local/etc/frp`, or wherever a running `frpc`/`frps` names it.
///
/// A client file (`serverAddr`) is one client item to the server (`serverPort`, 7000 by default;
/// UDP for the `kcp` and `quic` protocols) whose attributes say which local services it publishes
/// there (`type name local→remote port or domain`). A server file (`bindPort`, no `serverAddr`) is
/// one server item on `bindAddr:bindPort`, with its KCP/QUIC ports and virtual-host ports as
/// attributes. Tokens and secret keys are never read into an item.
public struct FRPCollector: Collector {
    public let name = "frp"
    static let patterns = ["/etc/frp/*.toml", "/etc/frp/*.ini", "/usr/local/etc/frp/*.toml", "/usr/local/etc/frp/*.ini"]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
    }

    /// frp names its secrets `auth.token`, `token`, `secretKey`/`sk`, `auth.oidc.clientSecret`:
    /// dotted or camel-cased keys the general redactor does not take for secrets.
    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        SecretRedactor.redact(text, path: path).split(separator: "\n", omittingEmptySubsequences: false).map {
            SecretRedactor.redactValues(matching: Self.secretEntry, in: String($0))
        }.joined(separator: "\n")
    }

    private static let secretEntry = try? NSRegularExpression(
        pattern: #"^\s*((?:[A-Za-z0-9_]+\.)*(?:token|secretKey|secret_key|sk|password|clientSecret|client_secret))\s*=\s*("[^"]*"|'[^']*'|\S+)"#,
        options: [.caseInsensitive])

    /// What either format says, in the TOML format's names.
    struct Settings {
        struct Proxy {
            var name: String
            var type: String
            var local: String?
            var published: String?
        }

        var serverAddr: String?
        var serverPort: String?
        var transport: String?
        var bindAddr: String?
        var bindPort: String?
        var extraPorts: [String: String] = [:]
        var proxies: [Proxy] = []
        var visitors = 0
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        let settings: Settings
        if path.hasSuffix(".ini") {
            let document = INIDocument(text)
            result.warnings += document.malformedWarnings(path: path, expected: "[section] or key = value")
            settings = Self.settings(ini: document)
        } else {
            do {
                settings = Self.settings(toml: try TOMLTable(string: text))
            } catch let error as TOMLParseError {
                result.warnings.append(InventoryWarning(SourceReference(path, line: error.source.begin.line), "not valid TOML: \(error.description)"))
                return result
            } catch {
                result.warnings.append(InventoryWarning(SourceReference(path), "not valid TOML: \(error)"))
                return result
            }
        }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        func source(_ keys: [String]) -> SourceReference {
            for key in keys {
                if let line = lines.firstIndex(where: { $0.trimmingCharacters(in: .whitespaces).hasPrefix(key) }) { return SourceReference(path, line: line + 1, key: key) }
            }
            return SourceReference(path)
        }
        var attributes: [String: String] = [:]
        for (key, value) in settings.extraPorts { attributes[key] = value }
        if let transport = settings.transport { attributes["protocol"] = transport }
        if let host = settings.serverAddr {
            let port = settings.serverPort.map { ConfigText.port($0) } ?? 7000
            if port == nil { result.warnings.append(InventoryWarning(source(["serverPort", "server_port"]), "not a port number: \(settings.serverPort ?? "")")) }
            attributes["program"] = "frpc"
            attributes["proxies"] = String(settings.proxies.count)
            if !settings.proxies.isEmpty {
                attributes["publishes"] = settings.proxies.map { "\($0.type) \($0.name) \($0.local ?? "?")→\($0.published ?? "?")" }.joined(separator: "; ")
            }
            if settings.visitors > 0 { attributes["visitors"] = String(settings.visitors) }
            let transport = ["kcp", "quic"].contains(settings.transport ?? "") ? "udp" : "tcp"
            result.items.append(ConfigItem(
                technology: "frp", role: .client, name: "frpc \(FilePath(path).fileStem)",
                remote: [NetworkEndpoint(host: host, port: port, transport: transport)], attributes: attributes,
                sources: [source(["serverAddr", "server_addr"])] + (settings.serverPort == nil ? [] : [source(["serverPort", "server_port"])])))
        } else if let bindPort = settings.bindPort {
            guard let port = ConfigText.port(bindPort) else {
                result.warnings.append(InventoryWarning(source(["bindPort", "bind_port"]), "not a port number: \(bindPort)"))
                return result
            }
            attributes["program"] = "frps"
            result.items.append(ConfigItem(
                technology: "frp", role: .server, name: "frps \(FilePath(path).fileStem)",
                local: [NetworkEndpoint(host: settings.bindAddr ?? "0.0.0.0", port: port, transport: "tcp")], attributes: attributes,
                sources: [source(["bindPort", "bind_port"])]))
        } else {
            result.warnings.append(InventoryWarning(SourceReference(path), "neither serverAddr (a client) nor bindPort (a server): not an frp configuration"))
        }
        return result
    }

    static func settings(toml table: TOMLTable) -> Settings {
        func text(_ value: TOMLValueConvertible?) -> String? { value?.string ?? value?.int.map(String.init) }
        var settings = Settings()
        settings.serverAddr = text(table["serverAddr"])
        settings.serverPort = text(table["serverPort"])
        settings.transport = text(table["transport"]?.table?["protocol"])
        settings.bindAddr = text(table["bindAddr"])
        settings.bindPort = text(table["bindPort"])
        for key in ["kcpBindPort", "quicBindPort", "vhostHTTPPort", "vhostHTTPSPort"] {
            if let value = text(table[key]) { settings.extraPorts[key] = value }
        }
        for proxy in table["proxies"]?.array?.compactMap(\.table) ?? [] {
            let local = text(proxy["localPort"]).map { "\(text(proxy["localIP"]) ?? "127.0.0.1"):\($0)" }
            let domains = proxy["customDomains"]?.array?.compactMap(\.string) ?? []
            let published = text(proxy["remotePort"]).map { ":\($0)" } ?? (domains.isEmpty ? text(proxy["subdomain"]) : domains.joined(separator: ","))
            settings.proxies.append(.init(name: text(proxy["name"]) ?? "?", type: text(proxy["type"]) ?? "tcp", local: local, published: published))
        }
        settings.visitors = table["visitors"]?.array?.count ?? 0
        return settings
    }

    static func settings(ini document: INIDocument) -> Settings {
        var settings = Settings()
        let common = document.sections(named: "common").first
        settings.serverAddr = common?.first("server_addr")?.value
        settings.serverPort = common?.first("server_port")?.value
        settings.transport = common?.first("protocol")?.value
        settings.bindAddr = common?.first("bind_addr")?.value
        settings.bindPort = common?.first("bind_port")?.value
        for (key, name) in [("kcp_bind_port", "kcpBindPort"), ("quic_bind_port", "quicBindPort"), ("vhost_http_port", "vhostHTTPPort"), ("vhost_https_port", "vhostHTTPSPort")] {
            if let value = common?.first(key)?.value { settings.extraPorts[name] = value }
        }
        for section in document.sections where section.name.lowercased() != "common" {
            if section.first("role")?.value == "visitor" {
                settings.visitors += 1
                continue
            }
            let local = section.first("local_port").map { "\(section.first("local_ip")?.value ?? "127.0.0.1"):\($0.value)" }
            let published = section.first("remote_port").map { ":\($0.value)" } ?? section.first("custom_domains")?.value ?? section.first("subdomain")?.value
            settings.proxies.append(.init(name: section.name, type: section.first("type")?.value ?? "tcp", local: local, published: published))
        }
        return settings
    }
}

extension FRPCollector: ReferencedConfigurationReader {
    public var referencedPrograms: Set<String> { ["frpc", "frps"] }

    public func collect(referenced path: String, namedBy item: ConfigItem, from system: SystemView) -> CollectorResult {
        system.collectReferenced(path) { parse($0, path: path) }
    }
}
