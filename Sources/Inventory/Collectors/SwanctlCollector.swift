import Foundation

/// strongSwan connections from `swanctl.conf` and `/etc/swanctl/conf.d/*.conf`, read as
/// swanctl.conf(5) and strongswan.conf(5) describe the syntax (`name { key = value }` sections,
/// `#` comments, `include`): one item per `connections.<name>` with `local_addrs`,
/// `remote_addrs`, `remote_port`, `version`, the `auth` of its `local*`/`remote*` rounds and the
/// `local_ts`/`remote_ts` of its `children`. `secrets { }` is never read.
///
/// Live state comes from `swanctl --list-sas` (IKE SAs `name: #N, ESTABLISHED, IKEv2, ...`):
/// a connection with an established SA is up, one without is down, and SAs whose connection
/// is in no file become items of their own.
public struct SwanctlCollector: Collector {
    public let name = "swanctl"
    static let patterns = [
        "/etc/swanctl/swanctl.conf", "/etc/swanctl/conf.d/*.conf",
        "/etc/strongswan/swanctl/swanctl.conf", "/etc/strongswan/swanctl/conf.d/*.conf",
    ]
    public let inputs: [CollectorInput] = patterns.map { .files($0) } + [
        .command(["swanctl", "--list-sas"], stateFile: "swanctl-list-sas.txt"),
        .command(["swanctl", "--list-conns"], stateFile: "swanctl-list-conns.txt"),
    ]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        var result = system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
        let sas = system.collectCommand(["swanctl", "--list-sas"], stateFile: "swanctl-list-sas.txt", optional: true) { source, text in
            IKESAList.parse(text, source: source)
        }
        var loaded: [String: Int] = [:]
        if case .success(let text) = system.output(of: ["swanctl", "--list-conns"], stateFile: "swanctl-list-conns.txt") {
            for (index, line) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated()
            where !(line.first?.isWhitespace ?? true) {
                if let colon = line.firstIndex(of: ":") { loaded[String(line[..<colon])] = index + 1 }
            }
        }
        result.warnings += sas.warnings
        let haveState = (try? system.output(of: ["swanctl", "--list-sas"], stateFile: "swanctl-list-sas.txt").get()) != nil
        result.items = IKESAList.merge(sas.items, into: result.items, haveState: haveState)
        for index in result.items.indices {
            if let line = loaded[result.items[index].name] {
                result.items[index].attributes["loaded"] = "true"
                result.items[index].sources.append(SourceReference("swanctl --list-conns", line: line))
            }
        }
        return result
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        let document = SettingsDocument(text)
        var result = CollectorResult(warnings: document.problems.map {
            InventoryWarning(SourceReference(path, line: $0.line), $0.message)
        })
        guard let connections = document.root.child("connections") else { return result }
        for connection in connections.children {
            var attributes: [String: String] = [:]
            var sources = [SourceReference(path, line: connection.line, key: "connections.\(connection.name)")]
            func list(_ key: String) -> [String] {
                guard let value = connection.values[key] else { return [] }
                sources.append(SourceReference(path, line: value.line, key: key))
                return value.text.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            let remotePort: UInt16
            if let value = connection.values["remote_port"] {
                if let port = ConfigText.port(value.text) {
                    remotePort = port
                } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: value.line, key: "remote_port"), "not a port number: \(value.text)"))
                    remotePort = 500
                }
            } else {
                remotePort = 500
            }
            let wildcard: Set<String> = ["%any", "%any4", "%any6", "0.0.0.0/0", "::/0"]
            let remoteAddresses = list("remote_addrs")
            let remote = remoteAddresses.filter { !wildcard.contains($0) }.map { NetworkEndpoint(host: $0, port: remotePort, transport: "udp") }
            let local = list("local_addrs").filter { !wildcard.contains($0) }.map { NetworkEndpoint(host: $0, port: 500, transport: "udp") }
            if let version = connection.values["version"] { attributes["ike-version"] = version.text }
            for round in connection.children where round.name.hasPrefix("local") || round.name.hasPrefix("remote") {
                if let auth = round.values["auth"] { attributes["\(round.name)-auth"] = auth.text }
                if let certificates = round.values["certs"] { attributes["\(round.name)-certs"] = certificates.text }
                if let id = round.values["id"] { attributes["\(round.name)-id"] = id.text }
            }
            if let pools = connection.values["pools"] { attributes["pools"] = pools.text }
            if let vips = connection.values["vips"] { attributes["vips"] = vips.text }
            var networks: [String] = []
            var children: [String] = []
            for child in connection.child("children")?.children ?? [] {
                children.append(child.name)
                sources.append(SourceReference(path, line: child.line, key: "children.\(child.name)"))
                for key in ["local_ts", "remote_ts"] {
                    for selector in (child.values[key]?.text ?? "").split(separator: ",") {
                        let trimmed = selector.trimmingCharacters(in: .whitespaces)
                        if !trimmed.isEmpty && trimmed != "dynamic" && !networks.contains(trimmed) { networks.append(trimmed) }
                    }
                }
                if let start = child.values["start_action"] { attributes["start_action"] = start.text }
                if let mode = child.values["mode"] { attributes["mode"] = mode.text }
            }
            if !children.isEmpty { attributes["children"] = children.joined(separator: ",") }
            let role: ConfigItem.Role
            if connection.values["pools"] != nil || (remote.isEmpty && !remoteAddresses.isEmpty) || connection.values["remote_addrs"] == nil {
                role = .server
            } else if connection.values["vips"] != nil {
                role = .client
            } else {
                role = .siteToSite
            }
            result.items.append(ConfigItem(
                technology: "ipsec", role: role, name: connection.name, local: local, remote: remote, networks: networks,
                attributes: attributes, sources: sources))
        }
        return result
    }
}

