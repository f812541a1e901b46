import Foundation

/// Listening sockets of VPN and proxy programs (`ss -tunap`, ss(8); in a snapshot
/// `state/ss-tunap.txt`): columns `Netid State Recv-Q Send-Q Local-Address:Port
/// Peer-Address:Port [users:(("name",pid=N,fd=N),...)]`.
///
/// TCP sockets in `LISTEN` and UDP sockets in `UNCONN` whose owner is a known program
/// (`VPNProgram`: openvpn, ocserv, ss-server, v2ray, xray, sslocal, tor, squid, danted,
/// stunnel, charon, xl2tpd, pptpd, vpnserver...) become items of role server with the local
/// endpoint and attributes `process` and `pid`. WireGuard listens in the kernel, so its UDP
/// socket has no process: an ownerless UDP socket on a WireGuard `ListenPort` (from
/// `/etc/wireguard/*.conf`, `/etc/systemd/network/*.netdev`, NetworkManager keyfiles, or
/// `state/wg-show-all-dump.txt`) or on 51820 is a WireGuard listener.
public struct SocketCollector: Collector {
    public let name = "sockets"
    static let command = ["ss", "-tunap"]
    public let inputs: [CollectorInput] = [.command(command, stateFile: "ss-tunap.txt")]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectCommand(Self.command, stateFile: "ss-tunap.txt", optional: true) { source, text in
            parse(text, source: source, wireGuardPorts: Self.wireGuardPorts(in: system))
        }
    }

    /// Listening ports WireGuard interfaces are configured with.
    static func wireGuardPorts(in system: SystemView) -> Set<UInt16> {
        var ports: Set<UInt16> = [51820]
        let patterns = ["/etc/wireguard/*.conf", "/etc/systemd/network/*.netdev", "/etc/NetworkManager/system-connections/*.nmconnection"]
        for pattern in patterns {
            for path in system.files(matching: pattern) {
                guard case .success(let text) = system.read(path) else { continue }
                for section in INIDocument(text, commentPrefixes: ["#"]).sections {
                    for entry in section.all("ListenPort") + section.all("listen-port") {
                        if let port = UInt16(entry.value) { ports.insert(port) }
                    }
                }
            }
        }
        // An interface line of `wg show all dump`: name, private key, public key, listen port, fwmark.
        if case .success(let dump) = system.output(of: ["wg", "show", "all", "dump"], stateFile: "wg-show-all-dump.txt") {
            for line in dump.split(separator: "\n") {
                let fields = line.split(separator: "\t")
                if fields.count == 5, let port = UInt16(fields[3]) { ports.insert(port) }
            }
        }
        return ports
    }

    func parse(_ text: String, source: String, wireGuardPorts: Set<UInt16> = [51820]) -> CollectorResult {
        var result = CollectorResult()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard let netid = words.first, netid != "Netid" else { continue }
            let reference = SourceReference(source, line: index + 1)
            guard words.count >= 6 else {
                result.warnings.append(InventoryWarning(reference, "expected Netid State Recv-Q Send-Q Local Peer [Process], got \(words.count) columns"))
                continue
            }
            let state = words[1]
            let transport: String
            switch netid {
            case "tcp" where state == "LISTEN": transport = "tcp"
            case "udp" where state == "UNCONN": transport = "udp"
            case "tcp", "udp": continue
            default:
                result.warnings.append(InventoryWarning(reference, "unknown socket type \(netid) (ss -tunap prints tcp and udp)"))
                continue
            }
            guard let local = Self.endpoint(words[4], transport: transport) else {
                result.warnings.append(InventoryWarning(reference, "local address is not address:port: \(words[4])"))
                continue
            }
            let owners = Self.owners(words.dropFirst(6).joined(separator: " "))
            var attributes: [String: String] = [:]
            let technology: String
            if !owners.isEmpty {
                // A socket shared by several processes (ocserv's main and workers) counts when any is known.
                guard let owner = owners.first(where: { VPNProgram.technologies[$0.name] != nil }),
                      let known = VPNProgram.technologies[owner.name] else { continue }
                technology = known
                attributes["process"] = owner.name
                attributes["pid"] = owner.pid
            } else if transport == "udp", let port = local.port, wireGuardPorts.contains(port) {
                technology = "wireguard"
                attributes["process"] = "kernel"
            } else {
                continue
            }
            if let scope = Self.interfaceScope(words[4]) { attributes["bound-interface"] = scope }
            result.items.append(ConfigItem(
                technology: technology, role: .server, name: "\(attributes["process"] ?? technology) listening on \(local)",
                local: [local], interface: attributes["bound-interface"], isUp: true, attributes: attributes, sources: [reference]))
        }
        return result
    }

    /// Established TCP and connected UDP sockets (state `ESTAB`) of known VPN and proxy
    /// programs: owner pid, the peer's address and port, and the line. Loopback and unspecified
    /// peers are left out (a local helper, not the far end).
    static func established(_ text: String, source: String) -> [(pid: String, peer: NetworkEndpoint, reference: SourceReference)] {
        var sockets: [(pid: String, peer: NetworkEndpoint, reference: SourceReference)] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            guard words.count >= 7, words[0] == "tcp" || words[0] == "udp", words[1] == "ESTAB",
                  let peer = endpoint(words[5], transport: words[0]) else { continue }
            let host = peer.host
            guard host != "*", host != "0.0.0.0", host != "::", !host.hasPrefix("127."), host != "::1" else { continue }
            for owner in owners(words.dropFirst(6).joined(separator: " ")) where VPNProgram.technologies[owner.name] != nil && !owner.pid.isEmpty {
                sockets.append((owner.pid, peer, SourceReference(source, line: index + 1)))
            }
        }
        return sockets
    }

    /// `0.0.0.0:1194`, `[::]:443`, `*:53`, `10.0.0.1%eth0:80` as an endpoint (the `%if` dropped).
    static func endpoint(_ text: String, transport: String) -> NetworkEndpoint? {
        guard let colon = text.lastIndex(of: ":"), let port = UInt16(text[text.index(after: colon)...]) else { return nil }
        var host = String(text[..<colon])
        if let percent = host.firstIndex(of: "%") { host = String(host[..<percent]) }
        if host.hasPrefix("["), host.hasSuffix("]") { host = String(host.dropFirst().dropLast()) }
        if host.hasSuffix("]"), host.hasPrefix("[") == false { return nil }
        guard !host.isEmpty else { return nil }
        return NetworkEndpoint(host: host, port: port, transport: transport)
    }

    static func interfaceScope(_ text: String) -> String? {
        guard let percent = text.firstIndex(of: "%"), let colon = text.lastIndex(of: ":"), percent < colon else { return nil }
        return String(text[text.index(after: percent)..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "]"))
    }

    /// `users:(("openvpn",pid=812,fd=6),("openvpn",pid=813,fd=6))` as names and pids.
    static func owners(_ text: String) -> [(name: String, pid: String)] {
        var owners: [(name: String, pid: String)] = []
        var rest = Substring(text)
        while let open = rest.range(of: "(\"") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: "\"") else { break }
            let name = String(rest[..<close])
            rest = rest[close...]
            var pid = ""
            if let pidRange = rest.range(of: "pid=") { pid = String(rest[pidRange.upperBound...].prefix { $0.isNumber }) }
            owners.append((name, pid))
        }
        return owners
    }
}
