import FileSupport
import Foundation

/// pppd peer files (`/etc/ppp/peers/*`, pppd(8) options, one per line, `#` comments): a `pty`
/// running `pptp HOST ...` (pptp(8)) is a PPTP client of HOST; `plugin pppol2tp.so` is L2TP;
/// `plugin rp-pppoe.so`/`pppoe.so` with an interface is a PPPoE hand-off to the carrier.
/// `remotename`, `name`, `ipparam`, `require-mppe*` become attributes; `password` is never read.
public struct PPPPeersCollector: Collector {
    public let name = "ppp-peers"
    public let inputs: [CollectorInput] = [.files("/etc/ppp/peers/*")]

    public init() {}

    /// pptp(8) options that take the next word as their value.
    static let pptpValuedOptions: Set<String> = ["--phone", "--timeout", "--logstring", "--localbind", "--loglevel", "--rtmark",
                                                 "--idle-wait", "--max-echo-wait", "--test-type", "--test-rate"]

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(["/etc/ppp/peers/*"]) { path, text in parse(text, path: path) }
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        var technology: String?
        var role = ConfigItem.Role.client
        var remote: [NetworkEndpoint] = []
        var interface: String?
        var attributes: [String: String] = [:]
        var sources: [SourceReference] = []
        for line in ConfigText.lines(text, comments: ["#"]) {
            let option = line.words[0]
            let arguments = Array(line.words.dropFirst())
            switch option {
            case "pty":
                guard let command = arguments.first else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: line.number, key: "pty"), "pty without a command"))
                    continue
                }
                let words = ConfigText.words(Substring(command), comments: [])
                if let pptp = words.firstIndex(where: { $0 == "pptp" || $0.hasSuffix("/pptp") }) {
                    technology = "pptp"
                    // pptp [options] HOST [pppd options]: the first word that is not an option.
                    var host: String?
                    var position = pptp + 1
                    while position < words.count, host == nil {
                        if Self.pptpValuedOptions.contains(words[position]) { position += 2; continue }
                        if !words[position].hasPrefix("-") { host = words[position] }
                        position += 1
                    }
                    if let host {
                        remote.append(NetworkEndpoint(host: host, port: 1723, transport: "tcp"))
                    } else {
                        result.warnings.append(InventoryWarning(SourceReference(path, line: line.number, key: "pty"), "pptp without a server: \(command.prefix(40))"))
                    }
                    sources.append(SourceReference(path, line: line.number, key: "pty"))
                } else {
                    attributes["pty"] = words.first ?? command
                }
            case "plugin":
                let plugin = arguments.first ?? ""
                if plugin.contains("pppoe") {
                    technology = "pppoe"
                    role = .handOff
                    sources.append(SourceReference(path, line: line.number, key: "plugin"))
                } else if plugin.contains("pppol2tp") {
                    technology = "l2tp"
                    sources.append(SourceReference(path, line: line.number, key: "plugin"))
                }
            case _ where option.hasPrefix("nic-"):
                interface = String(option.dropFirst(4))
            case "remotename", "name", "ipparam", "linkname", "unit":
                attributes[option] = arguments.first ?? ""
            case "require-mppe", "require-mppe-128", "require-mppe-40", "defaultroute", "replacedefaultroute", "persist", "usepeerdns":
                attributes[option] = "true"
            default:
                // An interface name alone on a line is the PPPoE device.
                if technology == "pppoe", interface == nil, arguments.isEmpty, option.range(of: "^(eth|en|wan|bond|vlan)", options: .regularExpression) != nil {
                    interface = option
                }
            }
        }
        guard let technology else { return result }
        let name = FilePath(path).fileName
        if technology == "pptp" && remote.isEmpty && result.warnings.isEmpty {
            result.warnings.append(InventoryWarning(SourceReference(path), "PPTP peer without a server"))
        }
        if let interface { attributes["carrier-interface"] = interface }
        result.items.append(ConfigItem(
            technology: technology, role: role, name: name, remote: remote, interface: attributes["unit"].map { "ppp\($0)" },
            attributes: attributes, sources: [SourceReference(path)] + sources))
        return result
    }
}
