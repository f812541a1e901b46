/// A parsed INI-style file (`[Section]` headers and `Key = Value` lines) that remembers the line
/// of every entry, for WireGuard, NetworkManager keyfiles, systemd-networkd and similar formats.
struct INIDocument {
    struct Entry {
        var key: String
        var value: String
        var line: Int
    }

    struct Section {
        var name: String
        var line: Int
        var entries: [Entry]

        /// The first value for `key` (case-insensitive) and its line.
        func first(_ key: String) -> Entry? { entries.first { $0.key.caseInsensitiveCompare(key) == .orderedSame } }

        /// Every value for `key`, split on commas when `list` (WireGuard's `AllowedIPs`).
        func all(_ key: String, list: Bool = false) -> [Entry] {
            entries.filter { $0.key.caseInsensitiveCompare(key) == .orderedSame }.flatMap { entry -> [Entry] in
                guard list else { return [entry] }
                return entry.value.split(separator: ",").map {
                    Entry(key: entry.key, value: $0.trimmingCharacters(in: .whitespaces), line: entry.line)
                }
            }
        }
    }

    var sections: [Section] = []
    /// Lines that are neither a header, an entry, a comment nor blank: `(line, text)`.
    var malformed: [(line: Int, text: String)] = []

    init(_ text: String, commentPrefixes: [Character] = ["#", ";"]) {
        var current = Section(name: "", line: 0, entries: [])
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard let first = line.first, !commentPrefixes.contains(first) else { continue }
            if first == "[" {
                guard line.hasSuffix("]") else {
                    malformed.append((index + 1, line))
                    continue
                }
                if !current.name.isEmpty || !current.entries.isEmpty { sections.append(current) }
                current = Section(name: String(line.dropFirst().dropLast()).trimmingCharacters(in: .whitespaces), line: index + 1, entries: [])
            } else if let equals = line.firstIndex(of: "=") {
                let key = line[..<equals].trimmingCharacters(in: .whitespaces)
                let value = line[line.index(after: equals)...].trimmingCharacters(in: .whitespaces)
                guard !key.isEmpty else {
                    malformed.append((index + 1, line))
                    continue
                }
                current.entries.append(Entry(key: key, value: value, line: index + 1))
            } else {
                malformed.append((index + 1, line))
            }
        }
        if !current.name.isEmpty || !current.entries.isEmpty { sections.append(current) }
    }

    func sections(named name: String) -> [Section] {
        sections.filter { $0.name.caseInsensitiveCompare(name) == .orderedSame }
    }

    /// A warning for each malformed line of `path`: "not a <expected> line: <its start>", where
    /// `expected` names the format's lines (`[Section] or Key = Value`).
    func malformedWarnings(path: String, expected: String) -> [InventoryWarning] {
        malformed.map { InventoryWarning(SourceReference(path, line: $0.line), "not a \(expected) line: \($0.text.prefix(40))") }
    }
}

import Foundation

extension NetworkEndpoint {
    /// Parses `host:port`, `[v6]:port`, a bare host, or a bare IPv6 address.
    static func parse(_ text: String, transport: String? = nil, defaultPort: UInt16? = nil) -> NetworkEndpoint? {
        let value = text.trimmingCharacters(in: .whitespaces)
        guard !value.isEmpty else { return nil }
        if value.hasPrefix("["), let close = value.firstIndex(of: "]") {
            let host = String(value[value.index(after: value.startIndex)..<close])
            let rest = value[value.index(after: close)...]
            let port = rest.hasPrefix(":") ? UInt16(rest.dropFirst()) : defaultPort
            return NetworkEndpoint(host: host, port: port, transport: transport)
        }
        let colons = value.filter { $0 == ":" }.count
        if colons == 1, let colon = value.firstIndex(of: ":") {
            guard let port = UInt16(value[value.index(after: colon)...]) else { return nil }
            return NetworkEndpoint(host: String(value[..<colon]), port: port, transport: transport)
        }
        return NetworkEndpoint(host: value, port: defaultPort, transport: transport)
    }
}
