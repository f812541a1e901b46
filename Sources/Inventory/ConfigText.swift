import Foundation

/// Helpers the text-format collectors share: reading every file of a pattern with failures as
/// warnings, splitting directive lines into words, and recognising tunnel interface names.
enum ConfigText {
    /// A non-blank, non-comment line split into words, with its 1-based line number.
    struct Line {
        var number: Int
        var words: [String]
        var text: String
    }

    /// Splits `text` into directive lines: comments from any of `comments` (outside quotes) to
    /// the end of the line are dropped, words are split on blanks, and double quotes group.
    static func lines(_ text: String, comments: Set<Character> = ["#", ";"], splitOn extra: Set<Character> = []) -> [Line] {
        var result: [Line] = []
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let words = self.words(raw, comments: comments, splitOn: extra)
            if !words.isEmpty {
                result.append(Line(number: index + 1, words: words, text: raw.trimmingCharacters(in: .whitespaces)))
            }
        }
        return result
    }

    /// Words of one line; quotes group words and are removed, and a comment character that starts
    /// a word (outside quotes) ends the line.
    static func words(_ line: Substring, comments: Set<Character> = ["#", ";"], splitOn extra: Set<Character> = []) -> [String] {
        var words: [String] = []
        var current = ""
        var inWord = false
        var quote: Character?
        for character in line {
            if let open = quote {
                if character == open { quote = nil } else { current.append(character) }
                continue
            }
            if character == "\"" || character == "'" {
                quote = character
                inWord = true
                continue
            }
            if character == " " || character == "\t" || character == "\r" || extra.contains(character) {
                if inWord { words.append(current); current = ""; inWord = false }
                continue
            }
            if comments.contains(character), !inWord { break }
            current.append(character)
            inWord = true
        }
        if inWord { words.append(current) }
        return words
    }

    /// Interface names that are tunnels or VPN devices by the naming every tool uses.
    static func isTunnelInterface(_ name: String) -> Bool {
        let lower = name.lowercased()
        let prefixes = ["tun", "tap", "wg", "ppp", "vti", "xfrm", "ipsec", "gre", "gretap", "erspan", "vxlan", "vx", "sit",
                        "ipip", "ip6tnl", "tinc", "l2tp", "vpn", "vpns", "zt", "tailscale", "nebula", "geneve", "ovpn", "softether"]
        return prefixes.contains { lower.hasPrefix($0) }
    }

    /// Whether `address` (an address or prefix) is private or carrier-grade NAT space, the
    /// addresses of networks behind a gateway.
    static func isInsideNetwork(_ address: String) -> Bool {
        let host = address.split(separator: "/").first.map(String.init) ?? address
        let parts = host.split(separator: ".").compactMap { Int($0) }
        if parts.count == 4 {
            switch (parts[0], parts[1]) {
            case (10, _), (192, 168): return true
            case (172, let second) where (16...31).contains(second): return true
            case (100, let second) where (64...127).contains(second): return true
            default: return false
            }
        }
        let lower = host.lowercased()
        return lower.hasPrefix("fd") || lower.hasPrefix("fc")
    }

    /// A decimal port, or nil.
    static func port(_ text: String) -> UInt16? { UInt16(text.trimmingCharacters(in: .whitespaces)) }

    /// A netmask such as `255.255.255.0` as a prefix length.
    static func prefixLength(ofMask mask: String) -> Int? {
        let parts = mask.split(separator: ".").compactMap { UInt8($0) }
        guard parts.count == 4 else { return nil }
        let bits = parts.reduce(UInt32(0)) { $0 << 8 | UInt32($1) }
        let length = bits.nonzeroBitCount
        // A valid mask is contiguous ones.
        return bits == (length == 0 ? 0 : ~UInt32(0) << (32 - UInt32(length))) ? length : nil
    }

    /// `network mask` as CIDR text, or nil when the mask is not one.
    static func cidr(_ network: String, mask: String) -> String? {
        prefixLength(ofMask: mask).map { "\(network)/\($0)" }
    }
}

extension SystemView {
    /// Runs `body` over the text of every file matching `patterns`; files that cannot be read
    /// become warnings.
    func collectFiles(_ patterns: [String], _ body: (_ path: String, _ text: String) -> CollectorResult) -> CollectorResult {
        var result = CollectorResult()
        var seen = Set<String>()
        for pattern in patterns {
            for path in files(matching: pattern) where seen.insert(path).inserted {
                switch read(path) {
                case .failure(let failure): result.warnings.append(InventoryWarning(SourceReference(path), failure.reason))
                case .success(let text): result = result + body(path, text)
                }
            }
        }
        return result
    }

    /// `body` over a command's output, or a warning naming the command when it is not there.
    /// `optional` commands (a tool the gateway may not have) give no warning when absent.
    func collectCommand(_ command: [String], stateFile: String, optional: Bool = false,
                        _ body: (_ source: String, _ text: String) -> CollectorResult) -> CollectorResult {
        let display = command.joined(separator: " ")
        switch output(of: command, stateFile: stateFile) {
        case .failure(let failure):
            if optional && (failure.reason == "not in the snapshot" || failure.reason.hasSuffix("is not installed")) {
                return CollectorResult()
            }
            return CollectorResult(warnings: [InventoryWarning(SourceReference(display), failure.reason)])
        case .success(let text):
            return body(display, text)
        }
    }
}

