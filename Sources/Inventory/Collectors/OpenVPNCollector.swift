import FileSupport
import Foundation

/// OpenVPN configurations (`/etc/openvpn/**/*.conf`, `*.ovpn`), read as openvpn(8) describes
/// its config file: one option per line, `#`/`;` comments, `<tag>...</tag>` inline files.
///
/// One item per file. Clients (`client`, `tls-client`/`pull`) list every `remote host [port]
/// [proto]`, also inside `<connection>` blocks; servers (`server`, `server-bridge`,
/// `mode server`, `tls-server`) give `local`/`port`/`proto`, the `server` pool, `push "route"`
/// networks, `client-to-client`, `duplicate-cn` and the `iroute`s of their `client-config-dir`
/// files; the rest (static-key point-to-point) are site-to-site. `tls-auth`, `tls-crypt`,
/// `tls-crypt-v2` and `secret` are noted as attributes only: inline key blocks are skipped
/// unread.
public struct OpenVPNCollector: Collector {
    public let name = "openvpn"
    public let inputs: [CollectorInput] = [
        .files("/etc/openvpn/**/*.conf"), .files("/etc/openvpn/**/*.ovpn"), .files("/etc/openvpn/**/ccd/*"),
    ]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(["/etc/openvpn/**/*.conf", "/etc/openvpn/**/*.ovpn"]) { path, text in
            parse(text, path: path, system: system)
        }
    }

    /// Options that are inline-file blocks (`<ca>` ... `</ca>`).
    static let inlineTags: Set<String> = [
        "ca", "cert", "key", "extra-certs", "dh", "tls-auth", "tls-crypt", "tls-crypt-v2", "secret", "pkcs12",
        "crl-verify", "http-proxy-user-pass", "auth-user-pass", "peer-fingerprint",
    ]

    func parse(_ text: String, path: String, system: SystemView?) -> CollectorResult {
        var warnings: [InventoryWarning] = []
        var sources: [SourceReference] = []
        var remotes: [(host: String, port: String?, proto: String?, line: Int)] = []
        var attributes: [String: String] = [:]
        var networks: [String] = []
        var isClient = false
        var isServer = false
        var proto: String?
        var port: String?
        var localAddress: String?
        var device: String?
        var clientConfigDirectory: (path: String, line: Int)?
        var workingDirectory: String?
        var openBlock: (tag: String, line: Int)?

        for line in ConfigText.lines(text) {
            var words = line.words
            if words[0].hasPrefix("--") { words[0].removeFirst(2) }
            let option = words[0]
            if let block = openBlock {
                if option == "</\(block.tag)>" { openBlock = nil }
                continue
            }
            if option.hasPrefix("</") {
                if option != "</connection>" {
                    warnings.append(InventoryWarning(SourceReference(path, line: line.number), "closing \(option) without its opening tag"))
                }
                continue
            }
            if option.hasPrefix("<"), option.hasSuffix(">") {
                let tag = String(option.dropFirst().dropLast())
                if tag == "connection" { continue }  // its options are read like the file's own
                if Self.inlineTags.contains(tag) {
                    if ["tls-auth", "tls-crypt", "tls-crypt-v2", "secret"].contains(tag) {
                        attributes[tag] = "inline"
                        sources.append(SourceReference(path, line: line.number, key: "<\(tag)>"))
                    }
                } else {
                    warnings.append(InventoryWarning(SourceReference(path, line: line.number), "unknown inline block <\(tag)>; skipped"))
                }
                openBlock = (tag, line.number)
                continue
            }
            let arguments = Array(words.dropFirst())
            func reference(_ key: String? = nil) -> SourceReference { SourceReference(path, line: line.number, key: key ?? option) }
            switch option {
            case "client":
                isClient = true
                sources.append(reference())
            case "tls-client", "pull":
                isClient = true
            case "server", "server-ipv6":
                isServer = true
                sources.append(reference())
                if option == "server-ipv6", let network = arguments.first {
                    networks.append(network)
                } else if arguments.count >= 2, let cidr = ConfigText.cidr(arguments[0], mask: arguments[1]) {
                    networks.append(cidr)
                    attributes["server-network"] = cidr
                } else {
                    warnings.append(InventoryWarning(reference(), "server needs a network and a netmask: \(line.text)"))
                }
            case "server-bridge", "tls-server":
                isServer = true
                sources.append(reference())
            case "mode":
                if arguments.first == "server" { isServer = true; sources.append(reference()) }
            case "remote":
                guard let host = arguments.first else {
                    warnings.append(InventoryWarning(reference(), "remote without a host"))
                    continue
                }
                if arguments.count > 1, ConfigText.port(arguments[1]) == nil {
                    warnings.append(InventoryWarning(reference(), "not a port number: \(arguments[1])"))
                    continue
                }
                remotes.append((host, arguments.count > 1 ? arguments[1] : nil, arguments.count > 2 ? arguments[2] : nil, line.number))
                sources.append(reference())
            case "proto":
                proto = arguments.first
            case "port", "lport":
                guard let value = arguments.first, ConfigText.port(value) != nil else {
                    warnings.append(InventoryWarning(reference(), "not a port number: \(arguments.first ?? "(none)")"))
                    continue
                }
                port = value
                sources.append(reference())
            case "local":
                localAddress = arguments.first
            case "dev":
                device = arguments.first
            case "push":
                // push "route NETWORK MASK", push "route-ipv6 PREFIX", push "redirect-gateway ..."
                let pushed = arguments.joined(separator: " ").split(separator: " ").map(String.init)
                if pushed.first == "route", pushed.count >= 3, let cidr = ConfigText.cidr(pushed[1], mask: pushed[2]) {
                    networks.append(cidr)
                    sources.append(reference("push route"))
                } else if pushed.first == "route", pushed.count == 2 {
                    networks.append(pushed[1] + "/32")
                } else if pushed.first == "route-ipv6", pushed.count >= 2 {
                    networks.append(pushed[1])
                } else if pushed.first == "redirect-gateway" {
                    attributes["redirect-gateway"] = "pushed"
                } else if pushed.first == "route" {
                    warnings.append(InventoryWarning(reference("push"), "pushed route without a valid netmask: \(line.text)"))
                }
            case "route":
                if arguments.count >= 2, let cidr = ConfigText.cidr(arguments[0], mask: arguments[1]) {
                    networks.append(cidr)
                } else if arguments.count == 1 {
                    networks.append(arguments[0] + "/32")
                }
            case "redirect-gateway":
                attributes["redirect-gateway"] = "true"
            case "client-to-client", "duplicate-cn":
                attributes[option] = "true"
                sources.append(reference())
            case "tls-auth", "tls-crypt", "tls-crypt-v2", "secret":
                // Only that there is one, and which file: never its content.
                attributes[option] = arguments.first ?? "set"
                sources.append(reference())
            case "cipher", "data-ciphers", "auth", "topology", "compress":
                attributes[option] = arguments.joined(separator: " ")
            case "client-config-dir":
                if let directory = arguments.first { clientConfigDirectory = (directory, line.number) }
            case "cd":
                workingDirectory = arguments.first
            default:
                break
            }
        }
        if let block = openBlock {
            warnings.append(InventoryWarning(SourceReference(path, line: block.line), "<\(block.tag)> is never closed; the rest of the file is skipped"))
        }

        let directory = workingDirectory ?? FilePath(path).containingDirectory.string
        if let ccd = clientConfigDirectory {
            let ccdPath = FilePath(directory).resolving(ccd.path).string
            attributes["client-config-dir"] = ccd.path
            sources.append(SourceReference(path, line: ccd.line, key: "client-config-dir"))
            if let system {
                let files = system.files(matching: FilePath(ccdPath).appending("*").string)
                if files.isEmpty {
                    warnings.append(InventoryWarning(SourceReference(path, line: ccd.line, key: "client-config-dir"), "\(ccdPath) has no client files"))
                }
                var clients: [String] = []
                for file in files {
                    guard case .success(let ccdText) = system.read(file) else {
                        warnings.append(InventoryWarning(SourceReference(file), "cannot be read"))
                        continue
                    }
                    clients.append(FilePath(file).fileName)
                    for line in ConfigText.lines(ccdText) where line.words[0] == "iroute" {
                        let arguments = Array(line.words.dropFirst())
                        if arguments.count >= 2, let cidr = ConfigText.cidr(arguments[0], mask: arguments[1]) {
                            networks.append(cidr)
                            sources.append(SourceReference(file, line: line.number, key: "iroute"))
                        } else if arguments.count == 1 {
                            networks.append(arguments[0] + "/32")
                            sources.append(SourceReference(file, line: line.number, key: "iroute"))
                        } else {
                            warnings.append(InventoryWarning(SourceReference(file, line: line.number, key: "iroute"), "iroute needs a network and a netmask"))
                        }
                    }
                }
                if !clients.isEmpty { attributes["ccd-clients"] = clients.joined(separator: ",") }
            }
        }

        func transport(_ text: String?) -> String? {
            guard let text = text?.lowercased() else { return nil }
            if text.hasPrefix("udp") { return "udp" }
            if text.hasPrefix("tcp") { return "tcp" }
            return nil
        }
        let defaultTransport = transport(proto) ?? "udp"
        if let proto { attributes["proto"] = proto }
        let defaultPort = port.flatMap(ConfigText.port) ?? 1194
        let remote = remotes.map {
            NetworkEndpoint(host: $0.host, port: $0.port.flatMap(ConfigText.port) ?? defaultPort, transport: transport($0.proto) ?? defaultTransport)
        }
        let role: ConfigItem.Role
        if isServer {
            role = .server
        } else if isClient {
            role = .client
        } else {
            role = remotes.isEmpty ? .server : .siteToSite
        }
        if role == .client && remotes.isEmpty {
            warnings.append(InventoryWarning(SourceReference(path), "client configuration without a remote"))
        }
        var local: [NetworkEndpoint] = []
        if role != .client || port != nil || localAddress != nil {
            local.append(NetworkEndpoint(host: localAddress ?? "*", port: defaultPort, transport: defaultTransport))
        }
        let name = FilePath(path).fileStem
        var item = ConfigItem(
            technology: "openvpn", role: role, name: name, local: local, remote: remote, networks: networks,
            interface: device, attributes: attributes, sources: sources.isEmpty ? [SourceReference(path)] : sources)
        if item.sources.first?.line != nil { item.sources.insert(SourceReference(path), at: 0) }
        return CollectorResult(items: [item], warnings: warnings)
    }
}

extension OpenVPNCollector: ReferencedConfigurationReader {
    public var referencedPrograms: Set<String> { ["openvpn"] }

    public func collect(referenced path: String, namedBy item: ConfigItem, from system: SystemView) -> CollectorResult {
        system.collectReferenced(path) { parse($0, path: path, system: system) }
    }
}
