import Foundation

/// BGP sessions in BIRD 2 (and 1.6) configurations (`/etc/bird/bird.conf`, `/etc/bird/**/*.conf`,
/// `/etc/bird.conf`), as the BIRD user's guide writes them: `protocol bgp [NAME] [from TEMPLATE]
/// { local [ADDRESS] as ASN; neighbor ADDRESS [port N] as ASN; description "..."; ... }` and
/// `template bgp NAME { ... }`, with `#` and `/* */` comments. Each protocol with a neighbor is
/// a hand-off item: technology `bgp`, attributes `remote-as`, `local-as`, `description`,
/// `multihop`. `password` is never read.
public struct BIRDCollector: Collector {
    public let name = "bird"
    static let patterns = ["/etc/bird/**/*.conf", "/etc/bird.conf", "/etc/bird6.conf"]
    public let inputs: [CollectorInput] = patterns.map { .files($0) }

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.patterns) { path, text in parse(text, path: path) }
    }

    struct Token { var text: String; var line: Int; var quoted = false }

    static func tokens(_ text: String) -> [Token] {
        var tokens: [Token] = []
        var current = ""
        var line = 1
        var startLine = 1
        var iterator = Array(text)
        var index = 0
        func flush() { if !current.isEmpty { tokens.append(Token(text: current, line: startLine)); current = "" } }
        while index < iterator.count {
            let character = iterator[index]
            if character == "\n" { flush(); line += 1; index += 1; continue }
            if character == "#" {
                flush()
                while index < iterator.count, iterator[index] != "\n" { index += 1 }
                continue
            }
            if character == "/", index + 1 < iterator.count, iterator[index + 1] == "*" {
                flush()
                index += 2
                while index + 1 < iterator.count, !(iterator[index] == "*" && iterator[index + 1] == "/") {
                    if iterator[index] == "\n" { line += 1 }
                    index += 1
                }
                index += 2
                continue
            }
            if character == "\"" {
                flush()
                var string = ""
                index += 1
                let begin = line
                while index < iterator.count, iterator[index] != "\"" {
                    if iterator[index] == "\n" { line += 1 }
                    string.append(iterator[index])
                    index += 1
                }
                tokens.append(Token(text: string, line: begin, quoted: true))
                index += 1
                continue
            }
            if character == "{" || character == "}" || character == ";" {
                flush()
                tokens.append(Token(text: String(character), line: line))
                index += 1
                continue
            }
            if character == " " || character == "\t" || character == "\r" { flush(); index += 1; continue }
            if current.isEmpty { startLine = line }
            current.append(character)
            index += 1
        }
        flush()
        iterator = []
        return tokens
    }

    struct BGPBlock {
        var name: String
        var line: Int
        var template: String?
        var isTemplate: Bool
        var statements: [[Token]] = []
    }

    func parse(_ text: String, path: String) -> CollectorResult {
        var result = CollectorResult()
        let tokens = Self.tokens(text)
        var protocols: [BGPBlock] = []
        var index = 0
        var depth = 0
        var unnamed = 0
        while index < tokens.count {
            let token = tokens[index]
            if token.text == "{" && !token.quoted { depth += 1 }
            if token.text == "}" && !token.quoted {
                depth -= 1
                if depth < 0 {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: token.line), "a closing } without its block"))
                    depth = 0
                }
            }
            guard depth == 0, token.text == "protocol" || token.text == "template", index + 1 < tokens.count, tokens[index + 1].text == "bgp" else {
                index += 1
                continue
            }
            // protocol bgp [name] [from template] {
            var cursor = index + 2
            var header: [String] = []
            while cursor < tokens.count, tokens[cursor].text != "{", tokens[cursor].text != ";" { header.append(tokens[cursor].text); cursor += 1 }
            guard cursor < tokens.count, tokens[cursor].text == "{" else {
                result.warnings.append(InventoryWarning(SourceReference(path, line: token.line), "protocol bgp without a { block"))
                index = cursor
                continue
            }
            var name = header.first.flatMap { $0 == "from" ? nil : $0 }
            if name == nil { unnamed += 1; name = "bgp\(unnamed)" }
            let template = header.firstIndex(of: "from").flatMap { $0 + 1 < header.count ? header[$0 + 1] : nil }
            var proto = BGPBlock(name: name!, line: token.line, template: template, isTemplate: token.text == "template")
            // Statements at depth 1 of the block, split on `;`; nested channel blocks are skipped.
            cursor += 1
            var inner = 1
            var statement: [Token] = []
            while cursor < tokens.count, inner > 0 {
                let part = tokens[cursor]
                if !part.quoted && part.text == "{" { inner += 1 } else if !part.quoted && part.text == "}" {
                    inner -= 1
                    statement = []
                } else if inner == 1 {
                    if !part.quoted && part.text == ";" {
                        if !statement.isEmpty { proto.statements.append(statement) }
                        statement = []
                    } else {
                        statement.append(part)
                    }
                }
                cursor += 1
            }
            if inner > 0 {
                result.warnings.append(InventoryWarning(SourceReference(path, line: token.line), "protocol bgp \(proto.name) is never closed with }"))
            }
            protocols.append(proto)
            index = cursor
        }
        let templates = Dictionary(protocols.filter(\.isTemplate).map { ($0.name, $0) }, uniquingKeysWith: { first, _ in first })
        for proto in protocols where !proto.isTemplate {
            var attributes: [String: String] = [:]
            var remote: [NetworkEndpoint] = []
            var sources = [SourceReference(path, line: proto.line, key: "protocol bgp \(proto.name)")]
            var statements = proto.statements
            if let name = proto.template {
                if let template = templates[name] { statements = template.statements + statements } else {
                    result.warnings.append(InventoryWarning(SourceReference(path, line: proto.line), "template \(name) is not defined in this file"))
                }
            }
            for statement in statements {
                let words = statement.map(\.text)
                let reference = SourceReference(path, line: statement[0].line, key: words[0])
                func asNumber() -> String? {
                    guard let at = words.firstIndex(of: "as"), at + 1 < words.count else { return nil }
                    return words[at + 1]
                }
                switch words[0] {
                case "local":
                    if let asn = asNumber() { attributes["local-as"] = asn }
                    if words.count > 1, words[1] != "as" { attributes["local-address"] = words[1] }
                case "neighbor":
                    guard words.count >= 2 else { continue }
                    if words[1] == "range" { attributes["neighbor-range"] = words.count > 2 ? words[2] : ""; continue }
                    guard let asn = asNumber(), UInt32(asn) != nil || asn == "internal" || asn == "external" else {
                        result.warnings.append(InventoryWarning(reference, "neighbor \(words[1]) without an 'as NUMBER'"))
                        continue
                    }
                    attributes["remote-as"] = asn
                    var port: UInt16 = 179
                    if let at = words.firstIndex(of: "port"), at + 1 < words.count, let value = ConfigText.port(words[at + 1]) { port = value }
                    // `neighbor 192.0.2.1%eth0 as ...` names the interface.
                    let address = words[1].split(separator: "%").first.map(String.init) ?? words[1]
                    remote.removeAll { $0.host == address }
                    remote.append(NetworkEndpoint(host: address, port: port, transport: "tcp"))
                    sources.append(reference)
                case "description":
                    attributes["description"] = words.dropFirst().joined(separator: " ")
                case "multihop", "direct", "passive", "interface", "source":
                    attributes[words[0]] = words.count > 1 ? words.dropFirst().joined(separator: " ") : "true"
                case "password":
                    attributes["password"] = "set"
                case "disabled":
                    attributes["disabled"] = words.count > 1 ? words[1] : "yes"
                default:
                    break
                }
            }
            if remote.isEmpty && attributes["neighbor-range"] == nil {
                result.warnings.append(InventoryWarning(SourceReference(path, line: proto.line), "protocol bgp \(proto.name) has no neighbor"))
                continue
            }
            result.items.append(ConfigItem(
                technology: "bgp", role: .handOff, name: proto.name, remote: remote, interface: attributes["interface"],
                attributes: attributes, sources: sources))
        }
        return result
    }
}
