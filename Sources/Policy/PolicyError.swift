import FileSupport
import Foundation
import Yams

/// A problem in a policy or organization file, with its place: file, line and key path, so a
/// user can go straight to it.
public struct PolicyError: Error, Equatable, CustomStringConvertible {
    public var file: String
    /// 1-based line, or 0 when the problem has no place (an unreadable file).
    public var line: Int
    /// The key path concerned, e.g. `rules[3].when`; empty for the whole file.
    public var key: String
    public var message: String

    public init(file: String, line: Int, key: String, message: String) {
        self.file = file
        self.line = line
        self.key = key
        self.message = message
    }

    public var description: String {
        let place = line > 0 ? "\(file):\(line)" : file
        return key.isEmpty ? "\(place): \(message)" : "\(place): \(key): \(message)"
    }
}

/// Walks a composed YAML document with the checks every policy file needs: required keys,
/// unknown keys as errors, types, and errors that carry the node's line. Public so other
/// configuration files (the daemon's) report errors the same way.
public struct NodeReader {
    public let file: String

    public init(file: String) { self.file = file }

    /// The largest policy or organization file read (16 MiB, far above any real one).
    public static let maximumFileBytes = 16 << 20

    /// The text of a policy file (a regular file; a FIFO or device is refused, not waited on),
    /// or a `PolicyError` naming it when it cannot be read.
    public static func read(_ url: URL) throws -> String {
        do { return try FileReader.text(url.path, maximumBytes: maximumFileBytes) } catch {
            throw PolicyError(file: url.path, line: 0, key: "", message: "cannot read: \(error.reason)")
        }
    }

    /// Composes `text`, turning YAML syntax errors into `PolicyError`s with their line.
    public static func compose(_ text: String, file: String) throws -> Node {
        do {
            guard let node = try Yams.compose(yaml: text) else {
                throw PolicyError(file: file, line: 0, key: "", message: "the file is empty")
            }
            return node
        } catch let error as YamlError {
            var line = 0
            var problem = "\(error)"
            switch error {
            case .scanner(_, let message, let mark, _), .parser(_, let message, let mark, _), .composer(_, let message, let mark, _):
                line = mark.line
                problem = message
            default:
                break
            }
            throw PolicyError(file: file, line: line, key: "", message: "not valid YAML: \(problem)")
        }
    }

    public func error(_ node: Node?, _ key: String, _ message: String) -> PolicyError {
        PolicyError(file: file, line: node?.mark?.line ?? 0, key: key, message: message)
    }

    public func join(_ path: String, _ key: String) -> String { path.isEmpty ? key : "\(path).\(key)" }

    /// The mapping at `node`, after checking it has only `allowed` keys and all `required` ones.
    public func mapping(_ node: Node, _ path: String, allowed: Set<String>, required: Set<String> = []) throws -> Node.Mapping {
        guard let mapping = node.mapping else { throw error(node, path, "must be a mapping") }
        for (key, _) in mapping {
            guard let name = key.scalar?.string else { throw error(key, path, "keys must be strings") }
            guard allowed.contains(name) else {
                throw error(key, join(path, name), "unknown key (allowed: \(allowed.sorted().joined(separator: ", ")))")
            }
        }
        for name in required.sorted() where mapping[name] == nil {
            throw error(node, join(path, name), "missing")
        }
        return mapping
    }

    public func string(_ node: Node?, _ path: String, in parent: Node? = nil) throws -> String {
        guard let node else { throw error(parent, path, "missing") }
        guard let text = node.scalar?.string.trimmingCharacters(in: .whitespaces), !text.isEmpty else {
            throw error(node, path, "must be a non-empty string")
        }
        return text
    }

    public func optionalString(_ node: Node?, _ path: String) throws -> String? {
        guard let node else { return nil }
        return try string(node, path)
    }

    public func int(_ node: Node?, _ path: String, in parent: Node? = nil) throws -> Int {
        guard let node else { throw error(parent, path, "missing") }
        guard let value = node.int else { throw error(node, path, "must be an integer") }
        return value
    }

    public func bool(_ node: Node?, _ path: String, default value: Bool) throws -> Bool {
        guard let node else { return value }
        guard let flag = node.bool else { throw error(node, path, "must be true or false") }
        return flag
    }

    public func sequence(_ node: Node?, _ path: String) throws -> [Node] {
        guard let node else { return [] }
        guard let list = node.sequence else { throw error(node, path, "must be a list") }
        return Array(list)
    }

    public func strings(_ node: Node?, _ path: String) throws -> [String] {
        try sequence(node, path).enumerated().map { try string($1, "\(path)[\($0)]") }
    }

    /// A `YYYY-MM-DD` date.
    public func date(_ node: Node?, _ path: String, in parent: Node? = nil) throws -> String {
        let text = try string(node, path, in: parent)
        guard PolicyDate(text) != nil else { throw error(node, path, "must be a date written YYYY-MM-DD") }
        return text
    }

    /// Text in English and Simplified Chinese: `{en: ..., zh: ...}`.
    public func bilingual(_ node: Node?, _ path: String, in parent: Node? = nil) throws -> Bilingual {
        guard let node else { throw error(parent, path, "missing") }
        let mapping = try self.mapping(node, path, allowed: ["en", "zh"], required: ["en", "zh"])
        return Bilingual(en: try string(mapping["en"], "\(path).en"), zh: try string(mapping["zh"], "\(path).zh"))
    }

    /// The header every policy file starts with: `version`, `as_of`, `sources`.
    public func header(_ mapping: Node.Mapping, root: Node, supportedVersion: Int) throws -> PolicyFileHeader {
        let version = try int(mapping["version"], "version", in: root)
        guard version == supportedVersion else {
            throw error(mapping["version"], "version", "unsupported version \(version) (this build reads \(supportedVersion))")
        }
        let sources = try strings(mapping["sources"], "sources")
        guard !sources.isEmpty else { throw error(mapping["sources"] ?? root, "sources", "must name at least one source") }
        return PolicyFileHeader(file: file, version: version, asOf: try date(mapping["as_of"], "as_of", in: root), sources: sources)
    }
}

/// English and Simplified Chinese text of one label, rationale or action.
public struct Bilingual: Sendable, Equatable, Codable {
    public var en: String
    public var zh: String

    public init(en: String, zh: String) {
        self.en = en
        self.zh = zh
    }
}

/// What every policy file declares about itself.
public struct PolicyFileHeader: Sendable, Equatable, Codable {
    public var file: String
    public var version: Int
    public var asOf: String
    public var sources: [String]
}

/// A calendar date (`YYYY-MM-DD`), compared as days.
public struct PolicyDate: Sendable, Hashable, Comparable, Codable, CustomStringConvertible {
    public var year: Int
    public var month: Int
    public var day: Int

    public init?(_ text: String) {
        let parts = text.split(separator: "-", omittingEmptySubsequences: false)
        guard parts.count == 3, parts[0].count == 4, parts[1].count == 2, parts[2].count == 2,
              let year = Int(parts[0]), let month = Int(parts[1]), let day = Int(parts[2]),
              (1...12).contains(month), (1...31).contains(day) else { return nil }
        self.year = year
        self.month = month
        self.day = day
    }

    public static func < (lhs: PolicyDate, rhs: PolicyDate) -> Bool {
        (lhs.year, lhs.month, lhs.day) < (rhs.year, rhs.month, rhs.day)
    }

    public var description: String {
        String(format: "%04d-%02d-%02d", year, month, day)
    }
}

import Foundation
