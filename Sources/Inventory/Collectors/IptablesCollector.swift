import Foundation

/// Address translation and forwarding in `iptables-save` / `ip6tables-save` output (the
/// iptables-restore(8) format: `*table`, `:CHAIN policy`, `-A CHAIN match... -j TARGET`,
/// `COMMIT`): `MASQUERADE` and `SNAT` rules in `nat POSTROUTING` whose `-o` is a tunnel
/// interface or whose `-s` is an inside network, and `ACCEPT` rules in `filter FORWARD` with
/// both `-i` and `-o`. Technology `nat` or `forwarding`, role forwarding, attributes
/// `in-interface`, `out-interface`, `source-networks`, `action`.
public struct IptablesCollector: Collector {
    public let name = "iptables"
    public let inputs: [CollectorInput] = [
        .command(["iptables-save"], stateFile: "iptables-save.txt"),
        .command(["ip6tables-save"], stateFile: "ip6tables-save.txt"),
    ]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectCommand(["iptables-save"], stateFile: "iptables-save.txt", optional: true) { parse($1, source: $0) }
            + system.collectCommand(["ip6tables-save"], stateFile: "ip6tables-save.txt", optional: true) { parse($1, source: $0) }
    }

    func parse(_ text: String, source: String) -> CollectorResult {
        var result = CollectorResult()
        var table: String?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            let reference = SourceReference(source, line: index + 1)
            if line.isEmpty || line.hasPrefix("#") || line.hasPrefix(":") || line == "COMMIT" { continue }
            if line.hasPrefix("*") { table = String(line.dropFirst()); continue }
            let words = ConfigText.words(Substring(line), comments: [])
            guard words.first == "-A", words.count >= 2 else {
                result.warnings.append(InventoryWarning(reference, "not a *table, :chain, -A rule or COMMIT line: \(line.prefix(40))"))
                continue
            }
            guard let table else {
                result.warnings.append(InventoryWarning(reference, "rule before any *table line"))
                continue
            }
            let chain = words[1]
            var options: [String: String] = [:]
            var negated = false
            var position = 2
            while position < words.count {
                let word = words[position]
                if word == "!" { negated = true; position += 1; continue }
                if word.hasPrefix("-"), position + 1 < words.count, !words[position + 1].hasPrefix("-") || words[position + 1] == "-" {
                    if !negated { options[word] = options[word] ?? words[position + 1] }
                    negated = false
                    position += 2
                } else {
                    position += 1
                }
            }
            let inInterface = options["-i"] ?? options["--in-interface"]
            let outInterface = options["-o"] ?? options["--out-interface"]
            let sourceNetwork = options["-s"] ?? options["--source"]
            let target = options["-j"] ?? options["--jump"]
            var attributes = ["table": table, "chain": chain]
            if let inInterface { attributes["in-interface"] = inInterface }
            if let outInterface { attributes["out-interface"] = outInterface }
            if let sourceNetwork { attributes["source-networks"] = sourceNetwork }
            let networks = sourceNetwork.map { [$0] } ?? []
            if table == "nat", chain == "POSTROUTING", target == "MASQUERADE" || target == "SNAT" {
                let towardTunnel = outInterface.map(ConfigText.isTunnelInterface) ?? false
                let fromInside = sourceNetwork.map(ConfigText.isInsideNetwork) ?? false
                guard towardTunnel || fromInside else { continue }
                let action = target == "SNAT" ? "snat" + (options["--to-source"].map { " to \($0)" } ?? "") : "masquerade"
                attributes["action"] = action
                result.items.append(ConfigItem(
                    technology: "nat", role: .forwarding, name: "iptables nat POSTROUTING line \(index + 1): \(action)" + (outInterface.map { " via \($0)" } ?? ""),
                    networks: networks, interface: outInterface, attributes: attributes, sources: [reference]))
            } else if table == "filter", chain == "FORWARD", target == "ACCEPT", let inInterface, let outInterface {
                attributes["action"] = "accept"
                result.items.append(ConfigItem(
                    technology: "forwarding", role: .forwarding, name: "iptables forward \(inInterface) -> \(outInterface)",
                    networks: networks, interface: outInterface, attributes: attributes, sources: [reference]))
            }
        }
        return result
    }
}
