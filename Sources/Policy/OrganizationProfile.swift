import FileSupport
import Foundation
import Yams

/// The organization's own declarations (`organization.yaml`): who it is, where its sites and
/// address ranges are, which circuits are approved and on what paperwork, who its suppliers are
/// and on what terms, and which findings counsel has accepted.
public struct OrganizationProfile: Sendable, Equatable {
    public var header: PolicyFileHeader
    public var legalEntity: String
    public var affiliates: [String]
    public var sites: [Site]
    public var approvedCircuits: [ApprovedCircuit]
    public var suppliers: [Supplier]
    public var remoteAccessServices: [RemoteAccessService]
    public var otherEntities: [OtherEntity]
    /// More distinct external sources than this, on one listener, suggests service to others.
    public var externalSourceThreshold: Int
    public var waivers: [Waiver]
    public var transfers: [DataTransfer]
    public var dataProcessor: DataProcessor?

    public static let supportedVersion = 1

    public struct Site: Sendable, Equatable {
        public enum Kind: String, Sendable, CaseIterable { case office, gateway, datacenter, platform }
        public var name: String
        public var country: String
        public var kind: Kind
        public var ranges: [String]
        /// Addresses where the site offers services to third parties.
        public var publicServices: [String]
        public var definedAt: String
    }

    /// Which circuits a declaration is about: any of the interfaces, remote addresses or ranges,
    /// or host names given.
    public struct CircuitMatch: Sendable, Equatable {
        public var interfaces: [String]
        public var remotes: [String]
        public var technologies: [String]

        public var isEmpty: Bool { interfaces.isEmpty && remotes.isEmpty && technologies.isEmpty }
    }

    public struct ApprovedCircuit: Sendable, Equatable {
        public var id: String
        public var carrier: String
        /// The operator delivering the mainland leg (for resale via CTG, CUG, CMI or a foreign carrier).
        public var chinaLeg: String
        public var carrierCircuitID: String
        public var userFile: DocumentReference?
        public var permittedUse: String
        public var match: CircuitMatch
        public var definedAt: String
    }

    public struct DocumentReference: Sendable, Equatable {
        public var reference: String
        public var date: String
    }

    public struct Supplier: Sendable, Equatable {
        public var name: String
        public var foreign: Bool
        public var licences: [String]
        public var invoicesLineResource: Bool
        public var sourcesFromUnlicensed: Bool
        public var contract: Contract?
        public var match: CircuitMatch
        public var definedAt: String
    }

    public struct Contract: Sendable, Equatable {
        public var reference: String
        public var complianceOnCustomer: Bool
        public var prcLicenceWarranty: Bool
        public var regulatoryTermination: Bool
    }

    public struct RemoteAccessService: Sendable, Equatable {
        public var name: String
        public var remotes: [String]
    }

    public struct OtherEntity: Sendable, Equatable {
        public var name: String
        public var affiliate: Bool
        public var prefixes: [String]
        public var match: CircuitMatch
        public var definedAt: String
    }

    public struct Waiver: Sendable, Equatable {
        public var circuit: String
        public var rule: String
        public var justification: String
        public var approver: String
        public var date: String
        public var expires: String
        public var definedAt: String
    }

    /// A declared transfer of personal or important data out of the mainland (DOMAIN.md §4):
    /// what leaves, for whom, how many people it concerns, on what grounds, over which circuits,
    /// and the paperwork on file.
    public struct DataTransfer: Sendable, Equatable {
        public var dataset: String
        public var recipient: String
        public var country: String
        /// Distinct individuals whose non-sensitive personal information left since `countedFrom`.
        public var personalIndividuals: Int
        public var sensitiveIndividuals: Int
        /// Of the sensitive ones: bank accounts, insurance, health records (Beijing FTZ markers).
        public var speciallySensitiveIndividuals: Int
        /// The first day the counts run from (1 January of the year counted).
        public var countedFrom: String
        /// Important data as notified or published by an authority; nil when none is declared.
        public var importantData: ImportantData?
        /// Suspected important data (screened against GB/T 43697-2024 Appendix G) that no
        /// authority has notified: never treated as important, always sent for review.
        public var importantDataCandidate: Bool
        public var purpose: String
        public var exemptionGrounds: [ExemptionGround]
        /// For a processor in an FTZ: whether counsel found the data on the zone's negative list.
        public var negativeList: NegativeListCheck?
        public var mechanism: MechanismOnFile?
        /// Changes since the mechanism was granted (V3): purpose, recipient, contract, ...
        public var changes: [String]
        public var match: CircuitMatch
        public var definedAt: String
    }

