import Foundation

/// Running VPN and proxy programs, from the process list (`ps -e -o pid= -o args=`, ps(1); in a
/// snapshot `state/processes.txt`, one process a line as `PID<TAB>command line` or ps's own
/// right-aligned `PID command line`).
///
/// One item per process whose program (the base name of the first word, or of the script an
/// interpreter runs) is a known VPN or proxy program, technology from `VPNProgram`, role
/// unknown, attributes `process`, `pid`, and `config` from `--config`/`-c`/`-f` or a lone
/// `.conf`/`.json`/`.ovpn` argument. Command lines are never copied into items (they can hold
/// `-k password`), and `redact` replaces such argument values in the snapshot.
public struct ProcessCollector: Collector {
    public let name = "processes"
    static let command = ["ps", "-e", "-o", "pid=", "-o", "args="]
    public let inputs: [CollectorInput] = [.command(command, stateFile: "processes.txt")]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectCommand(Self.command, stateFile: "processes.txt", optional: true) { source, text in
            parse(text, source: source)
        }
    }

    func parse(_ text: String, source: String) -> CollectorResult {
        var result = CollectorResult()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty else { continue }
            let reference = SourceReference(source, line: index + 1)
            let pidText = line.prefix { $0.isNumber }
            let rest = line.dropFirst(pidText.count)
            guard !pidText.isEmpty, let separator = rest.first, separator == "\t" || separator == " " else {
                if index == 0, line.uppercased().hasPrefix("PID") { continue }  // a header from `ps -o pid,args`
                result.warnings.append(InventoryWarning(reference, "not `PID<TAB>command line`: \(line.prefix(40))"))
                continue
            }
            let words = ConfigText.words(rest, comments: [])
            guard !words.isEmpty else {
                result.warnings.append(InventoryWarning(reference, "process \(pidText) has no command line"))
                continue
            }
            guard let program = VPNProgram.program(in: words) else { continue }
            var attributes = ["process": program.name, "pid": String(pidText)]
            attributes.merge(VPNProgram.arguments(words.dropFirst(program.index + 1), program: program.name)) { first, _ in first }
            // openconnect names its server on the command line.
            let remote = attributes["server"].map { [OpenConnectCollector.serverEndpoint($0)] } ?? []
            result.items.append(ConfigItem(
                technology: program.technology, role: remote.isEmpty ? .unknown : .client, name: "\(program.name) pid \(pidText)",
                remote: remote, interface: attributes["interface"], isUp: true, attributes: attributes, sources: [reference]))
        }
        return result
    }

    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        text.split(separator: "\n", omittingEmptySubsequences: false).map { VPNProgram.redactArguments(String($0)) }.joined(separator: "\n")
    }
}

/// VPN and proxy programs by executable or unit name, shared by the live-state collectors
/// (processes, sockets, systemd units, cron).
enum VPNProgram {
    /// Executable name → technology id.
    static let technologies: [String: String] = [
        "openvpn": "openvpn", "ocserv": "anyconnect", "ocserv-main": "anyconnect", "ocserv-sm": "anyconnect", "openconnect": "anyconnect", "wg-quick": "wireguard", "wireguard": "wireguard",
        "ss-server": "shadowsocks", "ss-local": "shadowsocks", "ss-redir": "shadowsocks", "ss-tunnel": "shadowsocks",
        "ss-manager": "shadowsocks", "sslocal": "shadowsocks", "ssserver": "shadowsocks", "ssmanager": "shadowsocks",
        "v2ray": "v2ray", "xray": "xray", "clash": "clash", "mihomo": "mihomo", "clash-meta": "mihomo", "sing-box": "sing-box", "frpc": "frp", "frps": "frp", "trojan": "trojan", "tor": "tor", "squid": "http-proxy", "danted": "socks", "sockd": "socks",
        "stunnel": "stunnel", "stunnel4": "stunnel", "charon": "ipsec", "charon-systemd": "ipsec", "starter": "ipsec", "ipsec": "ipsec",
        "pluto": "ipsec", "xl2tpd": "l2tp", "pptpd": "pptp", "pptp": "pptp", "vpnserver": "softether", "vpnbridge": "softether",
        "vpnclient": "softether", "tincd": "tinc", "openfortivpn": "fortinet-sslvpn", "swanctl": "ipsec",
    ]

    /// Interpreters and wrappers whose script or command is the program to look at.
    static let wrappers: Set<String> = ["python", "python3", "perl", "node", "sh", "bash", "sudo", "nohup", "exec", "env", "nice", "ionice", "setsid", "daemon", "start-stop-daemon"]

