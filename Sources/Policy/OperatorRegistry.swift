import Foundation
import Yams

/// The licensed basic operators, their international arms and their ASNs (`policies/operators.yaml`,
/// DOMAIN.md §2.2 and §2.5), used to tell a carrier circuit from everything else.
public struct OperatorRegistry: Sendable, Equatable {
    public var header: PolicyFileHeader
    public var operators: [Operator]

    public static let supportedVersion = 1

    public struct Operator: Sendable, Equatable {
        public var name: String
        public var aliases: [String]
        /// May provide cross-border lines (only China Telecom, China Unicom and China Mobile).
        public var international: Bool
        /// The operator whose mainland leg an international arm resells (CTG → China Telecom).
        public var armOf: String?
        public var asns: [ASNEntry]
    }

    public struct ASNEntry: Sendable, Equatable {
        public enum Role: String, Sendable, CaseIterable { case publicBackbone = "public-backbone", premium, international, regional }
        public var number: UInt32
        public var name: String
        public var role: Role
    }

    /// The operator a name or alias refers to (case-insensitive).
    public func named(_ name: String) -> Operator? {
        let wanted = name.lowercased()
        return operators.first { $0.name.lowercased() == wanted || $0.aliases.contains { $0.lowercased() == wanted } }
    }

    /// Whether `name` is one of the three carriers that may provide cross-border lines.
    public func isLicensedCarrier(_ name: String) -> Bool { named(name)?.international == true && named(name)?.armOf == nil }

    /// The operator and entry an ASN belongs to.
    public func owner(of asn: UInt32) -> (Operator, ASNEntry)? {
        for candidate in operators { if let entry = candidate.asns.first(where: { $0.number == asn }) { return (candidate, entry) } }
        return nil
    }

    public static func load(contentsOf url: URL) throws -> OperatorRegistry {
        try parse(try NodeReader.read(url), file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> OperatorRegistry {
        let reader = NodeReader(file: file)
        let root = try NodeReader.compose(text, file: file)
        let top = try reader.mapping(root, "", allowed: ["version", "as_of", "sources", "operators"], required: ["version", "as_of", "sources", "operators"])
        let header = try reader.header(top, root: root, supportedVersion: supportedVersion)
        let operators = try reader.sequence(top["operators"], "operators").enumerated().map { index, node -> Operator in
            let path = "operators[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["name", "aliases", "international", "arm_of", "asns"], required: ["name", "international"])
            let asns = try reader.sequence(fields["asns"], "\(path).asns").enumerated().map { offset, entry -> ASNEntry in
                let entryPath = "\(path).asns[\(offset)]"
                let asn = try reader.mapping(entry, entryPath, allowed: ["number", "name", "role"], required: ["number", "name", "role"])
                let number = try reader.int(asn["number"], "\(entryPath).number")
                guard number > 0, number <= Int(UInt32.max) else { throw reader.error(asn["number"], "\(entryPath).number", "is not an AS number") }
                let roleText = try reader.string(asn["role"], "\(entryPath).role")
                guard let role = ASNEntry.Role(rawValue: roleText) else {
                    throw reader.error(asn["role"], "\(entryPath).role", "must be one of \(ASNEntry.Role.allCases.map(\.rawValue).joined(separator: ", "))")
                }
                return ASNEntry(number: UInt32(number), name: try reader.string(asn["name"], "\(entryPath).name"), role: role)
            }
            return Operator(name: try reader.string(fields["name"], "\(path).name"), aliases: try reader.strings(fields["aliases"], "\(path).aliases"),
                            international: try reader.bool(fields["international"], "\(path).international", default: false),
                            armOf: try reader.optionalString(fields["arm_of"], "\(path).arm_of"), asns: asns)
        }
        return OperatorRegistry(header: header, operators: operators)
    }
}
