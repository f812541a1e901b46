import Foundation

/// Routes into tunnels, from the kernel's routing tables (`ip -j route show table all`,
/// ip-route(8); in a snapshot `state/ip-route.json`) and the policy rules that select them
/// (`ip -j rule show`, ip-rule(8); `state/ip-rule.json`).
///
/// A unicast route whose `dev` is a tunnel interface — by name (wg*, tun*, gre*, vx*, ipsec*,
/// ppp*... `ConfigText.isTunnelInterface`), by kind in `ip -d -j link show`
/// (`state/ip-link.json`), or named by a WireGuard or systemd-networkd configuration —
/// is an item of technology `route`, role forwarding, networks `[dst]`, interface `dev`, source
/// the command and the array index. Attributes: `table`, `gateway`, `protocol`, `metric`,
/// `prefsrc`, and `policy-rules`, the rules whose lookup table holds the route (the rules make
/// no items of their own). `isUp` is false when the kernel flags the route `linkdown`.
public struct IPRouteCollector: Collector {
    public let name = "ip-route"
    static let routeCommand = ["ip", "-j", "route", "show", "table", "all"]
    static let ruleCommand = ["ip", "-j", "rule", "show"]
    static let linkCommand = ["ip", "-d", "-j", "link", "show"]
    public let inputs: [CollectorInput] = [
        .command(routeCommand, stateFile: "ip-route.json"), .command(ruleCommand, stateFile: "ip-rule.json"),
        .command(linkCommand, stateFile: "ip-link.json"),
    ]

    public init() {}

    /// Route types that never carry traffic to another host.
    static let skippedTypes: Set<String> = ["local", "broadcast", "multicast", "anycast", "unreachable", "blackhole", "prohibit", "throw", "nat"]

    public func collect(from system: SystemView) -> CollectorResult {
        var result = CollectorResult()
        var rules: [Rule] = []
        result = result + system.collectCommand(Self.ruleCommand, stateFile: "ip-rule.json", optional: true) { source, text in
            let parsed = parseRules(text, source: source)
            rules = parsed.rules
            return CollectorResult(warnings: parsed.warnings)
        }
        let tunnels = Self.configuredTunnelInterfaces(in: system)
        result = result + system.collectCommand(Self.routeCommand, stateFile: "ip-route.json", optional: true) { source, text in
            parseRoutes(text, source: source, rules: rules, tunnelInterfaces: tunnels)
        }
        return result
    }

