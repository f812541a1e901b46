import Audit
@preconcurrency import Crypto
import DataExport
import FileSupport
import Foundation
import Geo
import Packets
import Policy

/// Replaces what identifies people and inside machines — internal addresses (private ranges and
/// the organization's mainland sites), host names and user names — with keyed HMAC-SHA256
/// tokens, so a report can leave the company. The same key gives the same token in every run
/// and every format; without the key a token cannot be turned back. Public peers stay visible:
/// where a circuit goes is what counsel reads the report for.
public struct Pseudonymizer: Sendable {
    private let key: SymmetricKey
    private let internalRanges: [AddressRange]

    static let privateRanges = [
        "10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "127.0.0.0/8", "169.254.0.0/16",
        "fc00::/7", "fe80::/10", "::1/128",
    ].compactMap(AddressRange.init)

    /// Host-name suffixes that only resolve inside a network.
    static let internalSuffixes = [".local", ".lan", ".internal", ".intranet", ".corp", ".localdomain", ".home.arpa", ".private"]

    /// Attribute keys whose values are user names.
    static let userKeys: Set<String> = ["user", "username", "login", "owner", "auth-user", "user-name"]

    /// `declared` are the organization's mainland ranges (from its organization file).
    public init(key: Data, declared: [AddressRange] = []) {
        self.key = SymmetricKey(data: key)
        internalRanges = Self.privateRanges + declared
    }

    /// Reads a key file: at least 16 bytes of secret (`head -c 32 /dev/urandom > FILE`).
    public static func loadKey(_ path: String) throws(ReportError) -> Data {
        let data: Data
        do { data = try FileReader.read(path, maximumBytes: 1 << 20) } catch { throw ReportError(reading: error) }
        guard data.count >= 16 else {
            throw .badKey(path: path, reason: "a pseudonymisation key needs at least 16 bytes of secret; make one with: head -c 32 /dev/urandom > \(path)")
        }
        return data
    }

    /// The mainland sites' ranges declared in an organization file.
    public static func mainlandRanges(_ organization: OrganizationProfile) -> [AddressRange] {
        organization.sites.filter { $0.country == "CN" }.flatMap { $0.ranges.compactMap(AddressRange.init) }
    }

    public func token(_ kind: String, _ value: String) -> String {
        let mac = HMAC<SHA256>.authenticationCode(for: Data("\(kind)\u{0}\(value)".utf8), using: key)
        return kind + "-" + mac.prefix(6).map { String(format: "%02x", $0) }.joined()
    }

    /// A name, not an address or a wildcard (`*`, `localhost` identify nobody).
    static func isHostName(_ text: String) -> Bool {
        IPAddress(text) == nil && text.contains(where: \.isLetter) && !["localhost", "any", "all"].contains(text.lowercased())
    }

    func isInternal(_ address: IPAddress) -> Bool { internalRanges.contains { $0.contains(address) } }

    /// The audit with every internal address, host name and user name replaced, in every field.
    public func apply(to result: AuditResult) throws(ReportError) -> AuditResult {
        var hosts: Set<String> = []
        var users: Set<String> = []
        var addresses: Set<String> = []
        for circuit in result.circuits {
            addresses.formUnion(circuit.insideHosts)
            let mainlandSite = circuit.remoteLocation.map { $0.site != nil && $0.country == "CN" } ?? false
            if mainlandSite, let remote = circuit.remoteAddress { addresses.insert(remote) }
            var endpoints = circuit.local + circuit.configuration.flatMap(\.local)
            if mainlandSite { endpoints += circuit.remote + circuit.configuration.flatMap(\.remote) }
            hosts.formUnion((endpoints.map(\.host) + circuit.insideHosts).filter(Self.isHostName))
            for item in circuit.configuration {
                for (name, value) in item.attributes where Self.userKeys.contains(name.lowercased()) && !value.isEmpty { users.insert(value) }
            }
        }
        // An undeclared-transfer candidate matched by its port, to an internal address: its TLS
        // server name names an inside machine. A name the providers list matched is a public
        // service and stays, as public peers do.
        let candidates = result.findings.compactMap(\.dataExport).flatMap(\.candidates) + (result.dataExport?.candidatesWithoutCircuit ?? [])
        for candidate in candidates {
            guard let name = candidate.serverName, !candidate.matchedBy.contains(name), Self.isHostName(name),
                  let address = IPAddress(candidate.destination), isInternal(address) || addresses.contains(candidate.destination) else { continue }
            hosts.insert(name)
        }
        let encoder = JSONEncoder()
        let data: Data
        do { data = try encoder.encode(result) } catch { throw .cannotRender(format: "pseudonymised audit", reason: "\(error)") }
        guard let tree = try? JSONSerialization.jsonObject(with: data) else { throw .cannotRender(format: "pseudonymised audit", reason: "not JSON") }
        // Terms found anywhere: internal-suffix host names and home directories.
        var found: Set<String> = []
        walk(tree) { text in found.formUnion(self.internalHostNames(in: text)); users.formUnion(Self.homeDirectoryUsers(in: text)); return text }
        hosts.formUnion(found)
        let words = (hosts.map { ($0, token("host", $0.lowercased())) } + users.map { ($0, token("user", $0)) })
            .sorted { $0.0.count > $1.0.count }
        let forced = Set(addresses)
        let rewritten = walk(tree) { text in
            var text = self.replaceAddresses(in: text, forced: forced)
            for (word, replacement) in words where text.contains(word) { text = Self.replaceWord(word, with: replacement, in: text) }
            return text
        }
        do {
            return try JSONDecoder().decode(AuditResult.self, from: try JSONSerialization.data(withJSONObject: rewritten))
        } catch {
            throw .cannotRender(format: "pseudonymised audit", reason: "\(error)")
        }
    }