/// strongswan.conf(5)-style settings: `name [: template] {`, `}`, `key = value`, `#` comments,
/// `include PATH`. Every section and value remembers its line.
struct SettingsDocument {
    final class Section {
        let name: String
        let line: Int
        var values: [String: (text: String, line: Int)] = [:]
        var children: [Section] = []
        init(name: String, line: Int) { self.name = name; self.line = line }
        func child(_ name: String) -> Section? { children.first { $0.name == name } }
    }

    let root = Section(name: "", line: 0)
    var problems: [(line: Int, message: String)] = []

    init(_ text: String) {
        var stack = [root]
        var pendingName: (String, Int)?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = Substring(raw)
            if let hash = Self.commentStart(line) { line = line[..<hash] }
            var trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty else { continue }
            if trimmed.hasPrefix("include ") { continue }
            // Several statements may share a line: `local { auth = psk }`.
            while !trimmed.isEmpty {
                if trimmed.hasPrefix("}") {
                    if stack.count > 1 { stack.removeLast() } else { problems.append((number, "a closing } without its section")) }
                    trimmed = String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)
                    continue
                }
                if trimmed.hasPrefix("{"), let (name, line) = pendingName {
                    let section = Section(name: name, line: line)
                    stack.last!.children.append(section)
                    stack.append(section)
                    pendingName = nil
                    trimmed = String(trimmed.dropFirst()).trimmingCharacters(in: .whitespaces)
                    continue
                }
                if let equals = trimmed.firstIndex(of: "="), trimmed.firstIndex(of: "{").map({ equals < $0 }) ?? true {
                    let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
                    var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                    var rest = ""
                    if let close = value.firstIndex(of: "}"), !value.hasPrefix("\"") {
                        rest = String(value[close...])
                        value = value[..<close].trimmingCharacters(in: .whitespaces)
                    }
                    if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
                    if key.isEmpty || key.contains(" ") {
                        problems.append((number, "not a key = value setting: \(trimmed.prefix(40))"))
                    } else {
                        stack.last!.values[key] = (value, number)
                    }
                    trimmed = rest
                    continue
                }
                if let brace = trimmed.firstIndex(of: "{") {
                    var name = trimmed[..<brace].trimmingCharacters(in: .whitespaces)
                    if let colon = name.firstIndex(of: ":") { name = name[..<colon].trimmingCharacters(in: .whitespaces) }
                    if name.isEmpty || name.contains(" ") {
                        problems.append((number, "not a section name: \(trimmed.prefix(40))"))
                    }
                    let section = Section(name: name, line: number)
                    stack.last!.children.append(section)
                    stack.append(section)
                    trimmed = String(trimmed[trimmed.index(after: brace)...]).trimmingCharacters(in: .whitespaces)
                    continue
                }
                if !trimmed.contains(" ") && !trimmed.contains("=") {
                    pendingName = (trimmed, number)  // `name` with its `{` on the next line
                } else {
                    problems.append((number, "neither a section, a key = value setting nor a }: \(trimmed.prefix(40))"))
                }
                trimmed = ""
            }
        }
        if stack.count > 1 {
            problems.append((stack.last!.line, "section \(stack.last!.name) is never closed"))
        }
    }

    private static func commentStart(_ line: Substring) -> Substring.Index? {
        var quoted = false
        for index in line.indices {
            if line[index] == "\"" { quoted.toggle() }
            if line[index] == "#", !quoted { return index }
        }
        return nil
    }
}