    public struct ImportantData: Sendable, Equatable {
        public var notifiedBy: String
        public var reference: String?
        public var date: String?
    }

    /// The exemption grounds of the 2024 Provisions a transfer is declared under.
    public enum ExemptionGround: String, Sendable, Codable, CaseIterable {
        case art3 = "art3_trade_transport_academic_manufacturing_marketing"
        case art4 = "art4_foreign_collected_reexport"
        case art5Contract = "art5_1_contract"
        case art5HR = "art5_2_hr"
        case art5Emergency = "art5_3_emergency"
    }

    public struct NegativeListCheck: Sendable, Equatable {
        public var listed: Bool
        /// The list entries (scenario or data field) the data matches, when listed.
        public var entries: [String]
        public var checkedBy: String?
        public var date: String?
    }

    /// The mechanism on file for a transfer, with its documents.
    public struct MechanismOnFile: Sendable, Equatable {
        public enum Kind: String, Sendable, Codable, CaseIterable {
            case securityAssessment = "security_assessment"
            case standardContract = "standard_contract"
            case certification
        }

        public var kind: Kind
        public var reference: String
        /// Approval (assessment), filing (standard contract) or issue (certification) date.
        public var date: String
        /// An end date stated on the document (certifications); assessments' validity follows the rules.
        public var expires: String?
        public var extensionApplied: String?
        public var extensionApproved: String?
        /// How many individuals the filing or assessment declared; counts beyond it are outside its scope.
        public var coversIndividuals: Int?
        public var documents: [String]
    }

    /// The processor's own status, which decides T1, T6 and the Art 5(4) exemption.
    public struct DataProcessor: Sendable, Equatable {
        public var ciio: Bool
        public var ciioSector: String?
        /// The FTZ the processor is registered in (an id of `free_trade_zones` in data-export.yaml).
        public var freeTradeZone: String?
        public var ftzRegistration: String?
        /// Distinct individuals across every transfer since `countedFrom`, when the processor has
        /// counted them; otherwise the audit adds up the declared transfers (an upper bound).
        public var totals: Totals?
        public var definedAt: String
    }

    public struct Totals: Sendable, Equatable {
        public var personal: Int
        public var sensitive: Int
        public var speciallySensitive: Int
        public var countedFrom: String
    }
}

extension OrganizationProfile {
    public static func load(contentsOf url: URL) throws -> OrganizationProfile {
        try parse(try NodeReader.read(url), file: url.path)
    }

