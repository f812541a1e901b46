import Foundation

/// Tor (`/etc/tor/torrc`, tor(1) CONFIGURATION FILE FORMAT: `Keyword value` lines, `#` comments):
/// the client with its `SocksPort`s (127.0.0.1:9050 unless set, none with `SocksPort 0`),
/// `TransPort`/`HTTPTunnelPort`, and with `UseBridges 1` the `Bridge [transport] addr:port
/// [fingerprint]` lines as its remote peers; a relay when `ORPort` is set; onion services
/// (`HiddenServiceDir` and its `HiddenServicePort`s).
public struct TorCollector: Collector {
    public let name = "tor"
    public let inputs: [CollectorInput] = [.files("/etc/tor/torrc"), .files("/etc/tor/torrc.d/*")]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(["/etc/tor/torrc", "/etc/tor/torrc.d/*"]) { path, text in parse(text, path: path) }
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        var proxies: [NetworkEndpoint] = []
        var proxySources: [SourceReference] = []
        var socksDisabled = false
        var bridges: [NetworkEndpoint] = []
        var bridgeSources: [SourceReference] = []
        var transports: Set<String> = []
        var useBridges = false
        var orPorts: [NetworkEndpoint] = []
        var orSources: [SourceReference] = []
        var relayAttributes: [String: String] = [:]
        var services: [(directory: String, line: Int, ports: [String])] = []
        func listener(_ value: String, defaultHost: String) -> NetworkEndpoint? {
            if let port = ConfigText.port(value) { return NetworkEndpoint(host: defaultHost, port: port, transport: "tcp") }
            if value == "auto" { return NetworkEndpoint(host: defaultHost, transport: "tcp") }
            guard let parsed = NetworkEndpoint.parse(value, transport: "tcp"), parsed.port != nil else { return nil }
            return parsed
        }
        for line in ConfigText.lines(text, comments: ["#"]) {
            let keyword = line.words[0].lowercased()
            let arguments = Array(line.words.dropFirst())
            let reference = SourceReference(path, line: line.number, key: line.words[0])
            switch keyword {
            case "socksport", "transport", "httptunnelport", "natdport", "dnsport":
                guard let value = arguments.first else {
                    result.warnings.append(InventoryWarning(reference, "\(line.words[0]) without a port"))
                    continue
                }
                if value == "0" { if keyword == "socksport" { socksDisabled = true }; continue }
                guard let endpoint = listener(value, defaultHost: "127.0.0.1") else {
                    result.warnings.append(InventoryWarning(reference, "not [address:]port: \(value)"))
                    continue
                }
                proxies.append(endpoint)
                proxySources.append(reference)
            case "usebridges":
                useBridges = arguments.first == "1"
            case "bridge":
                // Bridge [transport] IP:ORPort [fingerprint] [args]
                let addressIndex = arguments.first.map { $0.contains(":") || $0.contains(".") } == true ? 0 : 1
                guard addressIndex < arguments.count, let endpoint = NetworkEndpoint.parse(arguments[addressIndex], transport: "tcp"), endpoint.port != nil else {
                    result.warnings.append(InventoryWarning(reference, "Bridge without an address:port"))
                    continue
                }
                if addressIndex == 1 { transports.insert(arguments[0]) }
                bridges.append(endpoint)
                bridgeSources.append(reference)
            case "orport":
                guard let value = arguments.first, let endpoint = listener(value, defaultHost: "*") else {
                    result.warnings.append(InventoryWarning(reference, "not [address:]port: \(arguments.first ?? "(none)")"))
                    continue
                }
                if value != "0" { orPorts.append(endpoint); orSources.append(reference) }
            case "exitrelay", "bridgerelay", "exitpolicy", "nickname":
                relayAttributes[keyword] = arguments.joined(separator: " ")
            case "hiddenservicedir":
                services.append((arguments.first ?? "", line.number, []))
            case "hiddenserviceport":
                if services.isEmpty {
                    result.warnings.append(InventoryWarning(reference, "HiddenServicePort before any HiddenServiceDir"))
                } else {
                    services[services.count - 1].ports.append(arguments.joined(separator: " "))
                }
            default:
                break
            }
        }
        if useBridges && bridges.isEmpty {
            result.warnings.append(InventoryWarning(SourceReference(path), "UseBridges 1 without any Bridge line"))
        }
        if proxies.isEmpty && !socksDisabled { proxies.append(NetworkEndpoint(host: "127.0.0.1", port: 9050, transport: "tcp")) }
        var attributes: [String: String] = ["use-bridges": useBridges ? "true" : "false"]
        if !transports.isEmpty { attributes["transports"] = transports.sorted().joined(separator: ",") }
        if !proxies.isEmpty || useBridges {
            result.items.append(ConfigItem(
                technology: "tor", role: .proxy, name: "tor client", local: proxies, remote: useBridges ? bridges : [],
                attributes: attributes, sources: [SourceReference(path)] + proxySources + bridgeSources))
        }
        if !orPorts.isEmpty {
            result.items.append(ConfigItem(technology: "tor", role: .server, name: "tor relay", local: orPorts, attributes: relayAttributes, sources: orSources))
        }
        for service in services {
            result.items.append(ConfigItem(
                technology: "tor", role: .server, name: "onion service \(service.directory)", attributes: ["ports": service.ports.joined(separator: "; ")],
                sources: [SourceReference(path, line: service.line, key: "HiddenServiceDir")]))
        }
        return result
    }
}
