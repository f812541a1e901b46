import FileSupport
import Crypto
import Foundation

/// Replaces secrets in configuration text with a marker that keeps a short fingerprint, so a
/// snapshot can leave the gateway and two snapshots can still tell whether a key changed.
///
/// Recognised: PEM private keys and OpenVPN static keys (whole blocks); OpenVPN inline `<key>`,
/// `<tls-auth>`, `<tls-crypt>`, `<tls-crypt-v2>`, `<secret>`, `<pkcs12>` and
/// `<auth-user-pass>` blocks; `key = value` and `key value` lines whose key names a secret
/// (private keys, pre-shared keys, passwords, PSKs, VMess ids...) in INI, swanctl, NetworkManager,
/// shell-like and JSON files; ipsec.secrets entries; ppp chap/pap secrets.
public enum SecretRedactor {
    /// `<redacted sha256:0123456789abcdef>`: the first 8 bytes of the secret's SHA-256.
    public static func marker(for secret: Substring) -> String {
        let digest = SHA256.hash(data: Data(secret.utf8))
        return "<redacted sha256:" + digest.prefix(8).map { String(format: "%02x", $0) }.joined() + ">"
    }

    /// Key names whose values are secrets, compared case-insensitively without `-` and `_`.
    static let secretKeys: Set<String> = [
        "privatekey", "presharedkey", "psk", "secret", "secrets", "password", "passwd", "pass", "passphrase",
        "privatekeypassword", "keypassword", "sharedkey", "sharedsecret", "authkey", "hashedpassword",
        "securepassword", "uuid", "cookie", "token", "apikey", "key",
        "vpnsecret", "ikepsk", "xauthpassword", "certpass", "pin",
    ]

    private static let inlineBlocks = ["key", "tls-auth", "tls-crypt", "tls-crypt-v2", "secret", "pkcs12", "auth-user-pass"]

