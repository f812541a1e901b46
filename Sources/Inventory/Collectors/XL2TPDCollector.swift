import Foundation

/// xl2tpd's L2TP tunnels (`/etc/xl2tpd/xl2tpd.conf`, xl2tpd.conf(5)): `[lns NAME]` sections are
/// servers this gateway runs (address pools from `ip range`, `local ip`), `[lac NAME]` sections
/// are clients of the `lns = HOST` they dial; `[global]` gives `listen-addr` and `port`
/// (default 1701/udp). L2TP carries no encryption of its own: `ipsec saref` notes an IPsec
/// transport under it.
public struct XL2TPDCollector: Collector {
    public let name = "xl2tpd"
    public let inputs: [CollectorInput] = [.files("/etc/xl2tpd/xl2tpd.conf")]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(["/etc/xl2tpd/xl2tpd.conf"]) { path, text in parse(text, path: path) }
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        // `;` starts a comment anywhere on a line; line numbers stay as they are.
        let uncommented = text.split(separator: "\n", omittingEmptySubsequences: false)
            .map { line in String(line.firstIndex(of: ";").map { line[..<$0] } ?? line) }.joined(separator: "\n")
        let document = INIDocument(uncommented)
        result.warnings += document.malformedWarnings(path: path, expected: "[section] or key = value")
        let global = document.sections(named: "global").first
        var port: UInt16 = 1701
        if let entry = global?.first("port") {
            if let value = ConfigText.port(entry.value) { port = value } else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: entry.line, key: "port"), "not a port number: \(entry.value)"))
            }
        }
        let listen = global?.first("listen-addr")?.value ?? "*"
        for section in document.sections {
            let words = section.name.split(separator: " ").map(String.init)
            guard let kind = words.first?.lowercased(), kind == "lns" || kind == "lac" else {
                if section.name.lowercased() != "global" && !section.name.isEmpty {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: section.line), "unknown section [\(section.name)]"))
                }
                continue
            }
            let name = words.count > 1 ? words.dropFirst().joined(separator: " ") : kind
            var attributes: [String: String] = [:]
            var sources = [SourceReference(path, line: section.line, key: "[\(section.name)]")]
            for key in ["pppoptfile", "require authentication", "require chap", "refuse pap", "length bit", "autodial", "redial", "ppp debug"] {
                if let entry = section.first(key) { attributes[key] = entry.value }
            }
            if let saref = global?.first("ipsec saref") { attributes["ipsec saref"] = saref.value }
            if kind == "lns" {
                var networks: [String] = []
                for entry in section.all("ip range") {
                    networks.append(entry.value)
                    sources.append(SourceReference(path, line: entry.line, key: "ip range"))
                }
                if let localIP = section.first("local ip") { attributes["local ip"] = localIP.value }
                result.items.append(ConfigItem(
                    technology: "l2tp", role: .server, name: name, local: [NetworkEndpoint(host: listen, port: port, transport: "udp")],
                    networks: networks, attributes: attributes, sources: sources))
            } else {
                var remote: [NetworkEndpoint] = []
                if let lns = section.first("lns") {
                    sources.append(SourceReference(path, line: lns.line, key: "lns"))
                    remote.append(NetworkEndpoint(host: lns.value, port: 1701, transport: "udp"))
                } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: section.line), "[\(section.name)] has no lns = HOST to dial"))
                }
                result.items.append(ConfigItem(
                    technology: "l2tp", role: .client, name: name, remote: remote, attributes: attributes, sources: sources))
            }
        }
        return result
    }
}
