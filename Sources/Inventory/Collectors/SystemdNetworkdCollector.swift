import Foundation

/// Virtual network devices systemd-networkd creates (`/etc/systemd/network/*.netdev`,
/// systemd.netdev(5)).
///
/// `[NetDev] Name= Kind=` picks the technology (wireguard, vxlan, geneve, gre, gretap, erspan,
/// ip6gre, ipip, sit, ip6tnl, vti, vti6, xfrm, l2tp; other kinds such as bridge or vlan are
/// not channels and are skipped). The far end is `[VXLAN] Remote=`/`Group=` with `VNI=` and
/// `DestinationPort=`, `[GENEVE] Remote=` with `Id=`, `[Tunnel] Remote= Local=`, `[L2TP]
/// Remote= Local=` with its tunnel ids; WireGuard makes one item per `[WireGuardPeer]` with
/// `Endpoint=` and `AllowedIPs=`, the local port from `[WireGuard] ListenPort=`. `PrivateKey=`
/// and `PresharedKey=` are never read into an item.
public struct SystemdNetworkdCollector: Collector {
    public let name = "systemd-networkd"
    static let pattern = "/etc/systemd/network/*.netdev"
    public let inputs: [CollectorInput] = [.files(pattern)]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles([Self.pattern]) { path, text in parse(text, path: path) }
    }

    /// The section holding the far end for each kind.
    static let endpointSections: [String: String] = [
        "vxlan": "VXLAN", "geneve": "GENEVE", "l2tp": "L2TP", "gre": "Tunnel", "gretap": "Tunnel", "erspan": "Tunnel", "ip6gre": "Tunnel",
        "ip6gretap": "Tunnel", "ipip": "Tunnel", "sit": "Tunnel", "ip6tnl": "Tunnel", "vti": "Tunnel", "vti6": "Tunnel",
    ]

    /// Default UDP ports: VXLAN's IANA port (systemd's default), Geneve's.
    static let defaultPorts: [String: UInt16] = ["vxlan": 4789, "geneve": 6081]

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        let document = INIDocument(text)
        result.warnings += document.malformedWarnings(path: path, expected: "[Section] or Key=Value")
        guard let netdev = document.sections(named: "NetDev").first else {
            result.warnings.append(InventoryWarning(SourceReference(path), "no [NetDev] section"))
            return result
        }
        guard let kindEntry = netdev.first("Kind") else {
            result.warnings.append(InventoryWarning(SourceReference(path, line: netdev.line), "[NetDev] without Kind="))
            return result
        }
        let kind = kindEntry.value.lowercased()
        guard let technology = IPLinkCollector.technologies[kind] else { return result }
        guard let name = netdev.first("Name")?.value, !name.isEmpty else {
            result.warnings.append(InventoryWarning(SourceReference(path, line: netdev.line), "[NetDev] without Name="))
            return result
        }
        let kindSource = SourceReference(path, line: kindEntry.line, key: "Kind")
        if kind == "wireguard" { return result + wireGuard(document, path: path, name: name, kindSource: kindSource) }

        var attributes: [String: String] = ["kind": kind]
        var sources = [kindSource]
        var remote: [NetworkEndpoint] = []
        var local: [NetworkEndpoint] = []
        if let sectionName = Self.endpointSections[kind] {
            guard let section = document.sections(named: sectionName).first else {
                result.warnings.append(InventoryWarning(kindSource, "Kind=\(kindEntry.value) without a [\(sectionName)] section"))
                return result
            }
            var port = Self.defaultPorts[kind]
            for key in ["DestinationPort", "UDPDestinationPort"] {
                guard let entry = section.first(key) else { continue }
                if let value = ConfigText.port(entry.value) { port = value } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: entry.line, key: key), "not a port number: \(entry.value)"))
                }
            }
            let transport: String? = ["vxlan", "geneve"].contains(kind) || section.first("EncapsulationType")?.value.lowercased() == "udp" ? "udp" : nil
            for key in ["Remote", "Group"] {
                guard let entry = section.first(key) else { continue }
                remote.append(NetworkEndpoint(host: entry.value, port: port, transport: transport))
                sources.append(SourceReference(path, line: entry.line, key: key))
            }
            if remote.isEmpty, !["vti", "vti6", "xfrm"].contains(kind) {
                result.warnings.append(InventoryWarning(SourceReference(path, line: section.line), "[\(sectionName)] without Remote="))
            }
            // `Local=` may be an address or a keyword (`any`, `dhcp4`, `static`...).
            if let entry = section.first("Local"), entry.value.contains(".") || entry.value.contains(":") {
                local.append(NetworkEndpoint(host: entry.value))
            }
            for key in ["VNI", "Id", "Key", "InputKey", "OutputKey", "TTL", "TunnelId", "PeerTunnelId", "Mode", "Independent"] {
                if let entry = section.first(key) { attributes[key.lowercased()] = entry.value }
            }
        } else if let xfrm = document.sections(named: "Xfrm").first?.first("InterfaceId") {
            attributes["if_id"] = xfrm.value
        }
        result.items.append(ConfigItem(
            technology: technology, role: remote.isEmpty ? .unknown : .siteToSite, name: name, local: local, remote: remote,
            interface: name, attributes: attributes, sources: sources))
        return result
    }

    private func wireGuard(_ document: INIDocument, path: String, name: String, kindSource: SourceReference) -> CollectorResult {
        var result = CollectorResult()
        let settings = document.sections(named: "WireGuard").first
        let listenPort = settings?.first("ListenPort")
        if let listenPort, UInt16(listenPort.value) == nil, listenPort.value != "auto" {
            result.warnings.append(InventoryWarning(SourceReference(path, line: listenPort.line, key: "ListenPort"), "not a port number: \(listenPort.value)"))
        }
        let local = listenPort.flatMap { UInt16($0.value) }.map { [NetworkEndpoint(host: "*", port: $0, transport: "udp")] } ?? []
        let peers = document.sections(named: "WireGuardPeer")
        if peers.isEmpty { result.warnings.append(InventoryWarning(kindSource, "Kind=wireguard without a [WireGuardPeer] section")) }
        for peer in peers {
            var sources = [kindSource, SourceReference(path, line: peer.line, key: "[WireGuardPeer]")]
            var remote: [NetworkEndpoint] = []
            if let endpoint = peer.first("Endpoint") {
                if let parsed = NetworkEndpoint.parse(endpoint.value, transport: "udp"), parsed.port != nil {
                    remote.append(parsed)
                    sources.append(SourceReference(path, line: endpoint.line, key: "Endpoint"))
                } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: endpoint.line, key: "Endpoint"), "not host:port: \(endpoint.value)"))
                }
            }
            // AllowedIPs= is comma-separated and may be given more than once.
            let allowed = peer.all("AllowedIPs", list: true).flatMap { $0.value.split(separator: " ").map(String.init) }.filter { !$0.isEmpty }
            if let first = peer.first("AllowedIPs") { sources.append(SourceReference(path, line: first.line, key: "AllowedIPs")) }
            let publicKey = peer.first("PublicKey")?.value ?? ""
            if publicKey.isEmpty { result.warnings.append(InventoryWarning(SourceReference(path, line: peer.line), "[WireGuardPeer] without PublicKey=")) }
            var attributes = ["kind": "wireguard"]
            if let keepalive = peer.first("PersistentKeepalive") { attributes["persistent-keepalive"] = keepalive.value }
            if peer.first("PresharedKey") != nil || peer.first("PresharedKeyFile") != nil { attributes["preshared-key"] = "set" }
            result.items.append(.wireGuardPeer(owner: name, interface: name, publicKey: publicKey, local: local, remote: remote,
                                               allowedIPs: allowed, attributes: attributes, sources: sources))
        }
        return result
    }
}
