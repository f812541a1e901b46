import Foundation

/// WireGuard interfaces as wg-quick reads them (`/etc/wireguard/*.conf`, wg-quick(8) and
/// wg(8) CONFIGURATION FILE FORMAT): one item per `[Peer]`, with its endpoint and allowed IPs.
/// Private and pre-shared keys are never read into an item.
public struct WireGuardConfigCollector: Collector {
    public let name = "wireguard"
    public let inputs: [CollectorInput] = [.files("/etc/wireguard/*.conf")]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        var result = CollectorResult()
        for path in system.files(matching: "/etc/wireguard/*.conf") {
            switch system.read(path) {
            case .failure(let failure):
                result.warnings.append(InventoryWarning(SourceReference(path), failure.reason))
            case .success(let text):
                result = result + parse(text, path: path)
            }
        }
        return result
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        let document = INIDocument(text)
        result.warnings += document.malformedWarnings(path: path, expected: "[Section] or Key = Value")
        let interfaceName = String(path.split(separator: "/").last ?? "").replacingOccurrences(of: ".conf", with: "")
        guard let interface = document.sections(named: "Interface").first else {
            result.warnings.append(InventoryWarning(SourceReference(path), "no [Interface] section"))
            return result
        }
        let listenPort = interface.first("ListenPort")
        if let listenPort, UInt16(listenPort.value) == nil {
            result.warnings.append(InventoryWarning(SourceReference(path, line: listenPort.line, key: "ListenPort"), "not a port number: \(listenPort.value)"))
        }
        // The outer endpoint is the listening port on every address; `Address` is the tunnel's own.
        let local = listenPort.flatMap { UInt16($0.value) }.map { [NetworkEndpoint(host: "*", port: $0, transport: "udp")] } ?? []
        let tunnelAddresses = interface.all("Address", list: true).map(\.value)
        for peer in document.sections(named: "Peer") {
            var sources = [SourceReference(path, line: peer.line, key: "[Peer]")]
            var remote: [NetworkEndpoint] = []
            if let endpoint = peer.first("Endpoint") {
                if let parsed = NetworkEndpoint.parse(endpoint.value, transport: "udp") {
                    remote.append(parsed)
                    sources.append(SourceReference(path, line: endpoint.line, key: "Endpoint"))
                } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: endpoint.line, key: "Endpoint"), "not host:port: \(endpoint.value)"))
                }
            }
            let allowed = peer.all("AllowedIPs", list: true)
            if let first = allowed.first { sources.append(SourceReference(path, line: first.line, key: "AllowedIPs")) }
            let publicKey = peer.first("PublicKey")?.value ?? ""
            var attributes: [String: String] = ["public-key": publicKey]
            if let keepalive = peer.first("PersistentKeepalive") { attributes["persistent-keepalive"] = keepalive.value }
            if peer.first("PresharedKey") != nil { attributes["preshared-key"] = "set" }
            if !tunnelAddresses.isEmpty { attributes["tunnel-addresses"] = tunnelAddresses.joined(separator: ",") }
            let routesEverything = allowed.contains { $0.value == "0.0.0.0/0" || $0.value == "::/0" }
            if routesEverything { attributes["default-route"] = "true" }
            result.items.append(ConfigItem(
                technology: "wireguard",
                role: remote.isEmpty ? .server : (listenPort != nil && !routesEverything ? .siteToSite : .client),
                name: "\(interfaceName) peer \(publicKey.prefix(8))",
                local: local, remote: remote, networks: allowed.map(\.value), interface: interfaceName,
                attributes: attributes, sources: sources))
        }
        return result
    }
}

extension WireGuardConfigCollector: ReferencedConfigurationReader {
    public var referencedPrograms: Set<String> { ["wg-quick"] }

    public func collect(referenced path: String, namedBy item: ConfigItem, from system: SystemView) -> CollectorResult {
        system.collectReferenced(path) { parse($0, path: path) }
    }
}
