import Foundation

/// Legacy `ipsec.conf` connections, as ipsec.conf(5) describes them for strongSwan's starter and
/// for libreswan (`/etc/ipsec.conf`, `/etc/ipsec.d/*.conf`): `conn NAME` sections of indented
/// `key=value` parameters, `conn %default` defaults and `also=` inclusion. `left` is taken as
/// this gateway and `right` as the peer; `leftsubnet`/`rightsubnet` are the networks carried;
/// `auto`, `authby`, `keyexchange`/`ikev2`, `type` become attributes.
/// Connections that `swanctl --list-sas` shows established are marked up.
public struct IPsecConfCollector: Collector {
    public let name = "ipsec-conf"
    static let patterns = ["/etc/ipsec.conf", "/etc/ipsec.d/*.conf", "/etc/strongswan/ipsec.conf"]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        var result = system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
        if case .success(let text) = system.output(of: ["swanctl", "--list-sas"], stateFile: "swanctl-list-sas.txt") {
            let sas = IKESAList.parse(text, source: "swanctl --list-sas").items
            let names = Set(result.items.map(\.name))
            // Only marks this collector's connections; SAs of their own are the swanctl collector's.
            result.items = IKESAList.merge(sas.filter { names.contains($0.name) }, into: result.items, haveState: true)
        }
        return result
    }

    struct Conn {
        var name: String
        var line: Int
        var values: [String: (text: String, line: Int)] = [:]
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        var conns: [Conn] = []
        var current: Conn?
        var inOtherSection = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let number = index + 1
            var line = Substring(raw)
            if let hash = line.firstIndex(of: "#") { line = line[..<hash] }
            guard !line.trimmingCharacters(in: .whitespaces).isEmpty else { continue }
            let indented = line.first == " " || line.first == "\t"
            let words = ConfigText.words(line, comments: ["#"])
            if !indented {
                if let conn = current { conns.append(conn) }
                current = nil
                inOtherSection = false
                switch words.first {
                case "conn" where words.count == 2:
                    current = Conn(name: words[1], line: number)
                case "config", "ca":
                    inOtherSection = true
                case "include", "version":
                    break
                default:
                    result.warnings.append(InventoryWarning(SourceReference(path, line: number), "not a conn, config or ca section header: \(line.prefix(40))"))
                    inOtherSection = true
                }
                continue
            }
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard let equals = trimmed.firstIndex(of: "="), equals != trimmed.startIndex else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: number), "not a key=value parameter: \(trimmed.prefix(40))"))
                continue
            }
            guard !inOtherSection else { continue }
            guard current != nil else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: number), "parameter outside any section"))
                continue
            }
            let key = trimmed[..<equals].trimmingCharacters(in: .whitespaces)
            var value = trimmed[trimmed.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            if value.hasPrefix("\""), value.hasSuffix("\""), value.count >= 2 { value = String(value.dropFirst().dropLast()) }
            current!.values[key] = (value, number)
        }
        if let conn = current { conns.append(conn) }

        let defaults = conns.first { $0.name == "%default" }
        let byName = Dictionary(conns.map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for conn in conns where conn.name != "%default" {
            // Effective values: the conn's own, then also= (one level deep, in order), then %default.
            var values = conn.values
            for also in (conn.values["also"]?.text ?? "").split(separator: " ").map(String.init) {
                guard let included = byName[also] else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: conn.values["also"]!.line, key: "also"), "also=\(also) names no conn in this file"))
                    continue
                }
                values.merge(included.values) { own, _ in own }
            }
            if let defaults { values.merge(defaults.values) { own, _ in own } }
            if values["auto"]?.text == "ignore" { continue }
            var sources = [SourceReference(path, line: conn.line, key: "conn \(conn.name)")]
            func value(_ key: String) -> String? {
                guard let entry = values[key] else { return nil }
                sources.append(SourceReference(path, line: entry.line, key: key))
                return entry.text
            }
            let wildcard: Set<String> = ["%any", "%any6", "%defaultroute", "%opportunistic", "%group", "%opportunisticgroup", "0.0.0.0"]
            let portText = value("rightikeport")
            let remotePort = portText.flatMap(ConfigText.port) ?? 500
            var remote: [NetworkEndpoint] = []
            let right = value("right")
            for host in (right ?? "").split(separator: ",").map(String.init) where !wildcard.contains(host) && !host.isEmpty {
                remote.append(NetworkEndpoint(host: host.hasPrefix("%") ? String(host.dropFirst()) : host, port: remotePort, transport: "udp"))
            }
            var local: [NetworkEndpoint] = []
            for host in (value("left") ?? "").split(separator: ",").map(String.init) where !wildcard.contains(host) && !host.isEmpty {
                local.append(NetworkEndpoint(host: host, port: 500, transport: "udp"))
            }
            var networks: [String] = []
            for key in ["leftsubnet", "rightsubnet", "leftsubnets", "rightsubnets"] {
                for subnet in (value(key) ?? "").split(whereSeparator: { $0 == "," || $0 == " " || $0 == "{" || $0 == "}" }) {
                    if !networks.contains(String(subnet)) { networks.append(String(subnet)) }
                }
            }
            var attributes: [String: String] = [:]
            for key in ["auto", "authby", "keyexchange", "ikev2", "type", "leftauth", "rightauth", "leftcert", "rightid", "leftid", "ike", "esp", "leftsourceip", "rightsourceip"] {
                if let text = values[key]?.text { attributes[key] = text }
            }
            let role: ConfigItem.Role
            if remote.isEmpty {
                role = .server
            } else if values["rightsourceip"] != nil {
                role = .server
            } else if let sourceIP = values["leftsourceip"]?.text, sourceIP.hasPrefix("%config") {
                role = .client
            } else {
                role = .siteToSite
            }
            result.items.append(ConfigItem(
                technology: "ipsec", role: role, name: conn.name, local: local, remote: remote, networks: networks,
                attributes: attributes, sources: sources))
        }
        return result
    }
}
