import FileSupport
import Foundation

/// openconnect(8) clients started by systemd units (`/etc/systemd/system/*.service`,
/// `ExecStart=` per systemd.service(5)): the server is openconnect's one positional argument,
/// `--protocol=` (anyconnect by default, also `nc`, `gp`, `pulse`, `f5`, `fortinet`, `array`)
/// picks the technology, and `--config=FILE` options (long options without `--`, one per
/// line) are read too. `--passwd-on-stdin` input and passwords are never read.
public struct OpenConnectCollector: Collector {
    public let name = "openconnect"
    public let inputs: [CollectorInput] = [.files("/etc/systemd/system/*.service"), .files("/etc/openconnect/*")]

    public init() {}

    static let technologies = ["anyconnect": "anyconnect", "nc": "juniper-nc", "pulse": "pulse", "gp": "globalprotect",
                               "f5": "f5-ssl", "fortinet": "fortinet-ssl", "array": "array-ssl"]
    /// Options of openconnect that take a value as a separate word.
    static let valued: Set<String> = ["-u", "--user", "-c", "--certificate", "-k", "--sslkey", "-i", "--interface", "-s", "--script",
                                      "--protocol", "--servercert", "--authgroup", "-g", "--usergroup", "--config", "--pid-file", "-C", "--cookie"]

    /// `/etc/openconnect/` holds `--config` files (`option=value` lines) beside whatever a unit
    /// feeds openconnect on standard input, often a bare password. In a snapshot every line
    /// that is not a comment and not `option=value` is replaced by its fingerprint (bare flags
    /// such as `no-dtls` too: the inventory reads only valued options), and secret-named
    /// values are redacted as everywhere.
    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        guard path.hasPrefix("/etc/openconnect/") else { return SecretRedactor.redact(text, path: path) }
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            guard !trimmed.isEmpty, !trimmed.hasPrefix("#"), !trimmed.contains("=") else { return String(line) }
            return SecretRedactor.marker(for: Substring(trimmed))
        }
        return SecretRedactor.redact(lines.joined(separator: "\n"), path: path)
    }

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(["/etc/systemd/system/*.service"]) { path, text in parse(text, path: path, system: system) }
    }

    /// openconnect's server argument, a URL or host[:port], as the endpoint it dials (443/tcp
    /// unless a port is given).
    static func serverEndpoint(_ server: String) -> NetworkEndpoint {
        var host = server
        if let scheme = host.range(of: "://") { host = String(host[scheme.upperBound...]) }
        host = String(host.split(separator: "/").first ?? Substring(host))
        var endpoint = NetworkEndpoint.parse(host, transport: "tcp", defaultPort: 443) ?? NetworkEndpoint(host: host, port: 443, transport: "tcp")
        if endpoint.port == nil { endpoint.port = 443 }
        return endpoint
    }

    /// The `option=value` lines of an openconnect `--config` file as `--option` values
    /// (bare flags and anything else, such as a password fed on stdin, are not read).
    static func configOptions(_ text: String) -> [(key: String, value: String, line: Int)] {
        ConfigText.lines(text, comments: ["#"]).compactMap { option in
            let parts = option.text.split(separator: "=", maxSplits: 1).map { $0.trimmingCharacters(in: .whitespaces) }
            guard parts.count == 2 else { return nil }
            return ("--" + parts[0].split(separator: " ")[0], parts[1], option.number)
        }
    }

    func parse(_ text: String, path: String, system: SystemView?) -> CollectorResult {
        var result = CollectorResult()
        for line in ConfigText.lines(text, comments: ["#", ";"]) where line.text.hasPrefix("ExecStart=") {
            let words = ConfigText.words(Substring(line.text.dropFirst("ExecStart=".count)), comments: [])
            guard let program = words.first?.trimmingCharacters(in: CharacterSet(charactersIn: "-@!+:")),
                  program.hasSuffix("openconnect") else { continue }
            var options: [String: String] = [:]
            var positional: [String] = []
            var index = 1
            while index < words.count {
                let word = words[index]
                if word.hasPrefix("-"), let equals = word.firstIndex(of: "=") {
                    options[String(word[..<equals])] = String(word[word.index(after: equals)...])
                } else if Self.valued.contains(word), index + 1 < words.count {
                    options[word] = words[index + 1]
                    index += 1
                } else if !word.hasPrefix("-") {
                    positional.append(word)
                }
                index += 1
            }
            var sources = [SourceReference(path, line: line.number, key: "ExecStart")]
            if let config = options["--config"], let system, case .success(let configText) = system.read(config) {
                sources.append(SourceReference(config))
                for option in Self.configOptions(configText) where options[option.key] == nil { options[option.key] = option.value }
            }
            let protocolName = options["--protocol"] ?? "anyconnect"
            guard let server = positional.first else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: line.number, key: "ExecStart"), "openconnect without a server argument"))
                continue
            }
            let technology = Self.technologies[protocolName] ?? protocolName
            let endpoint = Self.serverEndpoint(server)
            var attributes = ["protocol": protocolName]
            if let user = options["--user"] ?? options["-u"] { attributes["user"] = user }
            if options["--servercert"] != nil { attributes["servercert"] = "pinned" }
            result.items.append(ConfigItem(
                technology: technology, role: .client, name: "openconnect " + FilePath(path).fileStem,
                remote: [endpoint], interface: options["--interface"] ?? options["-i"], attributes: attributes, sources: sources))
        }
        return result
    }
}

extension OpenConnectCollector: ReferencedConfigurationReader {
    public var referencedPrograms: Set<String> { ["openconnect"] }

    /// `openconnect --config FILE SERVER`: the server (and `--user`, `--protocol`) from the
    /// command line, the rest from the file's `option=value` lines; the command line wins,
    /// as in openconnect. One client item; a password is never read.
    public func collect(referenced path: String, namedBy item: ConfigItem, from system: SystemView) -> CollectorResult {
        system.collectReferenced(path) { text in
            var options: [String: (value: String, line: Int)] = [:]
            for option in Self.configOptions(text) where options[option.key] == nil { options[option.key] = (option.value, option.line) }
            let protocolName = item.attributes["protocol"] ?? options["--protocol"]?.value ?? "anyconnect"
            var attributes = ["protocol": protocolName]
            var sources = [SourceReference(path)]
            if let user = item.attributes["user"] ?? options["--user"]?.value {
                attributes["user"] = user
                if item.attributes["user"] == nil, let line = options["--user"]?.line { sources.append(SourceReference(path, line: line, key: "user")) }
            }
            for key in ["authgroup", "usergroup", "interface"] {
                if let option = options["--" + key] { attributes[key] = option.value; sources.append(SourceReference(path, line: option.line, key: key)) }
            }
            if options["--servercert"] != nil { attributes["servercert"] = "pinned" }
            let remote = item.attributes["server"].map { [Self.serverEndpoint($0)] } ?? []
            guard !remote.isEmpty || !options.isEmpty else { return CollectorResult() }
            let name = "openconnect " + FilePath(path).fileStem
            return CollectorResult(items: [ConfigItem(
                technology: Self.technologies[protocolName] ?? protocolName, role: .client, name: name, remote: remote,
                interface: options["--interface"]?.value, attributes: attributes, sources: sources)])
        }
    }
}
