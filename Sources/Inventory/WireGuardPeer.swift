/// What a WireGuard peer is, whichever file declares it (systemd-networkd, NetworkManager,
/// Netplan): the same facts decide its role everywhere.
extension ConfigItem {
    /// One peer of interface `interface` (named `owner` in the item's name). A peer without an
    /// endpoint is one that reaches this gateway (a server's client); with an endpoint it is a
    /// client's server, or site-to-site when this end listens on a fixed port and does not route
    /// everything through it. `attributes` holds what the format knows of the peer; the public
    /// key and `default-route` are added here.
    static func wireGuardPeer(owner: String, interface: String?, publicKey: String, local: [NetworkEndpoint], remote: [NetworkEndpoint],
                              allowedIPs: [String], attributes: [String: String], sources: [SourceReference]) -> ConfigItem {
        var attributes = attributes
        attributes["public-key"] = publicKey
        let routesEverything = allowedIPs.contains { $0 == "0.0.0.0/0" || $0 == "::/0" }
        if routesEverything { attributes["default-route"] = "true" }
        return ConfigItem(
            technology: "wireguard",
            role: remote.isEmpty ? .server : (!local.isEmpty && !routesEverything ? .siteToSite : .client),
            name: "\(owner) peer \(publicKey.prefix(8))", local: local, remote: remote, networks: allowedIPs, interface: interface,
            attributes: attributes, sources: sources)
    }
}
