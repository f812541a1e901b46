import Foundation

/// The gateway's own addresses (`ip -j addr show`, ip-address(8); in a snapshot
/// `state/ip-addr.json`): a JSON array of interfaces, each with `ifname` and `addr_info`
/// entries of `family`, `local` and `prefixlen`.
///
/// Listed so that `snapshot` keeps them beside the routes and links (reading a snapshot later
/// needs to know which addresses were the gateway's own); they make no items. Output that is
/// not that JSON, and interfaces or addresses without their fields, are warnings.
public struct IPAddrCollector: Collector {
    public let name = "ip-addr"
    static let command = ["ip", "-j", "addr", "show"]
    public let inputs: [CollectorInput] = [.command(command, stateFile: "ip-addr.json")]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectCommand(Self.command, stateFile: "ip-addr.json", optional: true) { source, text in
            CollectorResult(warnings: check(text, source: source))
        }
    }

    /// The warnings for `text`: empty when it is the JSON `ip -j addr show` prints.
    func check(_ text: String, source: String) -> [InventoryWarning] {
        let parsed: Any
        do { parsed = try JSONSerialization.jsonObject(with: Data(text.utf8)) } catch {
            return [InventoryWarning(SourceReference(source, line: JSONLines.failureLine(error, in: text)), "not the JSON that ip -j addr prints")]
        }
        guard let interfaces = parsed as? [Any] else {
            return [InventoryWarning(SourceReference(source, line: 1), "not the JSON array that ip -j addr prints")]
        }
        var warnings: [InventoryWarning] = []
        for (index, element) in interfaces.enumerated() {
            guard let interface = element as? [String: Any], let name = interface["ifname"] as? String else {
                warnings.append(InventoryWarning(SourceReference(source, key: "[\(index)]"), "interface without an ifname"))
                continue
            }
            for (position, address) in (interface["addr_info"] as? [Any] ?? []).enumerated() {
                let info = address as? [String: Any]
                if info?["local"] as? String == nil || info?["prefixlen"] as? Int == nil {
                    warnings.append(InventoryWarning(SourceReference(source, key: "[\(index)].addr_info[\(position)] \(name)"), "address without local and prefixlen"))
                }
            }
        }
        return warnings
    }
}