/// `swanctl --list-sas` output: one IKE SA per unindented `name: #N, STATE, IKEvN, ...` line,
/// then `local 'id' @ addr[port]` / `remote 'id' @ addr[port]` and indented CHILD SAs with
/// their `local`/`remote` traffic selectors.
enum IKESAList {
    static func parse(_ text: String, source: String) -> CollectorResult {
        var result = CollectorResult()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            let indented = raw.first?.isWhitespace ?? false
            if !indented {
                let fields = line.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
                guard let head = fields.first, let colon = head.firstIndex(of: ":"), fields.count >= 2 else {
                    result.warnings.append(InventoryWarning(SourceReference(source, line: index + 1), "not an IKE SA line: \(line.prefix(40))"))
                    continue
                }
                let name = String(head[..<colon])
                let state = fields[1]
                result.items.append(ConfigItem(
                    technology: "ipsec", role: .siteToSite, name: name, isUp: state == "ESTABLISHED",
                    attributes: ["ike-state": state, "ike-version": fields.count > 2 ? fields[2] : ""],
                    sources: [SourceReference(source, line: index + 1, key: name)]))
                continue
            }
            guard !result.items.isEmpty else { continue }
            let words = line.split(whereSeparator: { $0 == " " }).map(String.init)
            let depth = raw.prefix { $0 == " " }.count
            if depth <= 2, words.first == "local" || words.first == "remote", let at = words.firstIndex(of: "@"), at + 1 < words.count {
                // `addr[port]`
                let address = words[at + 1]
                var endpoint = NetworkEndpoint(host: address, transport: "udp")
                if let open = address.firstIndex(of: "["), address.hasSuffix("]") {
                    endpoint.host = String(address[..<open])
                    endpoint.port = UInt16(address[address.index(after: open)..<address.index(before: address.endIndex)])
                }
                if words[0] == "local" { result.items[result.items.count - 1].local = [endpoint] } else { result.items[result.items.count - 1].remote = [endpoint] }
            } else if depth > 2, words.count == 2, words[0] == "local" || words[0] == "remote" {
                if !result.items[result.items.count - 1].networks.contains(words[1]) { result.items[result.items.count - 1].networks.append(words[1]) }
            }
        }
        return result
    }

    /// Marks configured connections up or down by their SAs; SAs of no configured connection
    /// are kept as items of their own.
    static func merge(_ sas: [ConfigItem], into items: [ConfigItem], haveState: Bool) -> [ConfigItem] {
        var merged = items
        for index in merged.indices where merged[index].technology == "ipsec" {
            let matching = sas.filter { $0.name == merged[index].name }
            if let sa = matching.first(where: { $0.isUp == true }) ?? matching.first {
                merged[index].isUp = sa.isUp
                merged[index].sources += sa.sources
                if merged[index].remote.isEmpty { merged[index].remote = sa.remote }
            } else if haveState {
                merged[index].isUp = false
            }
        }
        let configured = Set(items.map(\.name))
        merged += sas.filter { !configured.contains($0.name) }
        return merged
    }
}

extension SwanctlCollector: ReferencedConfigurationReader {
    public var referencedPrograms: Set<String> { ["swanctl"] }

    /// `swanctl --load-all --file FILE`: a swanctl.conf at another path.
    public func collect(referenced path: String, namedBy item: ConfigItem, from system: SystemView) -> CollectorResult {
        system.collectReferenced(path) { parse($0, path: path) }
    }
}