    public static func parse(_ text: String, file: String) throws -> OrganizationProfile {
        let reader = NodeReader(file: file)
        let root = try NodeReader.compose(text, file: file)
        let top = try reader.mapping(root, "", allowed: [
            "version", "as_of", "sources", "organization", "sites", "approved_circuits", "suppliers", "remote_access_services",
            "other_entities", "thresholds", "waivers", "transfers", "data_processor",
        ], required: ["version", "as_of", "sources", "organization", "sites"])
        let header = try reader.header(top, root: root, supportedVersion: supportedVersion)
        let organization = try reader.mapping(top["organization"]!, "organization", allowed: ["legal_entity", "affiliates"], required: ["legal_entity"])
        let short = FilePath(file).fileName
        func place(_ node: Node) -> String { "\(short):\(node.mark?.line ?? 0)" }

        let sites = try reader.sequence(top["sites"], "sites").enumerated().map { index, node -> Site in
            let path = "sites[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["name", "country", "kind", "ranges", "public_services"], required: ["name", "country", "kind", "ranges"])
            let country = try reader.string(fields["country"], "\(path).country")
            guard country.count == 2, country == country.uppercased() else {
                throw reader.error(fields["country"], "\(path).country", "must be an ISO 3166-1 alpha-2 code such as CN, HK, DE")
            }
            let kindText = try reader.string(fields["kind"], "\(path).kind")
            guard let kind = Site.Kind(rawValue: kindText) else {
                throw reader.error(fields["kind"], "\(path).kind", "must be one of \(Site.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            let ranges = try cidrs(fields["ranges"], "\(path).ranges", reader)
            return Site(name: try reader.string(fields["name"], "\(path).name"), country: country, kind: kind, ranges: ranges,
                        publicServices: try cidrs(fields["public_services"], "\(path).public_services", reader), definedAt: place(node))
        }
        let approved = try reader.sequence(top["approved_circuits"], "approved_circuits").enumerated().map { index, node -> ApprovedCircuit in
            let path = "approved_circuits[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["id", "carrier", "china_leg", "carrier_circuit_id", "user_file", "permitted_use", "match"],
                                            required: ["id", "carrier", "china_leg", "carrier_circuit_id", "permitted_use", "match"])
            var userFile: DocumentReference?
            if let userFileNode = fields["user_file"] {
                let document = try reader.mapping(userFileNode, "\(path).user_file", allowed: ["reference", "date"], required: ["reference", "date"])
                userFile = DocumentReference(reference: try reader.string(document["reference"], "\(path).user_file.reference"),
                                             date: try reader.date(document["date"], "\(path).user_file.date"))
            }
            return ApprovedCircuit(
                id: try reader.string(fields["id"], "\(path).id"), carrier: try reader.string(fields["carrier"], "\(path).carrier"),
                chinaLeg: try reader.string(fields["china_leg"], "\(path).china_leg"),
                carrierCircuitID: try reader.string(fields["carrier_circuit_id"], "\(path).carrier_circuit_id"), userFile: userFile,
                permittedUse: try reader.string(fields["permitted_use"], "\(path).permitted_use"),
                match: try circuitMatch(fields["match"], "\(path).match", reader, required: true), definedAt: place(node))
        }
        let suppliers = try reader.sequence(top["suppliers"], "suppliers").enumerated().map { index, node -> Supplier in
            let path = "suppliers[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["name", "foreign", "licences", "invoices_line_resource", "sources_from_unlicensed", "contract", "match"],
                                            required: ["name", "foreign", "licences", "match"])
            var contract: Contract?
            if let contractNode = fields["contract"] {
                let terms = try reader.mapping(contractNode, "\(path).contract", allowed: ["reference", "compliance_on_customer", "prc_licence_warranty", "regulatory_termination"],
                                               required: ["reference"])
                contract = Contract(
                    reference: try reader.string(terms["reference"], "\(path).contract.reference"),
                    complianceOnCustomer: try reader.bool(terms["compliance_on_customer"], "\(path).contract.compliance_on_customer", default: false),
                    prcLicenceWarranty: try reader.bool(terms["prc_licence_warranty"], "\(path).contract.prc_licence_warranty", default: true),
                    regulatoryTermination: try reader.bool(terms["regulatory_termination"], "\(path).contract.regulatory_termination", default: true))
            }
            let licences = try reader.strings(fields["licences"], "\(path).licences")
            for (offset, code) in licences.enumerated() where !LicenceCode.known.contains(code) {
                throw reader.error(fields["licences"], "\(path).licences[\(offset)]", "unknown licence code \(code) (known: \(LicenceCode.known.sorted().joined(separator: ", ")))")
            }
            return Supplier(
                name: try reader.string(fields["name"], "\(path).name"), foreign: try reader.bool(fields["foreign"], "\(path).foreign", default: false),
                licences: licences, invoicesLineResource: try reader.bool(fields["invoices_line_resource"], "\(path).invoices_line_resource", default: false),
                sourcesFromUnlicensed: try reader.bool(fields["sources_from_unlicensed"], "\(path).sources_from_unlicensed", default: false),
                contract: contract, match: try circuitMatch(fields["match"], "\(path).match", reader, required: true), definedAt: place(node))
        }
        let remoteAccess = try reader.sequence(top["remote_access_services"], "remote_access_services").enumerated().map { index, node -> RemoteAccessService in
            let path = "remote_access_services[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["name", "remotes"], required: ["name", "remotes"])
            return RemoteAccessService(name: try reader.string(fields["name"], "\(path).name"), remotes: try reader.strings(fields["remotes"], "\(path).remotes"))
        }
        let others = try reader.sequence(top["other_entities"], "other_entities").enumerated().map { index, node -> OtherEntity in
            let path = "other_entities[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["name", "affiliate", "prefixes", "match"], required: ["name", "affiliate", "prefixes"])
            return OtherEntity(name: try reader.string(fields["name"], "\(path).name"),
                               affiliate: try reader.bool(fields["affiliate"], "\(path).affiliate", default: false),
                               prefixes: try cidrs(fields["prefixes"], "\(path).prefixes", reader),
                               match: try circuitMatch(fields["match"], "\(path).match", reader, required: false), definedAt: place(node))
        }
        var threshold = 10
        if let thresholds = top["thresholds"] {
            let fields = try reader.mapping(thresholds, "thresholds", allowed: ["external_sources"])
            if let value = fields["external_sources"] {
                threshold = try reader.int(value, "thresholds.external_sources")
                guard threshold >= 1 else { throw reader.error(value, "thresholds.external_sources", "must be at least 1") }
            }
        }
        let waivers = try reader.sequence(top["waivers"], "waivers").enumerated().map { index, node -> Waiver in
            let path = "waivers[\(index)]"
            let fields = try reader.mapping(node, path, allowed: ["circuit", "rule", "justification", "approver", "date", "expires"],
                                            required: ["circuit", "rule", "justification", "approver", "date", "expires"])
            let date = try reader.date(fields["date"], "\(path).date")
            let expires = try reader.date(fields["expires"], "\(path).expires")
            guard PolicyDate(date)! <= PolicyDate(expires)! else { throw reader.error(fields["expires"], "\(path).expires", "is before the waiver's date") }
            return Waiver(circuit: try reader.string(fields["circuit"], "\(path).circuit"), rule: try reader.string(fields["rule"], "\(path).rule"),
                          justification: try reader.string(fields["justification"], "\(path).justification"),
                          approver: try reader.string(fields["approver"], "\(path).approver"), date: date, expires: expires, definedAt: place(node))
        }
        let defaultYear = PolicyDate(header.asOf)!.year
        let transfers = try reader.sequence(top["transfers"], "transfers").enumerated().map { index, node in
            try dataTransfer(node, "transfers[\(index)]", reader, defaultCountStart: "\(defaultYear)-01-01", place: place(node))
        }
        let processor = try top["data_processor"].map { try dataProcessor($0, reader, defaultCountStart: "\(defaultYear)-01-01", place: place($0)) }
        return OrganizationProfile(
            header: header, legalEntity: try reader.string(organization["legal_entity"], "organization.legal_entity"),
            affiliates: try reader.strings(organization["affiliates"], "organization.affiliates"), sites: sites, approvedCircuits: approved,
            suppliers: suppliers, remoteAccessServices: remoteAccess, otherEntities: others, externalSourceThreshold: threshold,
            waivers: waivers, transfers: transfers, dataProcessor: processor)
    }

