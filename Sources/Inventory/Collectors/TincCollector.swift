import FileSupport
import Foundation

/// tinc networks (`/etc/tinc/NET/tinc.conf` and `/etc/tinc/NET/hosts/*`, tinc.conf(5) for tinc
/// 1.0/1.1: `Variable = Value` lines, `#` comments, public keys as PEM blocks in host files).
/// One item for this node (`Name`, `Mode`, its own host file's `Port` and `Subnet`s) and one
/// per other host, with `Address [port]`/`Port` as the remote peer, `Subnet`s as networks and
/// whether this node `ConnectTo`s it. Private keys (`PrivateKey`, `*.priv` files) are not read.
public struct TincCollector: Collector {
    public let name = "tinc"
    public let inputs: [CollectorInput] = [.files("/etc/tinc/*/tinc.conf"), .files("/etc/tinc/*/hosts/*")]

    public init() {}

    struct Entry { var key: String; var value: String; var line: Int }

    /// `Key = Value` or `Key Value` entries outside PEM blocks; malformed lines are warnings.
    func entries(_ text: String, path: String, warnings: inout [InventoryWarning]) -> [Entry] {
        var entries: [Entry] = []
        var inBlock = false
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            if line.hasPrefix("-----BEGIN") { inBlock = true; continue }
            if line.hasPrefix("-----END") { inBlock = false; continue }
            guard !inBlock, !line.isEmpty, !line.hasPrefix("#") else { continue }
            let key: String
            let value: String
            if let equals = line.firstIndex(of: "=") {
                key = line[..<equals].trimmingCharacters(in: .whitespaces)
                value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
            } else {
                let words = line.split(separator: " ", maxSplits: 1)
                key = String(words[0])
                value = words.count > 1 ? words[1].trimmingCharacters(in: .whitespaces) : ""
            }
            guard !key.isEmpty, !value.isEmpty, key.allSatisfy({ $0.isLetter || $0.isNumber }) else {
                warnings.append(InventoryWarning(SourceReference(path, line: index + 1), "not a Variable = Value line: \(line.prefix(40))"))
                continue
            }
            entries.append(Entry(key: key, value: value, line: index + 1))
        }
        return entries
    }

    public func collect(from system: SystemView) -> CollectorResult {
        system.files(matching: "/etc/tinc/*/tinc.conf").reduce(CollectorResult()) { $0 + network(at: $1, from: system) }
    }

    /// One network: its `tinc.conf` at `configPath` and the `hosts/` beside it.
    func network(at configPath: String, from system: SystemView) -> CollectorResult {
        var result = CollectorResult()
        do {
            let directory = FilePath(configPath).containingDirectory.string
            let network = FilePath(directory).fileName
            guard case .success(let text) = system.read(configPath) else {
                result.warnings.append(InventoryWarning(SourceReference(configPath), "cannot be read"))
                return result
            }
            let config = entries(text, path: configPath, warnings: &result.warnings)
            func values(_ key: String, in list: [Entry]) -> [Entry] { list.filter { $0.key.caseInsensitiveCompare(key) == .orderedSame } }
            guard let nameEntry = values("Name", in: config).first else {
                result.warnings.append(InventoryWarning(SourceReference(configPath), "no Name = this node's name"))
                return result
            }
            let connectTo = values("ConnectTo", in: config)
            var hosts: [String: (path: String, entries: [Entry])] = [:]
            for hostPath in system.files(matching: FilePath(directory).appending("hosts/*").string) {
                guard case .success(let hostText) = system.read(hostPath) else { continue }
                hosts[FilePath(hostPath).fileName] = (hostPath, entries(hostText, path: hostPath, warnings: &result.warnings))
            }
            func endpoints(_ host: (path: String, entries: [Entry])) -> ([NetworkEndpoint], [SourceReference]) {
                var port: UInt16 = 655
                if let entry = values("Port", in: host.entries).first {
                    if let value = ConfigText.port(entry.value) { port = value } else {
                        result.warnings.append(InventoryWarning(SourceReference(host.path, line: entry.line, key: "Port"), "not a port number: \(entry.value)"))
                    }
                }
                var found: [NetworkEndpoint] = []
                var sources: [SourceReference] = []
                for entry in values("Address", in: host.entries) {
                    let words = entry.value.split(separator: " ")
                    var endpoint = NetworkEndpoint(host: String(words[0]), port: port)
                    if words.count > 1 {
                        guard let explicit = ConfigText.port(String(words[1])) else {
                            result.warnings.append(InventoryWarning(SourceReference(host.path, line: entry.line, key: "Address"), "not a port number: \(words[1])"))
                            continue
                        }
                        endpoint.port = explicit
                    }
                    found.append(endpoint)
                    sources.append(SourceReference(host.path, line: entry.line, key: "Address"))
                }
                return (found, sources)
            }
            let ownName = nameEntry.value
            var attributes: [String: String] = ["network": network]
            if let mode = values("Mode", in: config).first { attributes["mode"] = mode.value }
            if let device = values("Interface", in: config).first { attributes["interface"] = device.value }
            let own = hosts[ownName]
            if own == nil {
                result.warnings.append(InventoryWarning(SourceReference(configPath, line: nameEntry.line, key: "Name"), "no hosts/\(ownName) file for this node"))
            }
            let ownPort = own.flatMap { values("Port", in: $0.entries).first }.flatMap { ConfigText.port($0.value) } ?? 655
            let ownSubnets = own.map { values("Subnet", in: $0.entries).map(\.value) } ?? []
            attributes["connect-to"] = connectTo.map(\.value).joined(separator: ",")
            result.items.append(ConfigItem(
                technology: "tinc", role: .mesh, name: "\(network) \(ownName)", local: [NetworkEndpoint(host: "*", port: ownPort)],
                networks: ownSubnets, interface: values("Interface", in: config).first?.value ?? network, attributes: attributes,
                sources: [SourceReference(configPath, line: nameEntry.line, key: "Name")] + (own.map { [SourceReference($0.path)] } ?? [])))
            for entry in connectTo where hosts[entry.value] == nil {
                result.warnings.append(InventoryWarning(SourceReference(configPath, line: entry.line, key: "ConnectTo"), "ConnectTo \(entry.value) has no hosts/\(entry.value) file"))
            }
            for (hostName, host) in hosts.sorted(by: { $0.key < $1.key }) where hostName != ownName {
                let (remote, sources) = endpoints(host)
                var peerAttributes: [String: String] = ["network": network]
                let connects = connectTo.first { $0.value == hostName }
                if connects != nil { peerAttributes["connect-to"] = "true" }
                result.items.append(ConfigItem(
                    technology: "tinc", role: .mesh, name: "\(network) \(hostName)", remote: remote,
                    networks: values("Subnet", in: host.entries).map(\.value), interface: values("Interface", in: config).first?.value ?? network,
                    attributes: peerAttributes,
                    sources: [SourceReference(host.path)] + sources + (connects.map { [SourceReference(configPath, line: $0.line, key: "ConnectTo")] } ?? [])))
            }
        }
        return result
    }
}

extension TincCollector: ReferencedConfigurationReader {
    public var referencedPrograms: Set<String> { ["tincd"] }

    /// `tincd -c DIR`: the network's directory (tinc.conf and hosts/).
    public func referencedFiles(_ path: String, in system: SystemView) -> [String] {
        [path + "/tinc.conf"] + system.files(matching: path + "/hosts/*")
    }

    public func collect(referenced path: String, namedBy item: ConfigItem, from system: SystemView) -> CollectorResult {
        network(at: path + "/tinc.conf", from: system)
    }
}
