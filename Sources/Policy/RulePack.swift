import FileSupport
import Foundation
import Yams

/// The Circular 32 rules as data (`policies/circular32.yaml`): each rule's condition, what it
/// sets, its severity, citations, rationale and recommended action in English and Chinese.
public struct RulePack: Sendable, Equatable {
    public var header: PolicyFileHeader
    /// In evaluation order (`order`, then file order).
    public var rules: [Rule]
    /// Every file that contributed rules (the shipped pack, then the user's overrides).
    public var files: [PolicyFileHeader]
    /// Rules of DOMAIN.md §6 that are not a category or flag of their own but shape how the
    /// others are evaluated (where the border lies, what evidence counts); each says what
    /// applies it.
    public var principles: [Principle] = []

    public static let supportedVersion = 1

    /// Rules from `base`, with every rule of `override` replacing the one with its id or being
    /// added; a rule marked `disabled: true` in `override` removes it.
    public func merged(with override: RulePack) -> RulePack {
        var byID = Dictionary(rules.map { ($0.id, $0) }, uniquingKeysWith: { first, _ in first })
        for rule in override.rules { byID[rule.id] = rule }
        let active = byID.values.filter { !$0.disabled }.sorted { ($0.order, $0.id) < ($1.order, $1.id) }
        return RulePack(header: header, rules: active, files: files + override.files, principles: principles)
    }
}

/// One rule: when its condition holds for a circuit, it sets a primary category (the first such
/// rule wins) or adds a flag.
public struct Rule: Sendable, Equatable {
    public enum Effect: Sendable, Equatable {
        case category(Category)
        case flag(CircuitFlag)
    }

    public var id: String
    public var order: Int
    public var effect: Effect
    /// Flags a category rule adds with its category (R-C2-2 adds F_REMOTE_ACCESS).
    public var addsFlags: [CircuitFlag]
    public var severity: Severity
    public var confidence: FindingConfidence
    public var condition: Condition
    public var citations: [Citation]
    public var rationale: Bilingual
    public var action: Bilingual
    public var disabled: Bool
    /// Where the rule was defined: `circular32.yaml:40`.
    public var definedAt: String
}

/// A rule applied by the engine's construction rather than as a category or flag.
public struct Principle: Sendable, Equatable {
    public var id: String
    public var statement: Bilingual
    /// The predicate, component or behaviour that applies it.
    public var appliedBy: String
    public var citations: [Citation]
}

/// A rule's condition: predicates combined with all/any/not.
public indirect enum Condition: Sendable, Equatable, CustomStringConvertible {
    case predicate(Predicate)
    case all([Condition])
    case any([Condition])
    case not(Condition)

    public var description: String {
        switch self {
        case .predicate(let predicate): predicate.rawValue
        case .all(let parts): "all(" + parts.map(\.description).joined(separator: ", ") + ")"
        case .any(let parts): "any(" + parts.map(\.description).joined(separator: ", ") + ")"
        case .not(let part): "not(\(part))"
        }
    }
}

/// A source a finding relies on: document, issuer, date and article.
public struct Citation: Sendable, Equatable, Codable {
    public var document: String
    public var issuer: String?
    public var date: String?
    public var article: String?
    /// The brief's source tag (`S1b`) or a URL.
    public var reference: String?
}

