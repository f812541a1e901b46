import FileSupport
import Foundation
import Yams

/// Tunnels declared to Netplan (`/etc/netplan/*.yaml`, `/lib/netplan/*.yaml`, `/run/netplan/*.yaml`:
/// the YAML of netplan(5), which Ubuntu renders into systemd-networkd or NetworkManager at boot,
/// so on such a gateway the rendered `.netdev` files are not under `/etc`).
///
/// Each `network.tunnels.<id>` is one item; its `mode` picks the technology (sit, ipip, ipip6,
/// ip6ip6, gre, ip6gre, gretap, ip6gretap, vti, vti6, vxlan, wireguard) and `remote`/`local` the
/// ends, with `key`/`keys` (GRE keys), `ttl`, and for VXLAN `id` and `port`. A WireGuard tunnel
/// makes one item per `peers[]` entry with its `endpoint`, `allowed-ips` and `keepalive`, the
/// local port from `port`. Private keys and pre-shared keys are never read into an item.
public struct NetplanCollector: Collector {
    public let name = "netplan"
    static let patterns = ["/etc/netplan/*.yaml", "/lib/netplan/*.yaml", "/run/netplan/*.yaml"]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
    }

    /// Netplan writes WireGuard key material as `private:` (under `key:` or `keys:`) and a peer's
    /// pre-shared key as `shared:`, names the general redactor does not treat as secrets.
    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        SecretRedactor.redact(text, path: path).split(separator: "\n", omittingEmptySubsequences: false).map { line in
            // A value starting with "/" is a key file's path: the file holds the key.
            SecretRedactor.redactValues(matching: Self.keyMaterial, in: String(line)) { $0.hasPrefix("/") }
        }.joined(separator: "\n")
    }

    private static let keyMaterial = try? NSRegularExpression(pattern: #"(?:^|[\s{,])(private|shared)\s*:\s*("[^"]*"|'[^']*'|[^\s,}#]+)"#)

    /// Netplan's tunnel modes and the technology each is.
    static let technologies: [String: String] = [
        "sit": "ip-in-ip", "ipip": "ip-in-ip", "ipip6": "ip-in-ip", "ip6ip6": "ip-in-ip", "isatap": "ip-in-ip",
        "gre": "gre", "ip6gre": "gre", "gretap": "gre", "ip6gretap": "gre", "vti": "ipsec", "vti6": "ipsec",
        "vxlan": "vxlan", "wireguard": "wireguard",
    ]

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        guard let root = YAMLText.root(text, path: path, warnings: &result.warnings), let network = root["network"] else { return result }
        guard let tunnels = network["tunnels"] else { return result }
        guard let entries = tunnels.mapping else {
            result.warnings.append(InventoryWarning(SourceReference(path, line: tunnels.mark?.line, key: "network.tunnels"), "not a mapping of tunnel ids"))
            return result
        }
        for (key, tunnel) in entries {
            guard let id = key.string else { continue }
            result = result + self.tunnel(id, tunnel, path: path)
        }
        return result
    }

    private func tunnel(_ id: String, _ node: Node, path: String) -> CollectorResult {
        var result = CollectorResult()
        let keyPath = "network.tunnels.\(id)"
        func source(_ node: Node?, _ key: String) -> SourceReference { SourceReference(path, line: node?.mark?.line, key: "\(keyPath).\(key)") }
        guard node.mapping != nil else {
            result.warnings.append(InventoryWarning(source(node, ""), "not a mapping"))
            return result
        }
        guard let modeNode = node["mode"], let mode = modeNode.string?.lowercased() else {
            result.warnings.append(InventoryWarning(SourceReference(path, line: node.mark?.line, key: keyPath), "a tunnel without mode"))
            return result
        }
        guard let technology = Self.technologies[mode] else {
            result.warnings.append(InventoryWarning(source(modeNode, "mode"), "unknown tunnel mode \(mode)"))
            return result
        }
        let modeSource = source(modeNode, "mode")
        var port: UInt16?
        if let portNode = node["port"] {
            port = portNode.string.flatMap(ConfigText.port)
            if port == nil { result.warnings.append(InventoryWarning(source(portNode, "port"), "not a port number: \(portNode.string ?? "?")")) }
        }
        if mode == "wireguard" { return result + wireGuard(id, node, path: path, listenPort: port, modeSource: modeSource) }

        var attributes = ["kind": mode]
        var sources = [modeSource]
        var remote: [NetworkEndpoint] = []
        var local: [NetworkEndpoint] = []
        let transport: String? = mode == "vxlan" ? "udp" : nil
        if let remoteNode = node["remote"], let host = remoteNode.string {
            remote.append(NetworkEndpoint(host: host, port: mode == "vxlan" ? port ?? 4789 : nil, transport: transport))
            sources.append(source(remoteNode, "remote"))
        }
        if let localNode = node["local"], let host = localNode.string {
            local.append(NetworkEndpoint(host: host))
            sources.append(source(localNode, "local"))
        }
        if remote.isEmpty, !["vti", "vti6", "isatap"].contains(mode) {
            result.warnings.append(InventoryWarning(SourceReference(path, line: node.mark?.line, key: keyPath), "a \(mode) tunnel without remote"))
        }
        // Named as the systemd-networkd collector names what Netplan renders these into.
        for (name, attribute) in [("ttl", "ttl"), ("id", "vni"), ("link", "link"), ("key", "key")] {
            if let value = node[name]?.string { attributes[attribute] = value }
        }
        for direction in ["input", "output"] {
            if let key = node["keys"]?[direction]?.string { attributes["\(direction)key"] = key }
        }
        result.items.append(ConfigItem(
            technology: technology, role: remote.isEmpty ? .unknown : .siteToSite, name: id, local: local, remote: remote,
            interface: id, attributes: attributes, sources: sources))
        return result
    }

    private func wireGuard(_ id: String, _ node: Node, path: String, listenPort: UInt16?, modeSource: SourceReference) -> CollectorResult {
        var result = CollectorResult()
        let keyPath = "network.tunnels.\(id)"
        let local = listenPort.map { [NetworkEndpoint(host: "*", port: $0, transport: "udp")] } ?? []
        let peers = node["peers"]?.sequence.map(Array.init) ?? []
        if peers.isEmpty { result.warnings.append(InventoryWarning(modeSource, "a wireguard tunnel without peers")) }
        for (index, peer) in peers.enumerated() {
            let peerPath = "\(keyPath).peers[\(index)]"
            var sources = [modeSource, SourceReference(path, line: peer.mark?.line, key: peerPath)]
            var remote: [NetworkEndpoint] = []
            if let endpointNode = peer["endpoint"], let text = endpointNode.string {
                if let endpoint = NetworkEndpoint.parse(text, transport: "udp"), endpoint.port != nil {
                    remote.append(endpoint)
                    sources.append(SourceReference(path, line: endpointNode.mark?.line, key: "\(peerPath).endpoint"))
                } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: endpointNode.mark?.line, key: "\(peerPath).endpoint"), "not host:port: \(text)"))
                }
            }
            let allowed = peer["allowed-ips"]?.sequence?.compactMap(\.string) ?? []
            let publicKey = peer["keys"]?["public"]?.string ?? ""
            if publicKey.isEmpty { result.warnings.append(InventoryWarning(SourceReference(path, line: peer.mark?.line, key: peerPath), "a peer without keys.public")) }
            var attributes = ["kind": "wireguard"]
            if let keepalive = peer["keepalive"]?.string { attributes["persistent-keepalive"] = keepalive }
            if peer["keys"]?["shared"] != nil { attributes["preshared-key"] = "set" }
            result.items.append(.wireGuardPeer(owner: id, interface: id, publicKey: publicKey, local: local, remote: remote,
                                               allowedIPs: allowed, attributes: attributes, sources: sources))
        }
        return result
    }
}
