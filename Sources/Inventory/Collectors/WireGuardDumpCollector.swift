import Foundation

/// Live WireGuard peers from `wg show all dump` (wg(8) `show ... dump`: tab-separated, one line
/// per interface — name, private key, public key, listen port, fwmark — and one per peer — name,
/// public key, preshared key, endpoint, allowed IPs, latest handshake (epoch seconds, 0 never),
/// rx, tx, persistent keepalive). A peer whose latest handshake is under three minutes old (at
/// the time the output was taken) is up. `redact` replaces the private and preshared keys.
public struct WireGuardDumpCollector: Collector {
    public let name = "wg-dump"
    public let inputs: [CollectorInput] = [.command(["wg", "show", "all", "dump"], stateFile: "wg-show-all-dump.txt")]

    public init() {}

    /// WireGuard's REJECT_AFTER_TIME plus its rekey margin: older handshakes mean no session.
    static let freshness: TimeInterval = 180

    public func collect(from system: SystemView) -> CollectorResult {
        var now = Date()
        if case .tree = system.mode,
           let modified = (try? FileManager.default.attributesOfItem(atPath: system.hostPath("/state/wg-show-all-dump.txt")))?[.modificationDate] as? Date {
            now = modified
        }
        return system.collectCommand(["wg", "show", "all", "dump"], stateFile: "wg-show-all-dump.txt", optional: true) { source, text in
            parse(text, source: source, now: now)
        }
    }

    func parse(_ text: String, source: String, now: Date) -> CollectorResult {
        var result = CollectorResult()
        var listenPorts: [String: UInt16] = [:]
        for (index, raw) in text.split(separator: "\n").enumerated() {
            let fields = raw.split(separator: "\t", omittingEmptySubsequences: false).map(String.init)
            let reference = SourceReference(source, line: index + 1)
            if fields.count == 5 {
                listenPorts[fields[0]] = ConfigText.port(fields[3])
                continue
            }
            guard fields.count == 9 else {
                result.warnings.append(InventoryWarning(reference, "neither an interface line (5 fields) nor a peer line (9 fields): \(fields.count) fields"))
                continue
            }
            let interface = fields[0]
            var remote: [NetworkEndpoint] = []
            if fields[3] != "(none)" {
                if let endpoint = NetworkEndpoint.parse(fields[3], transport: "udp"), endpoint.port != nil { remote.append(endpoint) } else {
                    result.warnings.append(InventoryWarning(reference, "endpoint is not host:port: \(fields[3])"))
                }
            }
            let handshake = TimeInterval(fields[5]) ?? 0
            if TimeInterval(fields[5]) == nil {
                result.warnings.append(InventoryWarning(reference, "latest handshake is not a number: \(fields[5])"))
            }
            let networks = fields[4] == "(none)" ? [] : fields[4].split(separator: ",").map(String.init)
            var attributes = ["public-key": fields[1], "latest-handshake": fields[5], "transfer-rx": fields[6], "transfer-tx": fields[7]]
            if fields[2] != "(none)" { attributes["preshared-key"] = "set" }
            if fields[8] != "off" { attributes["persistent-keepalive"] = fields[8] }
            let local = listenPorts[interface].map { [NetworkEndpoint(host: "*", port: $0, transport: "udp")] } ?? []
            result.items.append(ConfigItem(
                technology: "wireguard", role: remote.isEmpty ? .server : .siteToSite, name: "\(interface) peer \(fields[1].prefix(8))",
                local: local, remote: remote, networks: networks, interface: interface,
                isUp: handshake > 0 && now.timeIntervalSince1970 - handshake < Self.freshness,
                attributes: attributes, sources: [reference]))
        }
        return result
    }

    /// The private key (second field of an interface line) and the preshared key (third field of
    /// a peer line) become fingerprints; public keys, endpoints and counters stay.
    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            var fields = line.split(separator: "\t", omittingEmptySubsequences: false)
            if fields.count == 5 {
                fields[1] = Substring(SecretRedactor.marker(for: fields[1]))
            } else if fields.count == 9, fields[2] != "(none)" {
                fields[2] = Substring(SecretRedactor.marker(for: fields[2]))
            } else if fields.count != 9 && line.contains("\t") {
                // A line of unknown shape may hold a key: keep only its first field.
                return String(fields[0]) + "\t" + SecretRedactor.marker(for: line)
            }
            return fields.joined(separator: "\t")
        }.joined(separator: "\n")
    }
}
