import Foundation

/// Tunnel and virtual interfaces from the kernel (`ip -d -j link show`, ip-link(8)): WireGuard,
/// VXLAN, Geneve, GRE/GRETAP, IPIP, SIT, IP6TNL, VTI/XFRM, L2TP, MACsec, tun/tap and PPP, with
/// their local and remote addresses and whether they are up.
public struct IPLinkCollector: Collector {
    public let name = "ip-link"
    public let inputs: [CollectorInput] = [.command(["ip", "-d", "-j", "link", "show"], stateFile: "ip-link.json")]

    public init() {}

    /// Interface kinds (ip-link `type`) that are tunnels or overlays, and their technology.
    static let technologies: [String: String] = [
        "wireguard": "wireguard", "vxlan": "vxlan", "geneve": "geneve", "gre": "gre", "gretap": "gre", "ip6gre": "gre",
        "ip6gretap": "gre", "erspan": "gre", "ipip": "ip-in-ip", "sit": "ip-in-ip", "ip6tnl": "ip-in-ip", "vti": "ipsec",
        "vti6": "ipsec", "xfrm": "ipsec", "l2tp": "l2tp", "macsec": "macsec", "tun": "tun", "bareudp": "bareudp",
    ]

    public func collect(from system: SystemView) -> CollectorResult {
        let command = "ip -d -j link show"
        switch system.output(of: ["ip", "-d", "-j", "link", "show"], stateFile: "ip-link.json") {
        case .failure(let failure):
            return CollectorResult(warnings: [InventoryWarning(SourceReference(command), failure.reason)])
        case .success(let text):
            return parse(text, source: command)
        }
    }

    func parse(_ text: String, source: String) -> CollectorResult {
        guard let links = (try? JSONSerialization.jsonObject(with: Data(text.utf8))) as? [[String: Any]] else {
            return CollectorResult(warnings: [InventoryWarning(SourceReference(source), "not the JSON array ip -j prints")])
        }
        var result = CollectorResult()
        for (index, link) in links.enumerated() {
            guard let name = link["ifname"] as? String else { continue }
            let info = link["linkinfo"] as? [String: Any]
            let kind = info?["info_kind"] as? String
            let data = info?["info_data"] as? [String: Any] ?? [:]
            let linkType = link["link_type"] as? String
            let technology: String
            if let kind, let known = Self.technologies[kind] {
                technology = kind == "tun" ? ((data["type"] as? String) == "tap" ? "tap" : "tun") : known
            } else if linkType == "ppp" {
                technology = "ppp"
            } else {
                continue
            }
            let flags = link["flags"] as? [String] ?? []
            var remote: [NetworkEndpoint] = []
            var local: [NetworkEndpoint] = []
            let port = (data["port"] as? Int).flatMap { UInt16(exactly: $0) }
            if let address = data["remote"] as? String, address != "any" { remote.append(NetworkEndpoint(host: address, port: port)) }
            if let group = data["group"] as? String { remote.append(NetworkEndpoint(host: group, port: port)) }
            if let address = data["local"] as? String, address != "any" { local.append(NetworkEndpoint(host: address)) }
            var attributes: [String: String] = [:]
            for key in ["id", "vni", "ttl", "ikey", "okey", "if_id", "encap", "mode"] {
                if let value = data[key] { attributes[key] = "\(value)" }
            }
            result.items.append(ConfigItem(
                technology: technology, role: remote.isEmpty ? .unknown : .siteToSite, name: name, local: local, remote: remote,
                interface: name, isUp: flags.contains("UP"), attributes: attributes,
                sources: [SourceReference(source, key: "[\(index)] \(name)")]))
        }
        return result
    }
}