    private static func count(_ node: Node?, _ path: String, _ reader: NodeReader) throws -> Int {
        guard let node else { return 0 }
        let value = try reader.int(node, path)
        guard value >= 0 else { throw reader.error(node, path, "must not be negative") }
        return value
    }

    /// A date that must be 1 January: counts run from the start of a calendar year.
    private static func yearStart(_ node: Node?, _ path: String, _ reader: NodeReader, default value: String) throws -> String {
        guard let node else { return value }
        let text = try reader.date(node, path)
        guard text.hasSuffix("-01-01") else { throw reader.error(node, path, "counts run from 1 January: write YYYY-01-01") }
        return text
    }

    private static func dataTransfer(_ node: Node, _ path: String, _ reader: NodeReader, defaultCountStart: String, place: String) throws -> DataTransfer {
        let fields = try reader.mapping(node, path, allowed: [
            "dataset", "recipient", "country", "personal_individuals", "sensitive_individuals", "specially_sensitive_individuals", "counted_from",
            "important_data", "important_data_candidate", "purpose", "exemption_grounds", "negative_list", "mechanism", "changes", "match",
        ], required: ["dataset", "recipient", "country", "purpose", "match"])
        let country = try reader.string(fields["country"], "\(path).country")
        guard country.count == 2, country == country.uppercased() else {
            throw reader.error(fields["country"], "\(path).country", "must be an ISO 3166-1 alpha-2 code such as DE, SG, US")
        }
        let personal = try count(fields["personal_individuals"], "\(path).personal_individuals", reader)
        let sensitive = try count(fields["sensitive_individuals"], "\(path).sensitive_individuals", reader)
        let special = try count(fields["specially_sensitive_individuals"], "\(path).specially_sensitive_individuals", reader)
        guard special <= sensitive else {
            throw reader.error(fields["specially_sensitive_individuals"], "\(path).specially_sensitive_individuals", "counts a part of sensitive_individuals, so cannot exceed it")
        }
        var important: ImportantData?
        if let importantNode = fields["important_data"] {
            if let flag = importantNode.bool {
                guard !flag else {
                    throw reader.error(importantNode, "\(path).important_data",
                                       "name the authority that notified or published it ({notified_by: ..., reference: ..., date: ...}); data only suspected to be important is important_data_candidate: true (2024 Art 2)")
                }
            } else {
                let entry = try reader.mapping(importantNode, "\(path).important_data", allowed: ["notified_by", "reference", "date"], required: ["notified_by"])
                important = ImportantData(notifiedBy: try reader.string(entry["notified_by"], "\(path).important_data.notified_by"),
                                          reference: try reader.optionalString(entry["reference"], "\(path).important_data.reference"),
                                          date: try entry["date"].map { try reader.date($0, "\(path).important_data.date") })
            }
        }
        let grounds = try reader.strings(fields["exemption_grounds"], "\(path).exemption_grounds").enumerated().map { offset, text in
            guard let ground = ExemptionGround(rawValue: text) else {
                throw reader.error(fields["exemption_grounds"], "\(path).exemption_grounds[\(offset)]",
                                   "unknown ground \(text) (one of \(ExemptionGround.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return ground
        }
        var negativeList: NegativeListCheck?
        if let listNode = fields["negative_list"] {
            let entry = try reader.mapping(listNode, "\(path).negative_list", allowed: ["listed", "entries", "checked_by", "date"], required: ["listed"])
            guard let listed = entry["listed"]?.bool else { throw reader.error(entry["listed"], "\(path).negative_list.listed", "must be true or false") }
            let entries = try reader.strings(entry["entries"], "\(path).negative_list.entries")
            if listed && entries.isEmpty { throw reader.error(listNode, "\(path).negative_list.entries", "name the list entries the data matches") }
            negativeList = NegativeListCheck(listed: listed, entries: entries, checkedBy: try reader.optionalString(entry["checked_by"], "\(path).negative_list.checked_by"),
                                             date: try entry["date"].map { try reader.date($0, "\(path).negative_list.date") })
        }
        let mechanism = try fields["mechanism"].map { try mechanismOnFile($0, "\(path).mechanism", reader) }
        let changes = try reader.strings(fields["changes"], "\(path).changes")
        for (offset, change) in changes.enumerated() where !DataTransferChange.known.contains(change) {
            throw reader.error(fields["changes"], "\(path).changes[\(offset)]", "unknown change \(change) (one of \(DataTransferChange.known.sorted().joined(separator: ", ")))")
        }
        return DataTransfer(
            dataset: try reader.string(fields["dataset"], "\(path).dataset"), recipient: try reader.string(fields["recipient"], "\(path).recipient"),
            country: country, personalIndividuals: personal, sensitiveIndividuals: sensitive, speciallySensitiveIndividuals: special,
            countedFrom: try yearStart(fields["counted_from"], "\(path).counted_from", reader, default: defaultCountStart),
            importantData: important,
            importantDataCandidate: try reader.bool(fields["important_data_candidate"], "\(path).important_data_candidate", default: false),
            purpose: try reader.string(fields["purpose"], "\(path).purpose"), exemptionGrounds: grounds, negativeList: negativeList,
            mechanism: mechanism, changes: changes, match: try circuitMatch(fields["match"], "\(path).match", reader, required: true), definedAt: place)
    }

    private static func mechanismOnFile(_ node: Node, _ path: String, _ reader: NodeReader) throws -> MechanismOnFile {
        let fields = try reader.mapping(node, path, allowed: ["kind", "reference", "date", "expires", "extension_applied", "extension_approved",
                                                              "covers_individuals", "documents"],
                                        required: ["kind", "reference", "date"])
        let kindText = try reader.string(fields["kind"], "\(path).kind")
        guard let kind = MechanismOnFile.Kind(rawValue: kindText) else {
            throw reader.error(fields["kind"], "\(path).kind", "must be one of \(MechanismOnFile.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let date = try reader.date(fields["date"], "\(path).date")
        func later(_ key: String) throws -> String? {
            guard let value = try fields[key].map({ try reader.date($0, "\(path).\(key)") }) else { return nil }
            guard PolicyDate(date)! <= PolicyDate(value)! else { throw reader.error(fields[key], "\(path).\(key)", "is before the mechanism's date \(date)") }
            return value
        }
        let covers = try fields["covers_individuals"].map { try count($0, "\(path).covers_individuals", reader) }
        let applied = try later("extension_applied")
        let approved = try later("extension_approved")
        if approved != nil && kind != .securityAssessment {
            throw reader.error(fields["extension_approved"], "\(path).extension_approved", "only a security assessment is extended (2024 Art 9)")
        }
        return MechanismOnFile(kind: kind, reference: try reader.string(fields["reference"], "\(path).reference"), date: date,
                               expires: try later("expires"), extensionApplied: applied, extensionApproved: approved, coversIndividuals: covers,
                               documents: try reader.strings(fields["documents"], "\(path).documents"))
    }

    private static func dataProcessor(_ node: Node, _ reader: NodeReader, defaultCountStart: String, place: String) throws -> DataProcessor {
        let fields = try reader.mapping(node, "data_processor", allowed: ["ciio", "ciio_sector", "free_trade_zone", "ftz_registration", "totals"], required: ["ciio"])
        var totals: Totals?
        if let totalsNode = fields["totals"] {
            let entry = try reader.mapping(totalsNode, "data_processor.totals", allowed: ["personal_individuals", "sensitive_individuals", "specially_sensitive_individuals", "counted_from"],
                                           required: ["personal_individuals", "sensitive_individuals"])
            totals = Totals(personal: try count(entry["personal_individuals"], "data_processor.totals.personal_individuals", reader),
                            sensitive: try count(entry["sensitive_individuals"], "data_processor.totals.sensitive_individuals", reader),
                            speciallySensitive: try count(entry["specially_sensitive_individuals"], "data_processor.totals.specially_sensitive_individuals", reader),
                            countedFrom: try yearStart(entry["counted_from"], "data_processor.totals.counted_from", reader, default: defaultCountStart))
        }
        let zone = try reader.optionalString(fields["free_trade_zone"], "data_processor.free_trade_zone")
        let registration = try reader.optionalString(fields["ftz_registration"], "data_processor.ftz_registration")
        if registration != nil && zone == nil { throw reader.error(fields["ftz_registration"], "data_processor.ftz_registration", "needs free_trade_zone") }
        guard let ciio = fields["ciio"]?.bool else { throw reader.error(fields["ciio"], "data_processor.ciio", "must be true or false") }
        return DataProcessor(ciio: ciio, ciioSector: try reader.optionalString(fields["ciio_sector"], "data_processor.ciio_sector"),
                             freeTradeZone: zone, ftzRegistration: registration, totals: totals, definedAt: place)
    }

    private static func cidrs(_ node: Node?, _ path: String, _ reader: NodeReader) throws -> [String] {
        let values = try reader.strings(node, path)
        for (offset, value) in values.enumerated() where !isCIDR(value) {
            throw reader.error(node, "\(path)[\(offset)]", "\"\(value)\" is not an address or CIDR block")
        }
        return values
    }

    private static func circuitMatch(_ node: Node?, _ path: String, _ reader: NodeReader, required: Bool) throws -> CircuitMatch {
        guard let node else {
            if required { throw reader.error(nil, path, "missing") }
            return CircuitMatch(interfaces: [], remotes: [], technologies: [])
        }
        let fields = try reader.mapping(node, path, allowed: ["interfaces", "remotes", "technologies"])
        let match = CircuitMatch(interfaces: try reader.strings(fields["interfaces"], "\(path).interfaces"),
                                 remotes: try reader.strings(fields["remotes"], "\(path).remotes"),
                                 technologies: try reader.strings(fields["technologies"], "\(path).technologies"))
        if required && match.isEmpty { throw reader.error(node, path, "names no interface, remote or technology") }
        return match
    }

    static func isCIDR(_ text: String) -> Bool {
        let parts = text.split(separator: "/", maxSplits: 1)
        guard let address = parts.first else { return false }
        var v4 = in_addr()
        var v6 = in6_addr()
        let isV4 = inet_pton(AF_INET, String(address), &v4) == 1
        guard isV4 || inet_pton(AF_INET6, String(address), &v6) == 1 else { return false }
        guard parts.count == 2 else { return true }
        guard let length = Int(parts[1]) else { return false }
        return (0...(isV4 ? 32 : 128)).contains(length)
    }
}

/// Changes during a mechanism's validity that call for re-declaration (V3, 2022 Art 14).
public enum DataTransferChange {
    public static let known: Set<String> = ["purpose", "scope", "data_types", "recipient", "recipient_use", "retention", "legal_environment", "control", "contract"]
}

/// Telecom licence codes of the 2015 catalogue (DOMAIN.md §2.1).
public enum LicenceCode {
    public static let known: Set<String> = ["A11-1", "A11-2", "A11-3", "A11-4", "A12", "A13", "A14-1", "A14-2", "A14-3", "A14-4", "A15",
                                            "B11", "B12", "B13", "B14", "B21", "B22", "B23", "B24", "B25", "B26"]
    /// Any one of these lets a supplier provide cross-border lines (A11-4, A14-1, A14-4).
    public static let international: Set<String> = ["A11-4", "A14-1", "A14-4"]
}
