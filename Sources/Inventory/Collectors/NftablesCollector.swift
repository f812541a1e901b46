import Foundation

/// Address translation and forwarding in the nftables ruleset (`nft -j list ruleset`, the JSON
/// schema of libnftables-json(5)): rules with `masquerade` or `snat` whose `oifname` is a tunnel
/// interface or whose `ip saddr` is an inside network, and `accept` rules in chains hooked on
/// `forward` that name both `iifname` and `oifname`. They are the evidence that the gateway
/// carries other hosts' traffic: technology `nat` or `forwarding`, role forwarding, attributes
/// `in-interface`, `out-interface`, `source-networks`, `action`.
public struct NftablesCollector: Collector {
    public let name = "nftables"
    public let inputs: [CollectorInput] = [.command(["nft", "-j", "list", "ruleset"], stateFile: "nft-ruleset.json")]

    public init() {}

    /// libnftables-json uses `"key"` for the selector of `meta`, `ct`, `rt` and `socket`
    /// expressions (`{"meta": {"key": "oifname"}}`), never for a secret: redacting it would
    /// leave a snapshot's rules without their interfaces.
    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        SecretRedactor.redact(text, path: path, notSecret: ["key"])
    }

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectCommand(["nft", "-j", "list", "ruleset"], stateFile: "nft-ruleset.json", optional: true) { source, text in
            parse(text, source: source)
        }
    }

    /// The text of a match's right side: a string, a prefix, a set of them.
    static func values(_ right: Any?) -> [String] {
        if let text = right as? String { return [text] }
        if let number = right as? Int { return [String(number)] }
        if let list = right as? [Any] { return list.flatMap(values) }
        if let object = right as? [String: Any] {
            if let prefix = object["prefix"] as? [String: Any], let address = prefix["addr"] as? String, let length = prefix["len"] as? Int {
                return ["\(address)/\(length)"]
            }
            if let set = object["set"] { return values(set) }
            if let range = object["range"] as? [Any] { return [values(range).joined(separator: "-")] }
        }
        return []
    }

    func parse(_ text: String, source: String) -> CollectorResult {
        guard let root = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [String: Any],
              let entries = root["nftables"] as? [[String: Any]] else {
            return CollectorResult(warnings: [InventoryWarning(SourceReference(source), "not the {\"nftables\": [...]} JSON that nft -j prints")])
        }
        var result = CollectorResult()
        var hooks: [String: String] = [:]  // family/table/chain → hook
        for entry in entries {
            if let chain = entry["chain"] as? [String: Any], let hook = chain["hook"] as? String {
                hooks["\(chain["family"] ?? "")/\(chain["table"] ?? "")/\(chain["name"] ?? "")"] = hook
            }
        }
        for (index, entry) in entries.enumerated() {
            guard let rule = entry["rule"] as? [String: Any] else { continue }
            let family = rule["family"] as? String ?? ""
            let table = rule["table"] as? String ?? ""
            let chain = rule["chain"] as? String ?? ""
            let handle = rule["handle"].map { "\($0)" } ?? "?"
            let reference = SourceReference(source, key: "[\(index)] \(family) \(table) \(chain) handle \(handle)")
            guard let expressions = rule["expr"] as? [[String: Any]] else {
                result.warnings.append(InventoryWarning(reference, "rule without an expr list"))
                continue
            }
            var inInterfaces: [String] = []
            var outInterfaces: [String] = []
            var sourceNetworks: [String] = []
            var action: String?
            for expression in expressions {
                if let match = expression["match"] as? [String: Any], let left = match["left"] as? [String: Any] {
                    let op = match["op"] as? String ?? "=="
                    guard op == "==" || op == "in" else { continue }
                    let right = Self.values(match["right"])
                    if let meta = left["meta"] as? [String: Any], let key = meta["key"] as? String {
                        if key == "iifname" || key == "iif" { inInterfaces += right }
                        if key == "oifname" || key == "oif" { outInterfaces += right }
                    } else if let payload = left["payload"] as? [String: Any], payload["field"] as? String == "saddr" {
                        sourceNetworks += right
                    }
                } else if expression.keys.contains("masquerade") {
                    action = "masquerade"
                } else if let snat = expression["snat"] {
                    let address = (snat as? [String: Any]).flatMap { Self.values($0["addr"]).first }
                    action = "snat" + (address.map { " to \($0)" } ?? "")
                } else if expression.keys.contains("accept") {
                    action = action ?? "accept"
                }
            }
            var attributes = ["table": "\(family) \(table)", "chain": chain]
            if !inInterfaces.isEmpty { attributes["in-interface"] = inInterfaces.joined(separator: ",") }
            if !outInterfaces.isEmpty { attributes["out-interface"] = outInterfaces.joined(separator: ",") }
            if !sourceNetworks.isEmpty { attributes["source-networks"] = sourceNetworks.joined(separator: ",") }
            if let action { attributes["action"] = action }
            if let action, action.hasPrefix("masquerade") || action.hasPrefix("snat") {
                let towardTunnel = outInterfaces.contains(where: ConfigText.isTunnelInterface)
                let fromInside = sourceNetworks.contains(where: ConfigText.isInsideNetwork)
                guard towardTunnel || fromInside else { continue }
                result.items.append(ConfigItem(
                    technology: "nat", role: .forwarding, name: "nft \(table) \(chain) \(handle): \(action)" + (outInterfaces.first.map { " via \($0)" } ?? ""),
                    networks: sourceNetworks, interface: outInterfaces.first, attributes: attributes, sources: [reference]))
            } else if action == "accept", hooks["\(family)/\(table)/\(chain)"] == "forward", !inInterfaces.isEmpty, !outInterfaces.isEmpty {
                result.items.append(ConfigItem(
                    technology: "forwarding", role: .forwarding, name: "nft forward \(inInterfaces.joined(separator: ",")) -> \(outInterfaces.joined(separator: ","))",
                    networks: sourceNetworks, interface: outInterfaces.first, attributes: attributes, sources: [reference]))
            }
        }
        return result
    }
}