extension RulePack {
    /// Loads a rule file; `file` names it in errors.
    public static func load(contentsOf url: URL) throws -> RulePack {
        try parse(try NodeReader.read(url), file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> RulePack {
        let reader = NodeReader(file: file)
        let root = try NodeReader.compose(text, file: file)
        let top = try reader.mapping(root, "", allowed: ["version", "as_of", "sources", "rules", "principles"], required: ["version", "as_of", "sources", "rules"])
        let header = try reader.header(top, root: root, supportedVersion: supportedVersion)
        var rules: [Rule] = []
        var seen: Set<String> = []
        for (index, node) in try reader.sequence(top["rules"], "rules").enumerated() {
            let path = "rules[\(index)]"
            let rule = try parseRule(node, path: path, reader: reader)
            guard seen.insert(rule.id).inserted else { throw reader.error(node, "\(path).id", "rule \(rule.id) is defined twice") }
            rules.append(rule)
        }
        let ordered = rules.enumerated().sorted { ($0.element.order, $0.offset) < ($1.element.order, $1.offset) }.map(\.element)
        let principles = try reader.sequence(top["principles"], "principles").enumerated().map { index, node -> Principle in
            let path = "principles[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["id", "statement", "applied_by", "citations"], required: ["id", "statement", "applied_by", "citations"])
            let id = try reader.string(fields["id"], "\(path).id")
            guard seen.insert(id).inserted else { throw reader.error(node, "\(path).id", "\(id) is defined twice") }
            return Principle(id: id, statement: try reader.bilingual(fields["statement"], "\(path).statement"),
                             appliedBy: try reader.string(fields["applied_by"], "\(path).applied_by"),
                             citations: try parseCitations(fields["citations"], path: "\(path).citations", reader: reader))
        }
        return RulePack(header: header, rules: ordered, files: [header], principles: principles)
    }

    static func parseRule(_ node: Node, path: String, reader: NodeReader) throws -> Rule {
        let keys: Set<String> = ["id", "order", "category", "flag", "adds_flags", "severity", "confidence", "when", "citations",
                                 "rationale", "action", "disabled"]
        let mapping = try reader.mapping(node, path, allowed: keys, required: ["id", "order", "severity", "when", "citations", "rationale", "action"])
        let id = try reader.string(mapping["id"], "\(path).id")
        let effect: Rule.Effect
        switch (mapping["category"], mapping["flag"]) {
        case (let categoryNode?, nil):
            let text = try reader.string(categoryNode, "\(path).category")
            guard let category = Category(rawValue: text) else {
                throw reader.error(categoryNode, "\(path).category", "unknown category \(text) (one of \(Category.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            effect = .category(category)
        case (nil, let flagNode?):
            let text = try reader.string(flagNode, "\(path).flag")
            guard let flag = CircuitFlag(rawValue: text) else {
                throw reader.error(flagNode, "\(path).flag", "unknown flag \(text) (one of \(CircuitFlag.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            effect = .flag(flag)
        default:
            throw reader.error(node, path, "a rule sets exactly one of category or flag")
        }
        let addsFlags = try reader.strings(mapping["adds_flags"], "\(path).adds_flags").enumerated().map { offset, text in
            guard let flag = CircuitFlag(rawValue: text) else {
                throw reader.error(mapping["adds_flags"], "\(path).adds_flags[\(offset)]", "unknown flag \(text)")
            }
            return flag
        }
        let severityText = try reader.string(mapping["severity"], "\(path).severity")
        guard let severity = Severity(rawValue: severityText) else {
            throw reader.error(mapping["severity"], "\(path).severity", "must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        var confidence = FindingConfidence.medium
        if let text = try reader.optionalString(mapping["confidence"], "\(path).confidence") {
            guard let value = FindingConfidence(rawValue: text) else {
                throw reader.error(mapping["confidence"], "\(path).confidence", "must be one of LOW, MEDIUM, HIGH")
            }
            confidence = value
        }
        let citations = try parseCitations(mapping["citations"], path: "\(path).citations", reader: reader)
        guard !citations.isEmpty else { throw reader.error(mapping["citations"], "\(path).citations", "every rule cites at least one source") }
        return Rule(
            id: id, order: try reader.int(mapping["order"], "\(path).order"), effect: effect, addsFlags: addsFlags, severity: severity,
            confidence: confidence, condition: try parseCondition(mapping["when"]!, path: "\(path).when", reader: reader),
            citations: citations, rationale: try reader.bilingual(mapping["rationale"], "\(path).rationale"),
            action: try reader.bilingual(mapping["action"], "\(path).action"),
            disabled: try reader.bool(mapping["disabled"], "\(path).disabled", default: false),
            definedAt: "\(FilePath(reader.file).fileName):\(node.mark?.line ?? 0)")
    }

    static func parseCitations(_ node: Node?, path: String, reader: NodeReader) throws -> [Citation] {
        try reader.sequence(node, path).enumerated().map { offset, citationNode in
            let citationPath = "\(path)[\(offset)]"
            let fields = try reader.mapping(citationNode, citationPath, allowed: ["document", "issuer", "date", "article", "reference"], required: ["document"])
            return Citation(document: try reader.string(fields["document"], "\(citationPath).document"),
                            issuer: try reader.optionalString(fields["issuer"], "\(citationPath).issuer"),
                            date: try reader.optionalString(fields["date"], "\(citationPath).date"),
                            article: try reader.optionalString(fields["article"], "\(citationPath).article"),
                            reference: try reader.optionalString(fields["reference"], "\(citationPath).reference"))
        }
    }

    /// `predicate`, `{all: [...]}`, `{any: [...]}` or `{not: ...}`.
    static func parseCondition(_ node: Node, path: String, reader: NodeReader) throws -> Condition {
        if let name = node.scalar?.string {
            guard let predicate = Predicate(rawValue: name) else {
                throw reader.error(node, path, "unknown predicate \(name) (see `circuit-audit policy predicates`)")
            }
            return .predicate(predicate)
        }
        let mapping = try reader.mapping(node, path, allowed: ["all", "any", "not"])
        guard mapping.count == 1, let (keyNode, value) = mapping.first, let key = keyNode.scalar?.string else {
            throw reader.error(node, path, "a condition is a predicate name or one of all, any, not")
        }
        switch key {
        case "not":
            return .not(try parseCondition(value, path: "\(path).not", reader: reader))
        default:
            let parts = try reader.sequence(value, "\(path).\(key)").enumerated().map {
                try parseCondition($1, path: "\(path).\(key)[\($0)]", reader: reader)
            }
            return key == "all" ? .all(parts) : .any(parts)
        }
    }
}