    /// The text with every secret replaced; the number of lines never changes, so file:line
    /// references stay valid.
    /// `notSecret` names keys that are never secrets in this file's format (a collector that
    /// knows its format says so: in nftables JSON, `"key"` is a meta or ct selector).
    public static func redact(_ text: String, path: String, notSecret: Set<String> = []) -> String {
        var output: [String] = []
        var blockEnd: String?
        var blockLines: [Substring] = []
        let name = FilePath(path).fileName.lowercased()
        let wholeFileSecret = name.hasSuffix("secrets") && !name.hasSuffix(".conf")  // chap-secrets, pap-secrets, ipsec.secrets
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            let trimmed = line.trimmingCharacters(in: .whitespaces)
            if let end = blockEnd {
                if trimmed.hasPrefix(end) {
                    output.append(contentsOf: blockLines.map { _ in "" }.dropLast())
                    output.append(marker(for: Substring(blockLines.joined(separator: "\n"))))
                    output.append(String(line))
                    blockEnd = nil
                    blockLines = []
                } else {
                    blockLines.append(line)
                }
                continue
            }
            if trimmed.hasPrefix("-----BEGIN"), trimmed.contains("PRIVATE KEY") || trimmed.contains("Static key") {
                output.append(String(line))
                blockEnd = "-----END"
                continue
            }
            if let tag = inlineBlocks.first(where: { trimmed == "<\($0)>" }) {
                output.append(String(line))
                blockEnd = "</\(tag)>"
                continue
            }
            if wholeFileSecret {
                output.append(redactSecretsFileLine(line))
            } else if name.hasSuffix(".json") {
                output.append(redactJSONMembers(line, notSecret: notSecret))
            } else {
                output.append(redactKeyValue(line))
            }
        }
        if blockEnd != nil {
            // An unterminated block: still never copy it.
            output.append(contentsOf: blockLines.map { _ in "" }.dropLast())
            output.append(marker(for: Substring(blockLines.joined(separator: "\n"))))
        }
        return output.joined(separator: "\n")
    }

    /// `Key = value`, `key: value`, `key value`, `"key": "value"` with a secret key.
    static func redactKeyValue(_ line: Substring, json: Bool = false) -> String {
        let trimmed = line.drop { $0 == " " || $0 == "\t" || $0 == "{" || $0 == "[" }
        guard !trimmed.hasPrefix("#"), !trimmed.hasPrefix(";"), !trimmed.hasPrefix("//") else { return String(line) }
        var keyEnd = trimmed.startIndex
        while keyEnd < trimmed.endIndex, !" \t=:".contains(trimmed[keyEnd]) { keyEnd = trimmed.index(after: keyEnd) }
        let rawKey = trimmed[trimmed.startIndex..<keyEnd]
        let key = rawKey.filter { $0 != "\"" && $0 != "-" && $0 != "_" && $0 != "'" }.lowercased()
        var valueStart = keyEnd
        while valueStart < trimmed.endIndex, " \t=:".contains(trimmed[valueStart]) { valueStart = trimmed.index(after: valueStart) }
        let isSecretKey = secretKeys.contains(key) || key.hasSuffix("password") || key.hasSuffix("psk") || key.hasSuffix("privatekey")
        // An `id` is a secret where it is a VMess/VLESS user id (a UUID); elsewhere it is an identity.
        let isUserID = key == "id" && looksLikeUUID(trimmed[valueStart...])
        guard isSecretKey || isUserID else { return String(line) }
        var value = trimmed[valueStart...]
        var suffix = ""
        if value.hasSuffix(",") { value = value.dropLast(); suffix = "," }
        // An empty value, or a section opening (`secrets {` in swanctl.conf), holds no secret.
        guard !value.isEmpty, value != "{" else { return String(line) }
        // `key file` in OpenVPN names a file, not a secret: keep paths, redact the file itself.
        if key == "key" || key == "secret", value.hasPrefix("/") || value.hasSuffix(".key") || value.hasSuffix(".pem") {
            return String(line)
        }
        let quoted = value.hasPrefix("\"") && value.hasSuffix("\"") && value.count >= 2
        let replacement = quoted ? "\"\(marker(for: value.dropFirst().dropLast()))\"" : json ? "\"\(marker(for: value))\"" : marker(for: value)
        return String(line[line.startIndex..<valueStart]) + replacement + suffix
    }

    private static func looksLikeUUID(_ value: Substring) -> Bool {
        let hex = value.filter { $0.isHexDigit }
        return hex.count == 32 && value.filter({ $0 == "-" }).count == 4
    }

    /// Every `"key": value` member on a JSON line whose key names a secret, however many members
    /// share the line (`{"id": "…", "alterId": 0}`); string values stay strings.
    static func redactJSONMembers(_ line: Substring, notSecret: Set<String> = []) -> String {
        var text = String(line)
        let pattern = #""([A-Za-z_\-]+)"\s*:\s*("(?:[^"\\]|\\.)*"|-?[0-9][0-9.eE+\-]*)"#
        guard let expression = try? NSRegularExpression(pattern: pattern) else { return text }
        let matches = expression.matches(in: text, range: NSRange(text.startIndex..., in: text))
        for match in matches.reversed() {
            guard let keyRange = Range(match.range(at: 1), in: text), let valueRange = Range(match.range(at: 2), in: text) else { continue }
            let key = text[keyRange].filter { $0 != "-" && $0 != "_" }.lowercased()
            guard !notSecret.contains(key) else { continue }
            var value = text[valueRange]
            let isSecret = secretKeys.contains(key) || key.hasSuffix("password") || key.hasSuffix("psk") || key.hasSuffix("privatekey")
                || (key == "id" && looksLikeUUID(value))
            guard isSecret else { continue }
            if value.hasPrefix("\"") { value = value.dropFirst().dropLast() }
            text.replaceSubrange(valueRange, with: "\"\(marker(for: value))\"")
        }
        return text
    }

    /// `line` with the second capture group of each match of `expression` (a secret's value,
    /// quoted or not) replaced by its marker, except values `keep` says are no secret; a value
    /// already redacted stays as it is. For formats whose secrets the line rules above miss.
    static func redactValues(matching expression: NSRegularExpression?, in line: String, keep: (String) -> Bool = { _ in false }) -> String {
        guard let expression else { return line }
        var line = line
        for match in expression.matches(in: line, range: NSRange(line.startIndex..., in: line)).reversed() {
            guard let range = Range(match.range(at: 2), in: line) else { continue }
            let quote = line[range].first.flatMap { "\"'".contains($0) ? String($0) : nil } ?? ""
            let value = line[range].trimmingCharacters(in: CharacterSet(charactersIn: "\"'"))
            guard !value.isEmpty, !value.hasPrefix("<redacted"), !keep(value) else { continue }
            line.replaceSubrange(range, with: quote + marker(for: Substring(value)) + quote)  // still a string where it was one
        }
        return line
    }

    /// ipsec.secrets (`left right : PSK "x"`) and ppp's chap/pap-secrets (`client server secret addresses`).
    static func redactSecretsFileLine(_ line: Substring) -> String {
        let trimmed = line.trimmingCharacters(in: .whitespaces)
        guard !trimmed.isEmpty, !trimmed.hasPrefix("#") else { return String(line) }
        if let colon = line.firstIndex(of: ":") {
            let selectors = line[..<colon]
            let rest = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
            let parts = rest.split(separator: " ", maxSplits: 1)
            let type = parts.first.map(String.init) ?? ""
            let secret = parts.count > 1 ? parts[1] : ""
            // RSA/ECDSA lines name a key file: keep the path.
            if ["RSA", "ECDSA", "PKCS8", "P12", "PKCS12"].contains(type.uppercased()) { return String(line) }
            return "\(selectors): \(type) \(marker(for: Substring(secret)))"
        }
        var fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        if fields.count >= 3 {
            fields[2] = marker(for: Substring(fields[2]))
            return fields.joined(separator: " ")
        }
        return marker(for: line)
    }
}
