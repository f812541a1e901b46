import Foundation

/// The PPTP server pptpd (`/etc/pptpd.conf`, pptpd.conf(5)): `localip` and `remoteip` address
/// lists handed to clients, `listen` address, TCP port 1723.
public struct PPTPDCollector: Collector {
    public let name = "pptpd"
    public let inputs: [CollectorInput] = [.files("/etc/pptpd.conf")]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(["/etc/pptpd.conf"]) { path, text in parse(text, path: path) }
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        var attributes: [String: String] = [:]
        var sources = [SourceReference(path)]
        var networks: [String] = []
        var listen = "*"
        let known: Set<String> = ["option", "debug", "stimeout", "noipparam", "logwtmp", "bcrelay", "delegate", "connections",
                                  "localip", "remoteip", "listen", "pidfile", "speed", "ppp", "vrf"]
        for line in ConfigText.lines(text, comments: ["#"]) {
            let option = line.words[0].lowercased()
            let value = line.words.dropFirst().joined(separator: " ")
            guard known.contains(option) else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: line.number), "unknown pptpd option: \(line.text.prefix(40))"))
                continue
            }
            switch option {
            case "localip", "remoteip":
                guard !value.isEmpty else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: line.number, key: option), "\(option) without addresses"))
                    continue
                }
                attributes[option] = value
                sources.append(SourceReference(path, line: line.number, key: option))
                if option == "remoteip" { networks += value.split(separator: ",").map(String.init) }
            case "listen":
                listen = value
            case "connections", "option":
                attributes[option] = value
            default:
                break
            }
        }
        result.items.append(ConfigItem(
            technology: "pptp", role: .server, name: "pptpd", local: [NetworkEndpoint(host: listen, port: 1723, transport: "tcp")],
            networks: networks, attributes: attributes, sources: sources))
        return result
    }
}