    /// The first VPN program among `words` (skipping wrappers and their options), its index and
    /// technology.
    static func program(in words: [String]) -> (name: String, index: Int, technology: String)? {
        for (index, word) in words.enumerated() {
            let base = baseName(word)
            if let technology = technologies[base] {
                // `ipsec` and `starter` are too generic as arguments; only as the command itself.
                if index > 0, ["ipsec", "starter", "pptp"].contains(base) { return nil }
                return (base, index, technology)
            }
            if word.hasPrefix("-") || word.contains("=") || wrappers.contains(base) { continue }
            if index > 0, wrappers.contains(baseName(words[index - 1])) || words[index - 1].hasPrefix("-") { continue }
            return nil
        }
        return nil
    }

    static func baseName(_ word: String) -> String {
        let base = word.split(separator: "/").last.map(String.init) ?? word
        return base.hasSuffix(":") ? String(base.dropLast()) : base
    }

    /// `config`, `network` (tinc) and `interface` (wg-quick) from a program's arguments.
    static func arguments(_ words: ArraySlice<String>, program: String) -> [String: String] {
        var attributes: [String: String] = [:]
        let words = Array(words)
        var index = 0
        while index < words.count {
            let word = words[index]
            let next = index + 1 < words.count ? words[index + 1] : nil
            if program == "openconnect" {
                // openconnect(8): `-c` is a certificate there; the server is the one positional argument.
                let (option, value) = word.hasPrefix("--") && word.contains("=")
                    ? (String(word[..<word.firstIndex(of: "=")!]), Optional(String(word[word.index(after: word.firstIndex(of: "=")!)...])))
                    : (word, nil)
                if OpenConnectCollector.valued.contains(option) {
                    let argument = value ?? next
                    if value == nil { index += 1 }
                    if option == "--config" { attributes["config"] = argument }
                    if option == "--user" || option == "-u" { attributes["user"] = argument }
                    if option == "--protocol" { attributes["protocol"] = argument }
                } else if !word.hasPrefix("-"), attributes["server"] == nil {
                    attributes["server"] = word
                }
            } else if program == "swanctl", word == "--file" || word == "-f", let next {
                attributes["config"] = next
                index += 1
            } else if let equals = word.firstIndex(of: "="), word.hasPrefix("-") {
                let option = String(word[..<equals])
                if ["--config", "--conf", "--config-file", "-config", "-c"].contains(option) { attributes["config"] = String(word[word.index(after: equals)...]) }
                if option == "--net" { attributes["network"] = String(word[word.index(after: equals)...]) }
            } else if ["--config", "-c", "-config", "--conf", "--config-file", "-conf"].contains(word) || (word == "-f" && program == "tor"),
                      let next {
                attributes["config"] = next
                index += 1
            } else if program == "tincd", word == "-n" || word == "--net", let next {
                attributes["network"] = next
                index += 1
            } else if program == "wg-quick", ["up", "down"].contains(word), let next {
                attributes["interface"] = baseName(next).replacingOccurrences(of: ".conf", with: "")
                attributes["config"] = next.hasPrefix("/") ? next : "/etc/wireguard/\(next).conf"
                index += 1
            } else if !word.hasPrefix("-"), attributes["config"] == nil,
                      [".conf", ".json", ".ovpn", ".cfg"].contains(where: { word.hasSuffix($0) }) {
                attributes["config"] = word
            }
            index += 1
        }
        return attributes
    }

    /// Options whose value is a secret (`ss-local -k`, `--password`...).
    static let secretOptions: Set<String> = ["-k", "--key", "--password", "--passwd", "--pass", "--psk", "--secret", "--auth-key", "--token"]

    /// `line` with the value of every secret option replaced by a fingerprint marker.
    static func redactArguments(_ line: String) -> String {
        var output = ""
        var redactNext = false
        var index = line.startIndex
        while index < line.endIndex {
            if line[index] == " " || line[index] == "\t" {
                output.append(line[index])
                index = line.index(after: index)
                continue
            }
            let end = line[index...].firstIndex { $0 == " " || $0 == "\t" } ?? line.endIndex
            let word = line[index..<end]
            if redactNext {
                output += SecretRedactor.marker(for: word)
                redactNext = false
            } else if let equals = word.firstIndex(of: "="), secretOptions.contains(String(word[..<equals])) {
                output += word[...equals] + SecretRedactor.marker(for: word[word.index(after: equals)...])
            } else {
                redactNext = secretOptions.contains(String(word))
                output += word
            }
            index = end
        }
        return output
    }
}
