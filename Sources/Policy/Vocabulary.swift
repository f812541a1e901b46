/// The primary categories of DOMAIN.md §1.6, in the order rules are evaluated.
public enum Category: String, Sendable, Codable, CaseIterable {
    case c5 = "C5_SERVICE_TO_OTHERS"
    case c6 = "C6_SUBLEASE_OR_SHARED"
    case c4 = "C4_DC_PLATFORM_TELECOM_BUSINESS"
    case c2 = "C2_SELF_BUILT_UNAPPROVED"
    case c3 = "C3_LEASED_FROM_UNLICENSED"
    case c1 = "C1_LICENSED_INTERNAL"
    case c0 = "C0_DOMESTIC"
    case c9 = "C9_NEEDS_REVIEW"

    public var label: Bilingual {
        switch self {
        case .c5: Bilingual(en: "Service to others", zh: "向他人提供服务")
        case .c6: Bilingual(en: "Sublease or shared circuit", zh: "转租或共享线路")
        case .c4: Bilingual(en: "Data-centre or platform link for telecom business", zh: "连接境内外数据中心或业务平台开展电信业务")
        case .c2: Bilingual(en: "Self-built cross-border channel", zh: "自建跨境信道")
        case .c3: Bilingual(en: "Leased from an unlicensed party", zh: "向无资质方租用")
        case .c1: Bilingual(en: "Licensed carrier line for internal use", zh: "基础运营商线路，内部办公自用")
        case .c0: Bilingual(en: "Domestic", zh: "境内")
        case .c9: Bilingual(en: "Needs review", zh: "需人工复核")
        }
    }
}

/// Flags that accumulate on any category (DOMAIN.md §1.6, §2.4, §4).
public enum CircuitFlag: String, Sendable, Codable, CaseIterable {
    case supplierRisk = "F_SUPPLIER_RISK"
    case noUserFile = "F_NO_USER_FILE"
    case affiliateTraffic = "F_AFFILIATE_TRAFFIC"
    case remoteAccess = "F_REMOTE_ACCESS"
    case asnOnlyEvidence = "F_ASN_ONLY_EVIDENCE"
    case dataExport = "F_DATA_EXPORT"
    case circumvention = "F_CIRCUMVENTION"

    public var label: Bilingual {
        switch self {
        case .supplierRisk: Bilingual(en: "Supplier risk", zh: "供应商风险")
        case .noUserFile: Bilingual(en: "No user file on record", zh: "无用户档案")
        case .affiliateTraffic: Bilingual(en: "Affiliate traffic", zh: "关联公司流量")
        case .remoteAccess: Bilingual(en: "Employee remote access", zh: "员工远程接入")
        case .asnOnlyEvidence: Bilingual(en: "ASN-only evidence", zh: "仅有自治系统号证据")
        case .dataExport: Bilingual(en: "Cross-border data export", zh: "数据出境")
        case .circumvention: Bilingual(en: "Consumer VPN or circumvention tool", zh: "个人VPN或翻墙工具")
        }
    }
}

/// Triage weight (DOMAIN.md §6): not a legal conclusion.
public enum Severity: String, Sendable, Codable, CaseIterable, Comparable {
    case info = "INFO"
    case low = "LOW"
    case medium = "MEDIUM"
    case high = "HIGH"
    case critical = "CRITICAL"

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: Severity, rhs: Severity) -> Bool { lhs.rank < rhs.rank }
}

/// How far the evidence carries a finding.
public enum FindingConfidence: String, Sendable, Codable, CaseIterable, Comparable {
    case low = "LOW"
    case medium = "MEDIUM"
    case high = "HIGH"

    private var rank: Int { Self.allCases.firstIndex(of: self)! }
    public static func < (lhs: FindingConfidence, rhs: FindingConfidence) -> Bool { lhs.rank < rhs.rank }
}

