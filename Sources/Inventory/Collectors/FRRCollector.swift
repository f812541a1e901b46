import Foundation

/// BGP sessions in FRRouting's integrated configuration (`/etc/frr/frr.conf`, or a split
/// `bgpd.conf`), as the FRR user guide's BGP chapter writes it: `router bgp ASN [vrf NAME]`
/// blocks with `neighbor PEER remote-as ASN|internal|external`, `neighbor PEER description
/// TEXT`, `neighbor PEER peer-group GROUP` (a peer group's settings are inherited), `neighbor
/// IFNAME interface`, `bgp router-id`, and `network` statements under `address-family`.
/// `interface NAME` blocks with `ip address` tie a neighbor to the interface on its subnet.
/// Each neighbor is a hand-off: technology `bgp`, attributes `remote-as`, `local-as`,
/// `description`. `neighbor ... password` is never read.
public struct FRRCollector: Collector {
    public let name = "frr"
    static let patterns = ["/etc/frr/frr.conf", "/etc/frr/bgpd.conf", "/etc/quagga/bgpd.conf"]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
    }

    struct Neighbor {
        var peer: String
        var line: Int
        var values: [String: String] = [:]
        var sources: [SourceReference] = []
        var isGroup = false
        var isInterface = false
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        var interfaces: [(name: String, addresses: [String])] = []
        var localAS: String?
        var routerID: String?
        var neighbors: [Neighbor] = []
        var advertised: [String] = []
        var block = ""  // "interface", "router bgp", other top-level block, or ""
        var vrf: String?
        for line in ConfigText.lines(text, comments: ["!", "#"]) {
            let words = line.words
            let reference = SourceReference(path, line: line.number, key: words.prefix(3).joined(separator: " "))
            switch words[0] {
            case "interface" where words.count >= 2:
                block = "interface"
                interfaces.append((words[1], []))
                continue
            case "router" where words.count >= 2:
                block = "router " + words[1]
                if words[1] == "bgp" {
                    guard words.count >= 3, UInt32(words[2]) != nil else {
                        result.warnings.append(InventoryWarning(reference, "router bgp needs an AS number: \(line.text)"))
                        block = "router bgp ?"
                        continue
                    }
                    localAS = words[2]
                    if let index = words.firstIndex(of: "vrf"), index + 1 < words.count { vrf = words[index + 1] }
                }
                continue
            case "exit", "end":
                if !(line.text.hasPrefix(" ")) && line.text == words[0] { block = "" }
                continue
            default:
                break
            }
            if block == "interface", words[0] == "ip" || words[0] == "ipv6", words.count >= 3, words[1] == "address" {
                interfaces[interfaces.count - 1].addresses.append(words[2])
                continue
            }
            guard block == "router bgp" else { continue }
            if words[0] == "bgp", words.count >= 3, words[1] == "router-id" { routerID = words[2]; continue }
            if words[0] == "network", words.count >= 2 { advertised.append(words[1]); continue }
            guard words[0] == "neighbor" else { continue }
            guard words.count >= 3 else {
                result.warnings.append(InventoryWarning(reference, "neighbor statement without a setting: \(line.text)"))
                continue
            }
            let peer = words[1]
            var index = neighbors.firstIndex { $0.peer == peer } ?? { neighbors.append(Neighbor(peer: peer, line: line.number)); return neighbors.count - 1 }()
            let setting = words[2]
            let value = words.dropFirst(3).joined(separator: " ")
            switch setting {
            case "remote-as":
                guard UInt32(value) != nil || value == "internal" || value == "external" else {
                    result.warnings.append(InventoryWarning(reference, "remote-as is neither an AS number nor internal/external: \(value)"))
                    continue
                }
                neighbors[index].values["remote-as"] = value
                neighbors[index].sources.append(reference)
            case "peer-group":
                if value.isEmpty { neighbors[index].isGroup = true } else { neighbors[index].values["peer-group"] = value }
            case "interface":
                neighbors[index].isInterface = true
                if words.count >= 5, words[3] == "remote-as" { neighbors[index].values["remote-as"] = words[4] }
                neighbors[index].sources.append(reference)
            case "password":
                neighbors[index].values["password"] = "set"
            case "description", "update-source", "ebgp-multihop", "local-as", "shutdown", "bfd", "port", "ttl-security":
                neighbors[index].values[setting] = value.isEmpty ? "true" : value
            case "activate", "route-map", "prefix-list", "soft-reconfiguration", "next-hop-self", "default-originate", "capability", "timers",
                 "advertisement-interval", "filter-list", "maximum-prefix", "remove-private-AS", "send-community", "allowas-in", "enforce-first-as":
                index = index + 0
            default:
                result.warnings.append(InventoryWarning(reference, "unknown neighbor setting \(setting)"))
            }
        }
        let groups = Dictionary(neighbors.filter(\.isGroup).map { ($0.peer, $0) }, uniquingKeysWith: { first, _ in first })
        for neighbor in neighbors where !neighbor.isGroup {
            var values = neighbor.values
            if let group = values["peer-group"] {
                if let inherited = groups[group] { values.merge(inherited.values) { own, _ in own } } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: neighbor.line), "neighbor \(neighbor.peer) is in peer-group \(group), which is not defined"))
                }
            }
            if values["remote-as"] == nil {
                result.warnings.append(InventoryWarning(SourceReference(path, line: neighbor.line), "neighbor \(neighbor.peer) has no remote-as"))
            }
            var attributes = values
            attributes["local-as"] = values["local-as"] ?? localAS
            if let routerID { attributes["router-id"] = routerID }
            if let vrf { attributes["vrf"] = vrf }
            if !advertised.isEmpty { attributes["advertised"] = advertised.joined(separator: ",") }
            let interface = neighbor.isInterface ? neighbor.peer : interfaces.first { entry in
                entry.addresses.contains { IPv4Subnet.contains($0, neighbor.peer) }
            }?.name
            result.items.append(ConfigItem(
                technology: "bgp", role: .handOff, name: "bgp \(neighbor.peer)" + (values["description"].map { " (\($0))" } ?? ""),
                remote: neighbor.isInterface ? [] : [NetworkEndpoint(host: neighbor.peer, port: 179, transport: "tcp")],
                networks: [], interface: interface, attributes: attributes.compactMapValues { $0 },
                sources: [SourceReference(path, line: neighbor.line, key: "neighbor \(neighbor.peer)")] + neighbor.sources))
        }
        return result
    }
}

/// IPv4 prefix arithmetic for matching a peer to an interface address.
enum IPv4Subnet {
    static func value(_ address: String) -> UInt32? {
        let parts = address.split(separator: ".")
        guard parts.count == 4 else { return nil }
        var value: UInt32 = 0
        for part in parts {
            guard let octet = UInt8(part) else { return nil }
            value = value << 8 | UInt32(octet)
        }
        return value
    }

    /// Whether `address` is inside `prefix` (`198.51.100.2/30`).
    static func contains(_ prefix: String, _ address: String) -> Bool {
        let parts = prefix.split(separator: "/")
        guard parts.count == 2, let base = value(String(parts[0])), let length = Int(parts[1]), (0...32).contains(length),
              let candidate = value(address) else { return false }
        let mask: UInt32 = length == 0 ? 0 : ~UInt32(0) << UInt32(32 - length)
        return base & mask == candidate & mask
    }
}
