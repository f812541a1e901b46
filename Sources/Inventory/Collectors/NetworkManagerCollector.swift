import Foundation

/// NetworkManager connection profiles (`/etc/NetworkManager/system-connections/*.nmconnection`,
/// the GKeyFile format of nm-settings-keyfile(5), settings as nm-settings-nmcli(5) names them).
///
/// `[connection] type=` decides the item: `vpn` (the `[vpn]` section's `service-type` plugin:
/// openvpn `remote=`, strongswan `address=`, l2tp/pptp/openconnect/fortisslvpn/sstp `gateway=`,
/// vpnc `IPSec gateway=`, libreswan `right=`), `wireguard` (one item per
/// `[wireguard-peer.<public key>]` with `endpoint=` and `allowed-ips=`), `ip-tunnel` (`mode=`
/// by name or NMIPTunnelMode number, `remote=`, `local=`) and `vxlan` (`id=`, `remote=`,
/// `local=`, `destination-port=`). Other connection types (ethernet, wifi...) are not
/// channels and are skipped. `[vpn-secrets]`, `password`, `psk` and `private-key` values are
/// never read into an item, and `redact` blanks every `[vpn-secrets]` value in a snapshot.
public struct NetworkManagerCollector: Collector {
    public let name = "networkmanager"
    static let pattern = "/etc/NetworkManager/system-connections/*.nmconnection"
    public let inputs: [CollectorInput] = [.files(pattern)]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles([Self.pattern]) { path, text in parse(text, path: path) }
    }

    /// The VPN plugin's last name component (`org.freedesktop.NetworkManager.openvpn`) → technology.
    static let vpnTechnologies: [String: String] = [
        "openvpn": "openvpn", "strongswan": "ipsec", "libreswan": "ipsec", "openswan": "ipsec", "vpnc": "ipsec", "l2tp": "l2tp",
        "pptp": "pptp", "openconnect": "anyconnect", "fortisslvpn": "fortinet-sslvpn", "sstp": "sstp", "ssh": "ssh", "iodine": "iodine",
    ]

    /// openconnect's `protocol=` → technology.
    static let openConnectProtocols: [String: String] = [
        "anyconnect": "anyconnect", "gp": "globalprotect", "fortinet": "fortinet-sslvpn", "nc": "pulse", "pulse": "pulse", "array": "array",
    ]

    /// NMIPTunnelMode numbers and names → technology.
    static let tunnelModes: [String: (name: String, technology: String)] = [
        "1": ("ipip", "ip-in-ip"), "2": ("gre", "gre"), "3": ("sit", "ip-in-ip"), "4": ("isatap", "ip-in-ip"), "5": ("vti", "ipsec"),
        "6": ("ip6ip6", "ip-in-ip"), "7": ("ipip6", "ip-in-ip"), "8": ("ip6gre", "gre"), "9": ("vti6", "ipsec"), "10": ("gretap", "gre"),
        "11": ("ip6gretap", "gre"),
    ]

    /// `[vpn]` keys that hold the far end, per plugin family; the first present wins.
    static let gatewayKeys = ["remote", "gateway", "address", "IPSec gateway", "right", "host"]

    /// `[vpn]` data worth keeping as attributes (never a secret).
    static let vpnAttributeKeys = ["port", "proto-tcp", "connection-type", "protocol", "ike", "esp", "method", "virtual", "encap", "ipsec-enabled", "cipher", "dev-type"]

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        let document = INIDocument(text, commentPrefixes: ["#"])
        result.warnings += document.malformedWarnings(path: path, expected: "[group] or key=value")
        guard let connection = document.sections(named: "connection").first else {
            result.warnings.append(InventoryWarning(SourceReference(path), "no [connection] group"))
            return result
        }
        guard let type = connection.first("type") else {
            result.warnings.append(InventoryWarning(SourceReference(path, line: connection.line), "[connection] without type="))
            return result
        }
        let id = connection.first("id")?.value ?? VPNProgram.baseName(path).replacingOccurrences(of: ".nmconnection", with: "")
        var attributes: [String: String] = ["connection-type": type.value]
        if let autoconnect = connection.first("autoconnect") { attributes["autoconnect"] = autoconnect.value }
        let interface = connection.first("interface-name")?.value
        let typeSource = SourceReference(path, line: type.line, key: "type")

        switch type.value {
        case "vpn":
            result = result + vpn(document, path: path, id: id, interface: interface, attributes: attributes, typeSource: typeSource)
        case "wireguard":
            result = result + wireGuard(document, path: path, id: id, interface: interface ?? id, attributes: attributes, typeSource: typeSource)
        case "ip-tunnel", "vxlan":
            result = result + tunnel(document, kind: type.value, path: path, id: id, interface: interface, attributes: attributes, typeSource: typeSource)
        default:
            break
        }
        return result
    }

    private func vpn(_ document: INIDocument, path: String, id: String, interface: String?, attributes: [String: String],
                     typeSource: SourceReference) -> CollectorResult {
        var result = CollectorResult()
        guard let section = document.sections(named: "vpn").first else {
            result.warnings.append(InventoryWarning(typeSource, "type=vpn without a [vpn] group"))
            return result
        }
        guard let service = section.first("service-type") else {
            result.warnings.append(InventoryWarning(SourceReference(path, line: section.line), "[vpn] without service-type="))
            return result
        }
        let plugin = String(service.value.split(separator: ".").last ?? "")
        var technology = Self.vpnTechnologies[plugin] ?? plugin
        var attributes = attributes
        attributes["service-type"] = service.value
        for key in Self.vpnAttributeKeys { if let entry = section.first(key) { attributes[key] = entry.value } }
        if plugin == "openconnect", let protocolName = section.first("protocol")?.value {
            technology = Self.openConnectProtocols[protocolName] ?? technology
        }
        var sources = [typeSource, SourceReference(path, line: service.line, key: "service-type")]
        var remote: [NetworkEndpoint] = []
        let transport: String? = plugin == "openvpn" ? (section.first("proto-tcp")?.value == "yes" ? "tcp" : "udp") : nil
        let defaultPort = section.first("port").flatMap { ConfigText.port($0.value) } ?? (plugin == "openvpn" ? 1194 : nil)
        if let gateway = Self.gatewayKeys.lazy.compactMap({ section.first($0) }).first {
            // openvpn's `remote` is a list (`a.example:1194, b.example:443:tcp`); others a host.
            for part in gateway.value.split(whereSeparator: { $0 == "," || $0 == " " }) where !part.isEmpty {
                if let endpoint = Self.endpoint(String(part), transport: transport, defaultPort: defaultPort) {
                    remote.append(endpoint)
                } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: gateway.line, key: gateway.key), "not host[:port[:proto]]: \(part)"))
                }
            }
            sources.append(SourceReference(path, line: gateway.line, key: gateway.key))
        } else {
            result.warnings.append(InventoryWarning(SourceReference(path, line: section.line), "[vpn] names no gateway (\(Self.gatewayKeys.joined(separator: ", ")))"))
        }
        var networks: [String] = []
        for group in ["ipv4", "ipv6"] {
            for entry in document.sections(named: group).first?.entries ?? [] where entry.key.hasPrefix("route") && !entry.key.contains("_") {
                if let network = entry.value.split(separator: ",").first { networks.append(String(network)) }
            }
            if document.sections(named: group).first?.first("never-default")?.value == "true" { attributes["\(group)-never-default"] = "true" }
        }
        result.items.append(ConfigItem(
            technology: technology, role: .client, name: id, remote: remote, networks: networks, interface: interface,
            attributes: attributes, sources: sources))
        return result
    }

    /// `host`, `host:port`, `host:port:proto` (openvpn's list form), `[v6]:port` or a bare IPv6 address.
    static func endpoint(_ text: String, transport: String?, defaultPort: UInt16?) -> NetworkEndpoint? {
        if text.hasPrefix("[") { return NetworkEndpoint.parse(text, transport: transport, defaultPort: defaultPort) }
        let fields = text.split(separator: ":", omittingEmptySubsequences: false).map(String.init)
        switch fields.count {
        case 1: return NetworkEndpoint(host: text, port: defaultPort, transport: transport)
        case 2, 3:
            guard !fields[0].isEmpty, let port = UInt16(fields[1]) else { return nil }
            return NetworkEndpoint(host: fields[0], port: port, transport: fields.count == 3 ? fields[2].lowercased() : transport)
        default: return NetworkEndpoint(host: text, port: defaultPort, transport: transport)
        }
    }

    private func wireGuard(_ document: INIDocument, path: String, id: String, interface: String, attributes: [String: String],
                           typeSource: SourceReference) -> CollectorResult {
        var result = CollectorResult()
        let settings = document.sections(named: "wireguard").first
        let listenPort = settings?.first("listen-port")
        if let listenPort, UInt16(listenPort.value) == nil {
            result.warnings.append(InventoryWarning(SourceReference(path, line: listenPort.line, key: "listen-port"), "not a port number: \(listenPort.value)"))
        }
        let local = listenPort.flatMap { UInt16($0.value) }.flatMap { $0 == 0 ? nil : [NetworkEndpoint(host: "*", port: $0, transport: "udp")] } ?? []
        let peers = document.sections.filter { $0.name.hasPrefix("wireguard-peer.") }
        if peers.isEmpty { result.warnings.append(InventoryWarning(typeSource, "type=wireguard without a [wireguard-peer.<public key>] group")) }
        for peer in peers {
            let publicKey = String(peer.name.dropFirst("wireguard-peer.".count))
            var sources = [typeSource, SourceReference(path, line: peer.line, key: "[wireguard-peer]")]
            var remote: [NetworkEndpoint] = []
            if let endpoint = peer.first("endpoint") {
                if let parsed = NetworkEndpoint.parse(endpoint.value, transport: "udp"), parsed.port != nil {
                    remote.append(parsed)
                    sources.append(SourceReference(path, line: endpoint.line, key: "endpoint"))
                } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: endpoint.line, key: "endpoint"), "not host:port: \(endpoint.value)"))
                }
            }
            let allowed = peer.all("allowed-ips").flatMap { entry in
                entry.value.split(whereSeparator: { $0 == ";" || $0 == "," }).map { $0.trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
            }
            if let entry = peer.first("allowed-ips") { sources.append(SourceReference(path, line: entry.line, key: "allowed-ips")) }
            var peerAttributes = attributes
            if let keepalive = peer.first("persistent-keepalive") { peerAttributes["persistent-keepalive"] = keepalive.value }
            if peer.first("preshared-key") != nil || peer.first("preshared-key-flags") != nil { peerAttributes["preshared-key"] = "set" }
            result.items.append(.wireGuardPeer(owner: id, interface: interface, publicKey: publicKey, local: local, remote: remote,
                                               allowedIPs: allowed, attributes: peerAttributes, sources: sources))
        }
        return result
    }

    private func tunnel(_ document: INIDocument, kind: String, path: String, id: String, interface: String?, attributes: [String: String],
                        typeSource: SourceReference) -> CollectorResult {
        var result = CollectorResult()
        guard let section = document.sections(named: kind).first else {
            result.warnings.append(InventoryWarning(typeSource, "type=\(kind) without an [\(kind)] group"))
            return result
        }
        var attributes = attributes
        var technology = "vxlan"
        var sources = [typeSource]
        var port: UInt16?
        if kind == "ip-tunnel" {
            guard let mode = section.first("mode") else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: section.line), "[ip-tunnel] without mode="))
                return result
            }
            let known = Self.tunnelModes[mode.value] ?? Self.tunnelModes.values.first { $0.name == mode.value.lowercased() }
            guard let known else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: mode.line, key: "mode"), "unknown ip-tunnel mode \(mode.value)"))
                return result
            }
            technology = known.technology
            attributes["mode"] = known.name
            sources.append(SourceReference(path, line: mode.line, key: "mode"))
            for key in ["input-key", "output-key", "ttl", "parent"] { if let entry = section.first(key) { attributes[key] = entry.value } }
        } else {
            if let vni = section.first("id") { attributes["vni"] = vni.value }
            if let entry = section.first("destination-port") {
                port = ConfigText.port(entry.value)
                if port == nil {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: entry.line, key: "destination-port"), "not a port number: \(entry.value)"))
                }
            }
            port = port ?? 8472  // NetworkManager's default, the Linux kernel's
            if let parent = section.first("parent") { attributes["parent"] = parent.value }
        }
        let remoteEntry = section.first("remote")
        if let remoteEntry { sources.append(SourceReference(path, line: remoteEntry.line, key: "remote")) } else {
            result.warnings.append(InventoryWarning(SourceReference(path, line: section.line), "[\(kind)] without remote="))
        }
        let remote = remoteEntry.map { [NetworkEndpoint(host: $0.value, port: port, transport: kind == "vxlan" ? "udp" : nil)] } ?? []
        let local = section.first("local").map { [NetworkEndpoint(host: $0.value)] } ?? []
        result.items.append(ConfigItem(
            technology: technology, role: remote.isEmpty ? .unknown : .siteToSite, name: id, local: local, remote: remote,
            interface: interface, attributes: attributes, sources: sources))
        return result
    }

    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        var inSecrets = false
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if trimmed.hasPrefix("[") { inSecrets = trimmed.lowercased() == "[vpn-secrets]" }
            guard inSecrets, !trimmed.hasPrefix("#"), let equals = line.firstIndex(of: "=") else { return String(line) }
            let value = line[line.index(after: equals)...]
            return value.isEmpty ? String(line) : String(line[...equals]) + SecretRedactor.marker(for: value)
        }.joined(separator: "\n")
        return SecretRedactor.redact(lines, path: path)
    }
}
