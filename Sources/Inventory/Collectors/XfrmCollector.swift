import Foundation

/// Kernel IPsec state from `ip xfrm state` and `ip xfrm policy` (ip-xfrm(8)): installed SAs
/// (`src A dst B` headers, then `proto esp spi ... mode tunnel`) are grouped into one item per
/// pair of outer addresses, which is up; the policies whose `tmpl src A dst B` use that pair add
/// their `src`/`dst` selectors as networks. The keys `ip xfrm state` prints after `enc`, `auth`,
/// `auth-trunc`, `aead` and `comp` never reach an item, and `redact` removes them from snapshots.
public struct XfrmCollector: Collector {
    public let name = "ip-xfrm"
    public let inputs: [CollectorInput] = [
        .command(["ip", "xfrm", "state"], stateFile: "ip-xfrm-state.txt"),
        .command(["ip", "xfrm", "policy"], stateFile: "ip-xfrm-policy.txt"),
    ]

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        var pairs: [Pair] = []
        var result = system.collectCommand(["ip", "xfrm", "state"], stateFile: "ip-xfrm-state.txt", optional: true) { source, text in
            parseStates(text, source: source, into: &pairs)
        }
        result = result + system.collectCommand(["ip", "xfrm", "policy"], stateFile: "ip-xfrm-policy.txt", optional: true) { source, text in
            parsePolicies(text, source: source, into: &pairs)
        }
        result.items = pairs.map { pair in
            var attributes: [String: String] = [:]
            if !pair.modes.isEmpty { attributes["mode"] = pair.modes.sorted().joined(separator: ",") }
            if !pair.protocols.isEmpty { attributes["proto"] = pair.protocols.sorted().joined(separator: ",") }
            if pair.states > 0 { attributes["sas"] = String(pair.states) }
            return ConfigItem(
                technology: "ipsec", role: .siteToSite, name: "xfrm \(pair.local)-\(pair.remote)",
                local: [NetworkEndpoint(host: pair.local)], remote: [NetworkEndpoint(host: pair.remote)], networks: pair.networks,
                isUp: pair.states > 0 ? true : nil, attributes: attributes, sources: pair.sources)
        }
        return result
    }

    struct Pair {
        var local: String
        var remote: String
        var states = 0
        var modes = Set<String>()
        var protocols = Set<String>()
        var networks: [String] = []
        var sources: [SourceReference] = []
    }

    private func pairIndex(_ a: String, _ b: String, in pairs: inout [Pair]) -> Int {
        if let index = pairs.firstIndex(where: { ($0.local == a && $0.remote == b) || ($0.local == b && $0.remote == a) }) { return index }
        pairs.append(Pair(local: a, remote: b))
        return pairs.count - 1
    }

    /// Fields of a header line `src A dst B`, or nil.
    private func endpoints(_ words: [Substring]) -> (String, String)? {
        guard let src = words.firstIndex(of: "src"), let dst = words.firstIndex(of: "dst"), src + 1 < words.count, dst + 1 < words.count else { return nil }
        return (String(words[src + 1]), String(words[dst + 1]))
    }

    func parseStates(_ text: String, source: String, into pairs: inout [Pair]) -> CollectorResult {
        var result = CollectorResult()
        var current: Int?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard !words.isEmpty else { continue }
            if !(raw.first?.isWhitespace ?? false) {
                guard words.first == "src", let (src, dst) = endpoints(words) else {
                    result.warnings.append(InventoryWarning(SourceReference(source, line: index + 1), "not an SA header (src A dst B): \(raw.prefix(40))"))
                    current = nil
                    continue
                }
                // Outbound SAs go from this gateway; the first header of a pair decides which is local.
                current = pairIndex(src, dst, in: &pairs)
                pairs[current!].states += 1
                pairs[current!].sources.append(SourceReference(source, line: index + 1))
            } else if let current, words.first == "proto" {
                pairs[current].protocols.insert(String(words.count > 1 ? words[1] : ""))
                if let mode = words.firstIndex(of: "mode"), mode + 1 < words.count { pairs[current].modes.insert(String(words[mode + 1])) }
            }
        }
        return result
    }

    func parsePolicies(_ text: String, source: String, into pairs: inout [Pair]) -> CollectorResult {
        var result = CollectorResult()
        var selector: (String, String)?
        var direction: String?
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = raw.split(whereSeparator: { $0 == " " || $0 == "\t" })
            guard !words.isEmpty else { continue }
            if !(raw.first?.isWhitespace ?? false) {
                guard words.first == "src", let pair = endpoints(words) else {
                    result.warnings.append(InventoryWarning(SourceReference(source, line: index + 1), "not a policy header (src A dst B): \(raw.prefix(40))"))
                    selector = nil
                    continue
                }
                selector = pair
                direction = nil
            } else if words.first == "dir", words.count > 1 {
                direction = String(words[1])
            } else if words.first == "tmpl", let (src, dst) = endpoints(words), let selector, src != "0.0.0.0", dst != "0.0.0.0" {
                let index2 = direction == "out" ? pairIndex(src, dst, in: &pairs) : pairIndex(dst, src, in: &pairs)
                for network in [selector.0, selector.1] where !pairs[index2].networks.contains(network) {
                    pairs[index2].networks.append(network)
                }
                pairs[index2].sources.append(SourceReference(source, line: index + 1, key: "tmpl"))
            }
        }
        return result
    }

    /// `ip xfrm state` prints the SA keys (`enc cbc(aes) 0x...`, `auth-trunc hmac(sha256) 0x... 128`,
    /// `aead rfc4106(gcm(aes)) 0x... 128`): each becomes a fingerprint.
    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        guard case .command(let command, _) = input, command.contains("state") else { return SecretRedactor.redact(text, path: path) }
        let keyed: Set<Substring> = ["enc", "auth", "auth-trunc", "aead", "comp"]
        return text.split(separator: "\n", omittingEmptySubsequences: false).map { line -> String in
            let indentation = line.prefix { $0 == " " || $0 == "\t" }
            var words = line.dropFirst(indentation.count).split(separator: " ", omittingEmptySubsequences: false)
            guard let first = words.first, keyed.contains(first), words.count >= 3 else { return String(line) }
            words[2] = Substring(SecretRedactor.marker(for: words[2]))
            return String(indentation) + words.joined(separator: " ")
        }.joined(separator: "\n")
    }
}