    /// Interfaces that the kernel reports as tunnels, and those the tunnel configurations name.
    static func configuredTunnelInterfaces(in system: SystemView) -> Set<String> {
        var names = Set<String>()
        if case .success(let text) = system.output(of: linkCommand, stateFile: "ip-link.json"),
           let links = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] {
            for link in links {
                guard let name = link["ifname"] as? String else { continue }
                let kind = (link["linkinfo"] as? [String: Any])?["info_kind"] as? String
                if let kind, IPLinkCollector.technologies[kind] != nil { names.insert(name) }
                if ["ppp", "none"].contains(link["link_type"] as? String) { names.insert(name) }
            }
        }
        for path in system.files(matching: "/etc/wireguard/*.conf") {
            names.insert(VPNProgram.baseName(path).replacingOccurrences(of: ".conf", with: ""))
        }
        for path in system.files(matching: "/etc/systemd/network/*.netdev") {
            guard case .success(let text) = system.read(path) else { continue }
            let document = INIDocument(text)
            if let kind = document.sections(named: "NetDev").first?.first("Kind")?.value, IPLinkCollector.technologies[kind] != nil,
               let name = document.sections(named: "NetDev").first?.first("Name")?.value {
                names.insert(name)
            }
        }
        return names
    }

    struct Rule {
        var table: String
        var text: String
        var reference: SourceReference
    }

    func parseRules(_ text: String, source: String) -> (rules: [Rule], warnings: [InventoryWarning]) {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            return ([], [InventoryWarning(SourceReference(source, line: JSONLines.failureLine(error, in: text)), "not the JSON that ip -j rule prints")])
        }
        guard let entries = parsed as? [Any] else {
            return ([], [InventoryWarning(SourceReference(source, line: 1), "not the JSON array that ip -j rule prints")])
        }
        var rules: [Rule] = []
        var warnings: [InventoryWarning] = []
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        for (index, element) in entries.enumerated() {
            guard let entry = element as? [String: Any] else {
                warnings.append(InventoryWarning(SourceReference(source, line: lines.count == 1 ? 1 : nil, key: "[\(index)]"), "rule is not a JSON object"))
                continue
            }
            guard let table = entry["table"].map({ "\($0)" }) else { continue }  // goto, nop, blackhole rules
            var words: [String] = []
            if let priority = entry["priority"] { words.append("pref \(priority)") }
            if entry["not"] != nil { words.append("not") }
            if let source = entry["src"] as? String, source != "all" {
                words.append("from \(source)" + ((entry["srclen"]).map { "/\($0)" } ?? ""))
            }
            if let destination = entry["dst"] as? String, destination != "all" {
                words.append("to \(destination)" + ((entry["dstlen"]).map { "/\($0)" } ?? ""))
            }
            for key in ["fwmark", "iif", "oif", "uidrange", "ipproto", "dport", "sport"] {
                if let value = entry[key] { words.append("\(key) \(value)") }
            }
            words.append("lookup \(table)")
            rules.append(Rule(table: table, text: words.joined(separator: " "), reference: SourceReference(source, key: "[\(index)]")))
        }
        return (rules, warnings)
    }

    func parseRoutes(_ text: String, source: String, rules: [Rule] = [], tunnelInterfaces: Set<String> = []) -> CollectorResult {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            return CollectorResult(warnings: [InventoryWarning(SourceReference(source, line: JSONLines.failureLine(error, in: text)), "not the JSON that ip -j route prints")])
        }
        guard let routes = parsed as? [Any] else {
            return CollectorResult(warnings: [InventoryWarning(SourceReference(source, line: 1), "not the JSON array that ip -j route prints")])
        }
        var result = CollectorResult()
        for (index, element) in routes.enumerated() {
            let reference = SourceReference(source, key: "[\(index)]")
            guard let route = element as? [String: Any] else {
                result.warnings.append(InventoryWarning(reference, "route is not a JSON object"))
                continue
            }
            if let type = route["type"] as? String, Self.skippedTypes.contains(type) { continue }
            guard let device = route["dev"] as? String else {
                // Multipath routes list their devices under `nexthops`; a route with neither is odd.
                if route["nexthops"] == nil, route["dst"] != nil {
                    result.warnings.append(InventoryWarning(reference, "route without a dev"))
                }
                continue
            }
            guard ConfigText.isTunnelInterface(device) || tunnelInterfaces.contains(device) else { continue }
            guard let destination = route["dst"] as? String else {
                result.warnings.append(InventoryWarning(reference, "route via \(device) without a dst"))
                continue
            }
            let lower = destination.lowercased()
            if lower.hasPrefix("fe80:") || lower.hasPrefix("ff00:") { continue }
            let gateway = route["gateway"] as? String
            let isV6 = destination.contains(":") || (gateway?.contains(":") ?? false) || ((route["prefsrc"] as? String)?.contains(":") ?? false)
            let network = destination == "default" ? (isV6 ? "::/0" : "0.0.0.0/0") : destination
            let table = route["table"].map { "\($0)" } ?? "main"
            var attributes = ["table": table]
            if let gateway { attributes["gateway"] = gateway }
            for key in ["protocol", "metric", "prefsrc", "scope"] { if let value = route[key] { attributes[key] = "\(value)" } }
            // The rules that send traffic to this route's table, less the default `lookup main`.
            let policy = rules.filter { $0.table == table && $0.text != "pref 32766 lookup main" }
            if !policy.isEmpty { attributes["policy-rules"] = policy.map(\.text).joined(separator: "; ") }
            let flags = route["flags"] as? [String] ?? []
            result.items.append(ConfigItem(
                technology: "route", role: .forwarding,
                name: "route \(network) dev \(device)" + (table == "main" ? "" : " table \(table)"),
                networks: [network], interface: device, isUp: !flags.contains("linkdown"), attributes: attributes,
                sources: [reference] + policy.map(\.reference)))
        }
        return result
    }
}

extension JSONLines {
    /// The line where a JSON parse failed: Foundation names a line on some platforms and a
    /// character offset (`around character 35`) on others.
    static func failureLine(_ error: Error, in text: String) -> Int? {
        if let line = failureLine(error) { return line }
        let description = "\(error)"
        guard let range = description.range(of: "character "), let offset = Int(description[range.upperBound...].prefix { $0.isNumber }) else { return nil }
        return text.utf8.prefix(offset).reduce(1) { $1 == UInt8(ascii: "\n") ? $0 + 1 : $0 }
    }
}
