import Foundation

/// SoftEther VPN Server configuration (`vpn_server.config`, the text form SoftEther VPN writes:
/// `declare NAME { ... }` blocks of `TYPE NAME VALUE` lines with types `bool`, `uint`, `uint64`,
/// `string`, `byte` (base64)). Listeners (`ListenerList/ListenerN` with `Enabled` and `Port`)
/// are the server; each virtual hub's `CascadeList/CascadeN/ClientOption` `Hostname`/`Port`/
/// `HubName` is a site-to-site link to another server; user counts, and the L2TP/IPsec,
/// OpenVPN and SSTP clones become attributes. `redact` replaces every `byte` value and every
/// `string` whose name says secret, which the generic redactor cannot see in this syntax.
///
/// SoftEther VPN Client keeps its connection settings in `vpn_client.config` (the same syntax:
/// `AccountDatabase/AccountN` blocks) and `vpncmd AccountExport` writes one account to a `.vpn`
/// file (a `root` holding `ClientOption` and `ClientAuth` itself). Each account is a client
/// item: `ClientOption` `Hostname`, `Port`, `HubName` and `AccountName`, the `ClientAuth`
/// `Username` and authentication type, and whether it is a startup account; the hashed or plain
/// password is never read.
public struct SoftEtherCollector: Collector {
    public let name = "softether"
    static let patterns = [
        "/usr/libexec/softether/vpnserver/vpn_server.config", "/usr/local/vpnserver/vpn_server.config",
        "/opt/vpnserver/vpn_server.config", "/var/lib/softether/vpn_server.config", "/etc/softether/vpn_server.config",
        "/usr/libexec/softether/vpnclient/vpn_client.config", "/usr/local/vpnclient/vpn_client.config",
        "/opt/vpnclient/vpn_client.config", "/var/lib/softether/vpn_client.config", "/etc/softether/vpn_client.config",
        "/usr/libexec/softether/vpnclient/*.vpn", "/usr/local/vpnclient/*.vpn", "/opt/vpnclient/*.vpn",
        "/var/lib/softether/*.vpn", "/etc/softether/*.vpn", "/root/*.vpn",
    ]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
    }

    final class Block {
        let name: String
        let line: Int
        var values: [String: (type: String, value: String, line: Int)] = [:]
        var children: [Block] = []
        init(name: String, line: Int) { self.name = name; self.line = line }
        func child(_ name: String) -> Block? { children.first { $0.name == name } }
    }

    static let types: Set<String> = ["bool", "uint", "uint64", "string", "byte"]

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        let root = Block(name: "", line: 0)
        var stack = [root]
        var pending: Block?
        // vpnserver writes the file with a UTF-8 byte order mark before its first comment.
        let body = text.hasPrefix("\u{FEFF}") ? String(text.dropFirst()) : text
        for (index, raw) in body.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let number = index + 1
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let words = line.split(separator: " ", maxSplits: 2).map(String.init)
            if words[0] == "declare", words.count == 2 {
                pending = Block(name: words[1], line: number)
            } else if line == "{" {
                guard let block = pending else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: number), "{ without a declare before it"))
                    continue
                }
                stack.last!.children.append(block)
                stack.append(block)
                pending = nil
            } else if line == "}" {
                if stack.count > 1 { stack.removeLast() } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: number), "} without its declare block"))
                }
            } else if Self.types.contains(words[0]), words.count >= 2 {
                stack.last!.values[words[1]] = (words[0], words.count > 2 ? words[2] : "", number)
            } else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: number), "not a declare, { }, or TYPE NAME VALUE line: \(line.prefix(40))"))
            }
        }
        if stack.count > 1 {
            result.warnings.append(InventoryWarning(SourceReference(path, line: stack.last!.line), "declare \(stack.last!.name) is never closed"))
        }
        guard let top = root.child("root") else {
            result.warnings.append(InventoryWarning(SourceReference(path), "no declare root block"))
            return result
        }
        var listeners: [NetworkEndpoint] = []
        var sources = [SourceReference(path, line: top.line, key: "root")]
        for listener in top.child("ListenerList")?.children ?? [] {
            guard listener.values["Enabled"]?.value != "false", let port = listener.values["Port"] else { continue }
            guard let number = ConfigText.port(port.value) else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: port.line, key: "\(listener.name).Port"), "not a port number: \(port.value)"))
                continue
            }
            listeners.append(NetworkEndpoint(host: "*", port: number, transport: "tcp"))
            sources.append(SourceReference(path, line: port.line, key: "\(listener.name).Port"))
        }
        var attributes: [String: String] = [:]
        if let ipsec = top.child("IPsec") {
            for key in ["L2TP_IPsec", "L2TP_Raw", "EtherIP_IPsec"] { if let value = ipsec.values[key] { attributes[key] = value.value } }
        }
        if let server = top.child("ServerConfiguration") {
            for key in ["OpenVPN_Enable", "OpenVPN_UdpPortList", "EnableSSTP"] { if let value = server.values[key] { attributes[key] = value.value } }
        }
        let hubs = top.child("VirtualHUB")?.children ?? []
        attributes["hubs"] = hubs.map(\.name).joined(separator: ",")
        var users = 0
        for hub in hubs { users += hub.child("SecurityAccountDatabase")?.child("UserList")?.children.count ?? 0 }
        attributes["users"] = String(users)
        if !listeners.isEmpty || !hubs.isEmpty {
            result.items.append(ConfigItem(technology: "softether", role: .server, name: "softether server", local: listeners,
                                           attributes: attributes, sources: sources))
        }
        // Client accounts: vpn_client.config's AccountDatabase, or an exported .vpn file's root.
        let accounts = (top.child("AccountDatabase")?.children ?? []) + (top.child("ClientOption") != nil ? [top] : [])
        for account in accounts {
            guard let option = account.child("ClientOption") else { continue }
            guard let host = option.values["Hostname"].map({ (value: Self.unescape($0.value), line: $0.line) }), !host.value.isEmpty else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: option.line, key: "ClientOption"), "client account without a Hostname"))
                continue
            }
            let accountName = option.values["AccountName"].map { Self.unescape($0.value) } ?? account.name
            var accountAttributes: [String: String] = ["account": accountName]
            var accountSources = [SourceReference(path, line: account.line, key: account.name == "root" ? "root" : account.name),
                                  SourceReference(path, line: host.line, key: "Hostname")]
            if let hub = option.values["HubName"] {
                accountAttributes["remote-hub"] = Self.unescape(hub.value)
                accountSources.append(SourceReference(path, line: hub.line, key: "HubName"))
            }
            if let auth = account.child("ClientAuth") {
                if let user = auth.values["Username"] {
                    accountAttributes["user"] = Self.unescape(user.value)
                    accountSources.append(SourceReference(path, line: user.line, key: "Username"))
                }
                if let type = auth.values["AuthType"] { accountAttributes["auth"] = Self.authTypes[type.value] ?? type.value }
            }
            if let startup = account.values["StartupAccount"] { accountAttributes["startup"] = startup.value }
            let port: UInt16
            if let value = option.values["Port"] {
                guard let number = ConfigText.port(value.value) else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: value.line, key: "Port"), "not a port number: \(value.value)"))
                    continue
                }
                port = number
            } else {
                port = 443
            }
            result.items.append(ConfigItem(
                technology: "softether", role: .client, name: "account \(accountName)",
                remote: [NetworkEndpoint(host: host.value, port: port, transport: "tcp")], attributes: accountAttributes, sources: accountSources))
        }
        for hub in hubs {
            for cascade in hub.child("CascadeList")?.children ?? [] {
                guard let option = cascade.child("ClientOption"), let host = option.values["Hostname"] else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: cascade.line, key: cascade.name), "cascade without ClientOption Hostname"))
                    continue
                }
                let port = option.values["Port"].flatMap { ConfigText.port($0.value) } ?? 443
                var cascadeAttributes = ["hub": hub.name]
                if let remoteHub = option.values["HubName"] { cascadeAttributes["remote-hub"] = remoteHub.value }
                if let online = cascade.values["Online"] { cascadeAttributes["online"] = online.value }
                result.items.append(ConfigItem(
                    technology: "softether", role: .siteToSite, name: "cascade \(hub.name)/\(option.values["AccountName"]?.value ?? cascade.name)",
                    remote: [NetworkEndpoint(host: host.value, port: port, transport: "tcp")], attributes: cascadeAttributes,
                    sources: [SourceReference(path, line: cascade.line, key: cascade.name), SourceReference(path, line: host.line, key: "Hostname")]))
            }
        }
        return result
    }

    /// A `string` value as SoftEther writes it: `$` alone is the empty string, `$XX` a byte in
    /// hex (`$20` a space).
    static func unescape(_ value: String) -> String {
        guard value.contains("$") else { return value }
        if value == "$" { return "" }
        var bytes: [UInt8] = []
        var index = value.utf8.startIndex
        let utf8 = value.utf8
        while index < utf8.endIndex {
            let byte = utf8[index]
            let next = utf8.index(after: index)
            if byte == UInt8(ascii: "$"), let end = utf8.index(next, offsetBy: 2, limitedBy: utf8.endIndex),
               let hex = UInt8(String(decoding: utf8[next..<end], as: UTF8.self), radix: 16) {
                bytes.append(hex)
                index = end
            } else {
                bytes.append(byte)
                index = next
            }
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// `ClientAuth` `AuthType` values (SoftEther's CLIENT_AUTHTYPE_*).
    static let authTypes = ["0": "anonymous", "1": "password", "2": "plain-password", "3": "certificate", "4": "smart-card"]

    /// Names of `string` values that are secrets.
    static func isSecretName(_ name: String) -> Bool {
        let lower = name.lowercased()
        return ["password", "secret", "key", "hash", "psk", "token"].contains { lower.contains($0) }
    }

    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let indentation = line.prefix { $0 == " " || $0 == "\t" }
            let words = line.dropFirst(indentation.count).split(separator: " ", maxSplits: 2)
            guard words.count == 3, words[0] == "byte" || (words[0] == "string" && Self.isSecretName(String(words[1]))) else { return String(line) }
            return "\(indentation)\(words[0]) \(words[1]) \(SecretRedactor.marker(for: words[2]))"
        }.joined(separator: "\n")
    }
}
