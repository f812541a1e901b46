import FileSupport
import Foundation

/// The OpenConnect/AnyConnect-compatible server ocserv (`/etc/ocserv/ocserv.conf`, ocserv(8)
/// configuration: `key = value`, `#` comments): `listen-host`, `tcp-port`, `udp-port`,
/// `ipv4-network` with `ipv4-netmask` (or a prefix), `ipv6-network`, `route` lines (the
/// networks pushed; `default` means all traffic), `auth`, `device`.
public struct OcservCollector: Collector {
    public let name = "ocserv"
    public let inputs: [CollectorInput] = [.files("/etc/ocserv/*.conf")]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(["/etc/ocserv/*.conf"]) { path, text in parse(text, path: path) }
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        let document = INIDocument(text, commentPrefixes: ["#"])
        result.warnings += document.malformedWarnings(path: path, expected: "key = value")
        // ocserv.conf has no sections; `[vhost:NAME]` starts a virtual host that shares the ports.
        let entries = document.sections.flatMap(\.entries)
        func first(_ key: String) -> INIDocument.Entry? { entries.first { $0.key == key } }
        var local: [NetworkEndpoint] = []
        var sources = [SourceReference(path)]
        let host = first("listen-host")?.value ?? "*"
        for (key, transport) in [("tcp-port", "tcp"), ("udp-port", "udp")] {
            guard let entry = first(key) else { continue }
            guard let port = ConfigText.port(entry.value) else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: entry.line, key: key), "not a port number: \(entry.value)"))
                continue
            }
            local.append(NetworkEndpoint(host: host, port: port, transport: transport))
            sources.append(SourceReference(path, line: entry.line, key: key))
        }
        if local.isEmpty {
            result.warnings.append(InventoryWarning(SourceReference(path), "no tcp-port: ocserv does not listen"))
        }
        var attributes: [String: String] = [:]
        var networks: [String] = []
        if let pool = first("ipv4-network") {
            var cidr = pool.value
            if !cidr.contains("/"), let mask = first("ipv4-netmask") {
                if let converted = ConfigText.cidr(pool.value, mask: mask.value) { cidr = converted } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: mask.line, key: "ipv4-netmask"), "not a netmask: \(mask.value)"))
                }
            }
            attributes["ipv4-network"] = cidr
            sources.append(SourceReference(path, line: pool.line, key: "ipv4-network"))
        }
        if let pool = first("ipv6-network") { attributes["ipv6-network"] = pool.value }
        for route in entries where route.key == "route" {
            networks.append(route.value == "default" ? "0.0.0.0/0" : route.value)
            sources.append(SourceReference(path, line: route.line, key: "route"))
        }
        if networks.isEmpty { attributes["default-route"] = "true" }
        for key in ["auth", "device", "max-clients", "default-domain"] {
            if let entry = first(key) { attributes[key] = entry.value }
        }
        result.items.append(ConfigItem(
            technology: "anyconnect", role: .server, name: "ocserv " + FilePath(path).fileStem,
            local: local, networks: networks, interface: first("device")?.value, attributes: attributes, sources: sources))
        return result
    }
}
