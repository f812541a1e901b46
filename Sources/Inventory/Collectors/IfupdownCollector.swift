import Foundation

/// Tunnels declared in ifupdown's interface definitions (`/etc/network/interfaces` and
/// `/etc/network/interfaces.d/*`, interfaces(5)): stanzas `iface NAME inet|inet6 METHOD`
/// followed by option lines, `#` comments only at the start of a line, `\` joining lines.
///
/// `iface X inet tunnel` (and `inet6 tunnel`) with `mode gre|gretap|sit|ipip|ip6gre|ip6ip6|
/// ipip6|vti`, `endpoint` (the far end), `local`, `ttl`, `key` is one item. So is every
/// `pre-up`/`up`/`post-up` command that creates a device with `ip link add [name] NAME type
/// vxlan|gre|gretap|geneve|wireguard|ipip|sit|... remote X [local Y] [id N] [dstport N]`
/// (ip-link(8)) or `ip tunnel add NAME mode M remote X` (ip-tunnel(8)); `$IFACE` stands for the
/// stanza's interface. Every item and warning names the file and line.
public struct IfupdownCollector: Collector {
    public let name = "ifupdown"
    static let patterns = ["/etc/network/interfaces", "/etc/network/interfaces.d/*"]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
    }

    /// Stanza keywords (interfaces(5)); any other first word is an option of the current `iface`.
    static let stanzas: Set<String> = ["iface", "mapping", "auto", "source", "source-directory", "no-auto-down", "no-scripts", "rename"]
    static let hookOptions: Set<String> = ["pre-up", "up", "post-up"]
    static let tunnelModes: Set<String> = ["gre", "gretap", "sit", "ipip", "ip6gre", "ip6gretap", "ip6ip6", "ipip6", "ip6tnl", "vti", "vti6", "any"]

    struct Stanza {
        var interface: String
        var family: String
        var method: String
        var line: Int
        var options: [(name: String, words: [String], line: Int)] = []
    }

    /// Logical lines: comments and blanks dropped, `\`-continued lines joined, with the line
    /// where each starts.
    static func logicalLines(_ text: String) -> [(number: Int, words: [String])] {
        var result: [(number: Int, words: [String])] = []
        var pending = ""
        var start = 0
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            var line = raw.trimmingCharacters(in: .whitespaces)
            if pending.isEmpty {
                if line.isEmpty || line.hasPrefix("#") { continue }
                start = index + 1
            }
            let continues = line.hasSuffix("\\")
            if continues { line.removeLast() }
            pending += (pending.isEmpty ? "" : " ") + line
            if !continues {
                result.append((start, ConfigText.words(Substring(pending), comments: [])))
                pending = ""
            }
        }
        if !pending.isEmpty { result.append((start, ConfigText.words(Substring(pending), comments: []))) }
        return result
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        var stanzas: [Stanza] = []
        var current: Stanza?
        var inOtherStanza = false
        for line in Self.logicalLines(text) {
            let keyword = line.words[0]
            if Self.stanzas.contains(keyword) || keyword.hasPrefix("allow-") {
                if let finished = current { stanzas.append(finished) }
                current = nil
                inOtherStanza = keyword == "mapping"
                guard keyword == "iface" else { continue }
                guard line.words.count >= 4 else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: line.number), "iface needs a name, an address family and a method: \(line.words.joined(separator: " "))"))
                    continue
                }
                current = Stanza(interface: line.words[1], family: line.words[2], method: line.words[3], line: line.number)
                continue
            }
            guard current != nil else {
                if !inOtherStanza {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: line.number), "option \(keyword) outside an iface stanza"))
                }
                continue
            }
            current?.options.append((keyword, Array(line.words.dropFirst()), line.number))
        }
        if let finished = current { stanzas.append(finished) }

        for stanza in stanzas {
            if stanza.method == "tunnel" { result = result + tunnelItem(stanza, path: path) }
            for option in stanza.options where Self.hookOptions.contains(option.name) {
                let words = option.words.map { $0.replacingOccurrences(of: "$IFACE", with: stanza.interface).replacingOccurrences(of: "${IFACE}", with: stanza.interface) }
                for command in Self.commands(words) {
                    result = result + commandItem(command, stanza: stanza, hook: option.name, path: path, line: option.line)
                }
            }
        }
        return result
    }

    private func tunnelItem(_ stanza: Stanza, path: String) -> CollectorResult {
        var result = CollectorResult()
        func option(_ name: String) -> (value: String, line: Int)? {
            stanza.options.first { $0.name == name }.flatMap { option in option.words.first.map { ($0, option.line) } }
        }
        var sources = [SourceReference(path, line: stanza.line, key: "iface \(stanza.interface)")]
        guard let mode = option("mode") else {
            result.warnings.append(InventoryWarning(SourceReference(path, line: stanza.line), "tunnel \(stanza.interface) without a mode (gre, sit, ipip...)"))
            return result
        }
        guard Self.tunnelModes.contains(mode.value.lowercased()), let technology = IPLinkCollector.technologies[mode.value.lowercased() == "any" ? "ip6tnl" : mode.value.lowercased()] else {
            result.warnings.append(InventoryWarning(SourceReference(path, line: mode.line, key: "mode"), "unknown tunnel mode \(mode.value)"))
            return result
        }
        sources.append(SourceReference(path, line: mode.line, key: "mode"))
        var remote: [NetworkEndpoint] = []
        if let endpoint = option("endpoint") {
            remote.append(NetworkEndpoint(host: endpoint.value))
            sources.append(SourceReference(path, line: endpoint.line, key: "endpoint"))
        } else {
            result.warnings.append(InventoryWarning(SourceReference(path, line: stanza.line), "tunnel \(stanza.interface) without an endpoint"))
        }
        let local = option("local").map { [NetworkEndpoint(host: $0.value)] } ?? []
        var attributes = ["mode": mode.value, "family": stanza.family]
        for name in ["ttl", "key", "address", "dstaddr", "netmask"] { if let value = option(name) { attributes[name] = value.value } }
        result.items.append(ConfigItem(
            technology: technology, role: remote.isEmpty ? .unknown : .siteToSite, name: stanza.interface, local: local, remote: remote,
            networks: option("address").map { address in [address.value] } ?? [], interface: stanza.interface,
            attributes: attributes, sources: sources))
        return result
    }

    /// A hook line split into its commands at `;`, `&&` and `||`.
    static func commands(_ words: [String]) -> [[String]] {
        var commands: [[String]] = [[]]
        for word in words {
            if [";", "&&", "||", "|"].contains(word) { commands.append([]); continue }
            if word.hasSuffix(";") {
                commands[commands.count - 1].append(String(word.dropLast()))
                commands.append([])
                continue
            }
            commands[commands.count - 1].append(word)
        }
        return commands.filter { !$0.isEmpty }
    }

    /// Words of `ip link add` / `ip tunnel add` that take a value (so the value is not a name).
    static let valueOptions: Set<String> = ["link", "txqueuelen", "txqlen", "address", "broadcast", "brd", "mtu", "index", "numtxqueues",
                                            "numrxqueues", "gso_max_size", "gso_max_segs", "netns", "group", "alias"]

    /// Type-specific arguments whose value is kept.
    static let valueKeys: Set<String> = ["remote", "local", "peer", "group", "id", "vni", "dstport", "key", "ikey", "okey", "ttl", "dev", "mode"]

    private func commandItem(_ command: [String], stanza: Stanza, hook: String, path: String, line: Int) -> CollectorResult {
        // `ip [options] link|tunnel add ...`, also as /sbin/ip or /usr/sbin/ip.
        guard let ipIndex = command.firstIndex(where: { VPNProgram.baseName($0) == "ip" }) else { return CollectorResult() }
        var words = Array(command[(ipIndex + 1)...].drop { $0.hasPrefix("-") })
        guard words.count >= 2, ["link", "l", "tunnel", "tun", "tu"].contains(words[0]), ["add", "a"].contains(words[1]) else { return CollectorResult() }
        let isTunnelCommand = words[0].hasPrefix("tu")
        words.removeFirst(2)
        let reference = SourceReference(path, line: line, key: hook)
        var name: String?
        var kind: String?
        var options: [String: String] = [:]
        var index = 0
        while index < words.count {
            let word = words[index]
            let next = index + 1 < words.count ? words[index + 1] : nil
            if kind == nil, !isTunnelCommand {
                if word == "type" {
                    kind = next
                    index += 2
                    continue
                }
                if word == "name" || word == "dev" { name = next; index += 2; continue }
                if Self.valueOptions.contains(word) { index += 2; continue }
                if name == nil { name = word }
                index += 1
                continue
            }
            if isTunnelCommand, name == nil, !["mode", "remote", "local", "name", "dev", "ttl", "key", "ikey", "okey"].contains(word) {
                name = word
                index += 1
                continue
            }
            if word == "name" { name = next; index += 2; continue }
            // Flags such as `nolearning` take no value, so only known keys take the next word.
            if Self.valueKeys.contains(word), let next {
                options[word] = next
                index += 2
                continue
            }
            index += 1
        }
        if isTunnelCommand { kind = options["mode"] }
        guard let kind else {
            return CollectorResult(warnings: [InventoryWarning(reference, "\(command.joined(separator: " ").prefix(60)): no \(isTunnelCommand ? "mode" : "type")")])
        }
        let lowerKind = kind.lowercased()
        guard let technology = IPLinkCollector.technologies[lowerKind == "any" ? "ip6tnl" : lowerKind] else { return CollectorResult() }
        let interface = name ?? stanza.interface
        var attributes = ["kind": lowerKind, "created-by": "\(stanza.interface) \(hook)"]
        var port: UInt16? = lowerKind == "geneve" ? 6081 : nil
        if let text = options["dstport"] {
            port = ConfigText.port(text)
            if port == nil { return CollectorResult(warnings: [InventoryWarning(reference, "dstport is not a port number: \(text)")]) }
        }
        for key in ["id", "vni", "key", "ikey", "okey", "ttl", "dev"] { if let value = options[key] { attributes[key == "vni" ? "id" : key] = value } }
        var remote: [NetworkEndpoint] = []
        for key in ["remote", "group", "peer"] {
            if let host = options[key], host != "any" {
                remote.append(NetworkEndpoint(host: host, port: port, transport: ["vxlan", "geneve"].contains(lowerKind) ? "udp" : nil))
            }
        }
        var warnings: [InventoryWarning] = []
        if remote.isEmpty, lowerKind != "wireguard" {
            warnings.append(InventoryWarning(reference, "\(lowerKind) device \(interface) without a remote"))
        }
        let local = options["local"].flatMap { $0 == "any" ? nil : [NetworkEndpoint(host: $0)] } ?? []
        return CollectorResult(
            items: [ConfigItem(
                technology: technology, role: remote.isEmpty ? .unknown : .siteToSite, name: interface, local: local, remote: remote,
                interface: interface, attributes: attributes, sources: [reference, SourceReference(path, line: stanza.line, key: "iface \(stanza.interface)")])],
            warnings: warnings)
    }
}