/// The facts a rule's condition can test, each computed by the audit from the evidence. A rule
/// file may combine them with `all`, `any` and `not`; a name not listed here is an error.
public enum Predicate: String, Sendable, Codable, CaseIterable {
    case bothEndsMainland = "both_ends_mainland"
    case crossBorder = "cross_border"
    case locationUnknown = "location_unknown"
    case thirdPartySupplier = "third_party_supplier"
    case supplierHasDomesticVPNLicence = "supplier_has_domestic_vpn_licence"
    case supplierHasISPLicence = "supplier_has_isp_licence"
    case publicListener = "public_listener"
    case manyExternalSources = "many_external_sources"
    case natOfOutsideNetworks = "nat_of_outside_networks"
    case billingArtefacts = "billing_artefacts"
    case carriesOtherEntityPrefixes = "carries_other_entity_prefixes"
    case otherEntitiesAreAffiliates = "other_entities_are_affiliates"
    case connectsDatacentres = "connects_datacentres"
    case thirdPartyServicesAcross = "third_party_services_across"
    case gatewayTerminatesTunnel = "gateway_terminates_tunnel"
    case internetUnderlay = "internet_underlay"
    case carrierCircuitRecord = "carrier_circuit_record"
    case licensedCarrierChinaLeg = "licensed_carrier_china_leg"
    case supplierLacksInternationalLicence = "supplier_lacks_international_licence"
    case onlyOrganizationTraffic = "only_organization_traffic"
    case userFileOnRecord = "user_file_on_record"
    case employeeDeviceTunnel = "employee_device_tunnel"
    case consumerVPNOrCircumvention = "consumer_vpn_or_circumvention"
    case sanctionedRemoteAccess = "sanctioned_remote_access"
    case asnOnlyEvidence = "asn_only_evidence"
    case foreignSupplierWithoutLicence = "foreign_supplier_without_licence"
    case supplierSourcesFromUnlicensed = "supplier_sources_from_unlicensed"
    case contractPushesCompliance = "contract_pushes_compliance"
    case integratorInvoicesLine = "integrator_invoices_line"
    case affiliateTrafficDeclared = "affiliate_traffic_declared"
    case dataTransfersDeclared = "data_transfers_declared"
    case always = "always"

    /// What the predicate tests, for `policy predicates` and error messages.
    public var summary: String {
        switch self {
        case .bothEndsMainland: "both ends of the circuit are in mainland China"
        case .crossBorder: "one end is outside mainland China (Hong Kong, Macau and Taiwan count as outside)"
        case .locationUnknown: "an end could not be placed (no declaration, no database answer)"
        case .thirdPartySupplier: "a declared supplier delivers the circuit"
        case .supplierHasDomesticVPNLicence: "the supplier holds B13 (domestic IP-VPN)"
        case .supplierHasISPLicence: "the supplier holds B14 (Internet access service)"
        case .publicListener: "the gateway runs a VPN or proxy listener reachable from the public Internet"
        case .manyExternalSources: "sessions come from more distinct external sources than the organization's threshold"
        case .natOfOutsideNetworks: "the gateway NATs or forwards networks that are not the organization's into the circuit"
        case .billingArtefacts: "per-user accounts or billing artefacts are declared or found"
        case .carriesOtherEntityPrefixes: "the circuit carries prefixes of other legal entities"
        case .otherEntitiesAreAffiliates: "every other entity on the circuit is a declared group affiliate"
        case .connectsDatacentres: "both ends are declared data centres or platforms"
        case .thirdPartyServicesAcross: "an end hosts services delivered to third parties"
        case .gatewayTerminatesTunnel: "the gateway's own configuration terminates the tunnel"
        case .internetUnderlay: "the tunnel runs over ordinary Internet access, not a declared carrier hand-off"
        case .carrierCircuitRecord: "an approved circuit with a carrier circuit ID is declared for it"
        case .licensedCarrierChinaLeg: "the China leg is China Telecom, China Unicom or China Mobile"
        case .supplierLacksInternationalLicence: "the supplier's licences include none of A11-4, A14-1, A14-4"
        case .onlyOrganizationTraffic: "all observed traffic is the organization's own"
        case .userFileOnRecord: "a carrier user file or undertaking is on record"
        case .employeeDeviceTunnel: "an inside device, not the gateway, runs the tunnel"
        case .consumerVPNOrCircumvention: "the traffic is a consumer VPN service or a circumvention tool"
        case .sanctionedRemoteAccess: "the destination is a declared, sanctioned remote-access service"
        case .asnOnlyEvidence: "the classification would rest on ASN evidence alone"
        case .foreignSupplierWithoutLicence: "a foreign supplier without PRC licences sells the China endpoint"
        case .supplierSourcesFromUnlicensed: "a licensed supplier sources transmission from an unlicensed party"
        case .contractPushesCompliance: "the contract puts PRC compliance on the customer, or lacks licence warranty or regulatory termination"
        case .integratorInvoicesLine: "an integrator or MSP invoices for the line resource itself"
        case .affiliateTrafficDeclared: "affiliates' traffic is declared on the circuit"
        case .dataTransfersDeclared: "transfers of personal or important data are declared on the circuit"
        case .always: "always true (for catch-all rules)"
        }
    }
}