/// Line numbers in JSON text, which JSONSerialization does not keep: the first line at or after
/// `from` that holds every one of `fragments`.
enum JSONLines {
    static func line(containing fragments: [String], in lines: [Substring], from: Int = 1) -> Int? {
        guard from >= 1, from <= lines.count else { return nil }
        for index in (from - 1)..<lines.count where fragments.allSatisfy({ lines[index].contains($0) }) { return index + 1 }
        return nil
    }

    /// Where a JSON parse failed, from Foundation's error text (`around line 3, column 5`).
    static func failureLine(_ error: Error) -> Int? {
        let text = "\(error)"
        guard let range = text.range(of: "line ") else { return nil }
        return Int(text[range.upperBound...].prefix { $0.isNumber })
    }

    /// The file's top-level JSON object; nil, with a warning naming the line where parsing
    /// failed, when it is not one.
    static func object(_ text: String, path: String, warnings: inout [InventoryWarning]) -> [String: Any]? {
        do {
            guard let object = try JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else {
                warnings.append(InventoryWarning(SourceReference(path, line: 1), "not a JSON object"))
                return nil
            }
            return object
        } catch {
            warnings.append(InventoryWarning(SourceReference(path, line: failureLine(error)), "not valid JSON: the file is skipped"))
            return nil
        }
    }

    /// A number or numeric string as a port.
    static func port(_ value: Any?) -> UInt16? {
        if let number = value as? Int { return UInt16(exactly: number) }
        if let text = value as? String { return UInt16(text) }
        return nil
    }
}

extension JSONLines {
    /// Finds the lines of a file's entries in order: each search starts where the last one
    /// ended (so the second of two identical `"type": "trojan"` lines is the second entry's),
    /// falling back to the whole file.
    struct Cursor {
        let lines: [Substring]
        private var position = 1

        init(_ text: String) { lines = text.split(separator: "\n", omittingEmptySubsequences: false) }

        /// The line of the next entry holding every one of `fragments`, and the cursor moved there.
        mutating func line(_ fragments: [String]) -> Int? {
            let found = JSONLines.line(containing: fragments, in: lines, from: position) ?? JSONLines.line(containing: fragments, in: lines)
            if let found { position = found }
            return found
        }

        /// Moves to the first line holding `fragment` (a section's key), or to the top.
        mutating func move(to fragment: String) {
            position = JSONLines.line(containing: [fragment], in: lines) ?? 1
        }
    }

    /// `//` and `/* */` comments (which V2Ray and Xray accept in their JSON) blanked out, so the
    /// text parses as JSON and keeps its line numbers.
    static func strippingComments(_ text: String) -> String {
        var output = ""
        var inString = false
        var escaped = false
        var lineComment = false
        var blockComment = false
        var previous: Character = " "
        for character in text {
            if lineComment {
                if character == "\n" { lineComment = false; output.append(character) }
                previous = character
                continue
            }
            if blockComment {
                if previous == "*" && character == "/" { blockComment = false; previous = " "; continue }
                if character == "\n" { output.append(character) }
                previous = character
                continue
            }
            if inString {
                output.append(character)
                if escaped { escaped = false } else if character == "\\" { escaped = true } else if character == "\"" { inString = false }
                previous = character
                continue
            }
            if character == "/" && previous == "/" {
                output.removeLast()
                lineComment = true
                previous = " "
                continue
            }
            if character == "*" && previous == "/" {
                output.removeLast()
                blockComment = true
                previous = " "
                continue
            }
            if character == "\"" { inString = true }
            output.append(character)
            previous = character
        }
        return output
    }
}

extension JSONLines {
    /// JSON text with the string value of every secret key replaced by a fingerprint wherever it
    /// stands, also several to a line (`{ "id": "...", "alterId": 0 }`), which the line-based
    /// generic redactor cannot see. Line count is kept.
    static func redactSecrets(_ text: String) -> String {
        guard let pattern = try? NSRegularExpression(pattern: #""([A-Za-z0-9_\-]+)"(\s*:\s*)"((?:[^"\\]|\\.)*)""#) else { return text }
        let source = text as NSString
        var output = ""
        var last = 0
        for match in pattern.matches(in: text, range: NSRange(location: 0, length: source.length)) {
            let key = source.substring(with: match.range(at: 1)).filter { $0 != "-" && $0 != "_" }.lowercased()
            let value = source.substring(with: match.range(at: 3))
            let hex = value.filter(\.isHexDigit)
            let isUUID = hex.count == 32 && value.filter({ $0 == "-" }).count == 4
            let isSecret = SecretRedactor.secretKeys.contains(key) || key.hasSuffix("password") || key.hasSuffix("psk")
                || key.hasSuffix("privatekey") || (key == "id" && isUUID)
            guard isSecret, !value.isEmpty else { continue }
            let valueRange = match.range(at: 3)
            output += source.substring(with: NSRange(location: last, length: valueRange.location - last))
            output += SecretRedactor.marker(for: Substring(value))
            last = valueRange.location + valueRange.length
        }
        output += source.substring(from: last)
        return output
    }
}
