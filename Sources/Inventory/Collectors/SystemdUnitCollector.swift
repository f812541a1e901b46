import Foundation

/// VPN and proxy services enabled to start at boot: the entries of
/// `/etc/systemd/system/*.wants/` (symlinks `systemctl enable` makes, systemd.unit(5)
/// "[Install] WantedBy="; in a snapshot, copies of the unit files under the same names).
///
/// The unit name says the program for the units Debian packages install in
/// `/lib/systemd/system`: `openvpn@X`, `openvpn-server@X`, `openvpn-client@X`, `wg-quick@X`,
/// `strongswan*`, `ipsec`, `xl2tpd`, `ocserv`, `shadowsocks-libev*`, `v2ray`, `xray`, `tor`,
/// `stunnel4`/`stunnel@X`, `tinc@X`, `pptpd`, `squid`, `danted`, `vpnserver`,
/// `openfortivpn@X`; for any other service the `ExecStart=` program of its file decides
/// (systemd.service(5)). One item per unit, role unknown, attributes `started-by`
/// (`systemd <target>`), `unit`, and the config file or network the instance name selects.
public struct SystemdUnitCollector: Collector {
    public let name = "systemd-units"
    static let pattern = "/etc/systemd/system/*.wants/*"
    public let inputs: [CollectorInput] = [.files(pattern)]

    public init() {}

    /// Unit name (before `@` and the suffix) → technology, and where an instance's config lives.
    static let units: [String: (technology: String, config: String?)] = [
        "openvpn": ("openvpn", "/etc/openvpn/%i.conf"), "openvpn-server": ("openvpn", "/etc/openvpn/server/%i.conf"),
        "openvpn-client": ("openvpn", "/etc/openvpn/client/%i.conf"), "wg-quick": ("wireguard", "/etc/wireguard/%i.conf"),
        "strongswan": ("ipsec", nil), "strongswan-starter": ("ipsec", nil), "strongswan-swanctl": ("ipsec", nil), "ipsec": ("ipsec", nil),
        "xl2tpd": ("l2tp", nil), "ocserv": ("anyconnect", nil), "shadowsocks-libev": ("shadowsocks", "/etc/shadowsocks-libev/%i.json"),
        "shadowsocks-libev-server": ("shadowsocks", "/etc/shadowsocks-libev/%i.json"),
        "shadowsocks-libev-local": ("shadowsocks", "/etc/shadowsocks-libev/%i.json"),
        "shadowsocks-libev-redir": ("shadowsocks", "/etc/shadowsocks-libev/%i.json"),
        "shadowsocks-libev-tunnel": ("shadowsocks", "/etc/shadowsocks-libev/%i.json"), "v2ray": ("v2ray", "/etc/v2ray/%i.json"),
        "xray": ("xray", "/usr/local/etc/xray/%i.json"), "tor": ("tor", nil), "stunnel4": ("stunnel", nil), "stunnel": ("stunnel", "/etc/stunnel/%i.conf"),
        "tinc": ("tinc", nil), "pptpd": ("pptp", nil), "squid": ("http-proxy", nil), "danted": ("socks", nil), "vpnserver": ("softether", nil),
        "softether-vpnserver": ("softether", nil), "openfortivpn": ("fortinet-sslvpn", "/etc/openfortivpn/%i.conf"), "trojan": ("trojan", nil),
    ]

    static let suffixes = [".service", ".socket", ".target", ".timer", ".path", ".mount", ".device", ".scope", ".slice", ".swap", ".automount"]

    public func collect(from system: SystemView) -> CollectorResult {
        var result = CollectorResult()
        for path in system.files(matching: Self.pattern) {
            let parts = path.split(separator: "/")
            let unit = String(parts.last ?? "")
            let target = String(parts.dropLast().last ?? "").replacingOccurrences(of: ".wants", with: "")
            let reference = SourceReference(path)
            guard let suffix = Self.suffixes.first(where: { unit.hasSuffix($0) }) else {
                result.warnings.append(InventoryWarning(reference, "not a unit name (no .service, .socket... suffix): \(unit)"))
                continue
            }
            guard suffix == ".service" else { continue }
            let stem = String(unit.dropLast(suffix.count))
            let prefix = stem.split(separator: "@", maxSplits: 1, omittingEmptySubsequences: false).first.map(String.init) ?? stem
            let instance = stem.contains("@") ? String(stem[stem.index(after: stem.firstIndex(of: "@")!)...]) : nil
            var attributes = ["started-by": "systemd \(target)", "unit": unit]
            var sources = [reference]
            let technology: String
            if let known = Self.units[prefix] {
                if instance == "" {
                    result.warnings.append(InventoryWarning(reference, "template \(unit) enabled without an instance name"))
                    continue
                }
                technology = known.technology
                if let instance {
                    let name = Self.unescape(instance)
                    if let config = known.config { attributes["config"] = config.replacingOccurrences(of: "%i", with: name) }
                    if prefix == "tinc" { attributes["network"] = name }
                    if prefix == "wg-quick" { attributes["interface"] = name }
                }
            } else {
                // Another service: its `ExecStart=` program decides.
                guard case .success(let text) = system.read(path) else { continue }
                let document = INIDocument(text)
                guard let exec = document.sections(named: "Service").first?.all("ExecStart").last(where: { !$0.value.isEmpty }) else { continue }
                // Prefixes `-@:+!` change how systemd runs the command, not which.
                let words = ConfigText.words(Substring(exec.value.drop { "-@:+!".contains($0) }), comments: [])
                guard let program = VPNProgram.program(in: words) else { continue }
                technology = program.technology
                attributes["process"] = program.name
                attributes.merge(VPNProgram.arguments(words.dropFirst(program.index + 1), program: program.name)) { first, _ in first }
                sources.append(SourceReference(path, line: exec.line, key: "ExecStart"))
            }
            result.items.append(ConfigItem(
                technology: technology, role: .unknown, name: "unit \(stem)", interface: attributes["interface"],
                attributes: attributes, sources: sources))
        }
        return result
    }

    /// systemd-escape(1) reversed for an instance name: `\x2d` → `-`.
    static func unescape(_ text: String) -> String {
        var output = ""
        var rest = Substring(text)
        while let range = rest.range(of: "\\x") {
            output += rest[..<range.lowerBound]
            let hex = rest[range.upperBound...].prefix(2)
            if hex.count == 2, let value = UInt8(hex, radix: 16) {
                output.append(Character(UnicodeScalar(value)))
                rest = rest[rest.index(range.upperBound, offsetBy: 2)...]
            } else {
                output += "\\x"
                rest = rest[range.upperBound...]
            }
        }
        return output + rest
    }
}