    @discardableResult
    private func walk(_ value: Any, _ transform: (String) -> String) -> Any {
        switch value {
        case let text as String: return transform(text)
        case let array as [Any]: return array.map { walk($0, transform) }
        case let object as [String: Any]: return object.mapValues { walk($0, transform) }
        default: return value
        }
    }

    /// Every IPv4/IPv6 literal in `text` (also `a.b.c.d:port` and CIDR forms) that is internal,
    /// replaced by its token.
    public func replaceAddresses(in text: String, forced: Set<String>) -> String {
        let characters = Array(text)
        var out = ""
        var index = 0
        let isAddressCharacter = { (c: Character) in c.isHexDigit || c == "." || c == ":" }
        while index < characters.count {
            guard isAddressCharacter(characters[index]) else { out.append(characters[index]); index += 1; continue }
            var end = index
            while end < characters.count, isAddressCharacter(characters[end]) { end += 1 }
            let run = String(characters[index..<end])
            out += run.contains(".") || run.contains(":") ? replaceRun(run, forced: forced) : run
            index = end
        }
        return out
    }

    private func replaceRun(_ run: String, forced: Set<String>) -> String {
        let replace = { (literal: String) -> String? in
            guard let address = IPAddress(literal), forced.contains(literal) || self.isInternal(address) else { return nil }
            return self.token("ip", literal.lowercased())
        }
        if let token = replace(run) { return token }
        // Trailing punctuation, a port after an IPv4 address, or hex letters glued before one.
        var trimmed = run
        var tail = ""
        while let last = trimmed.last, last == "." || last == ":" { tail = String(last) + tail; trimmed.removeLast() }
        if trimmed != run, let token = replace(trimmed) { return token + tail }
        if let colon = trimmed.lastIndex(of: ":"), trimmed[..<colon].contains("."), let token = replace(String(trimmed[..<colon])) {
            return token + trimmed[colon...] + tail
        }
        if let start = trimmed.lastIndex(where: { !($0.isNumber || $0 == ".") }), trimmed.contains(".") {
            let suffix = String(trimmed[trimmed.index(after: start)...])
            if let token = replace(suffix) { return trimmed[...start] + token + tail }
        }
        return run
    }

    /// Words that look like host names under an inside-only suffix (`laptop-7.corp`).
    public func internalHostNames(in text: String) -> [String] {
        text.split(whereSeparator: { !($0.isLetter || $0.isNumber || $0 == "-" || $0 == "." || $0 == "_") })
            .map { String($0).trimmingCharacters(in: CharacterSet(charactersIn: ".")) }
            .filter { word in
                let lower = word.lowercased()
                return Self.internalSuffixes.contains { lower.hasSuffix($0) && lower.count > $0.count }
            }
    }

    /// The user in `/home/NAME/...` and cron's `/var/spool/cron/crontabs/NAME`.
    public static func homeDirectoryUsers(in text: String) -> [String] {
        var users: [String] = []
        for prefix in ["/home/", "/var/spool/cron/crontabs/", "/Users/"] {
            var search = text[...]
            while let range = search.range(of: prefix) {
                let name = search[range.upperBound...].prefix { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" || $0 == "." }
                if !name.isEmpty { users.append(String(name)) }
                search = search[range.upperBound...]
            }
        }
        return users
    }

    /// Replaces `word` where it stands alone (not inside a longer name or address).
    public static func replaceWord(_ word: String, with replacement: String, in text: String) -> String {
        let isNameCharacter = { (c: Character) in c.isLetter || c.isNumber || c == "-" || c == "_" }
        var out = ""
        var rest = text[...]
        while let range = rest.range(of: word) {
            let before = range.lowerBound == rest.startIndex ? (out.last) : rest[rest.index(before: range.lowerBound)]
            let after = range.upperBound == rest.endIndex ? nil : rest[range.upperBound]
            let standsAlone = !(before.map(isNameCharacter) ?? false) && !(after.map(isNameCharacter) ?? false)
                && !(after == "." && range.upperBound < rest.index(before: rest.endIndex) && isNameCharacter(rest[rest.index(after: range.upperBound)]))
            out += rest[..<range.lowerBound]
            out += standsAlone ? replacement : String(rest[range])
            rest = rest[range.upperBound...]
        }
        return out + rest
    }
}
