import Audit
import Policy

/// The language a report is written in. Every label, category, rationale and action exists in
/// both; the audit's facts (evidence sentences, sources) are quoted as the audit wrote them.
public enum ReportLanguage: String, Sendable, CaseIterable, Codable {
    case en, zh

    public func pick(_ text: Bilingual) -> String { self == .en ? text.en : text.zh }

    /// The BCP 47 tag an HTML page declares, so fonts and line breaking follow the language.
    var htmlTag: String { self == .en ? "en" : "zh-Hans" }
}

/// The report's own words, kept as data: one row per label, English and Chinese side by side,
/// so a translator reviews one table and a test can check that no row lacks a language.
/// Categories and flags take their names from the policy vocabulary, not from here.
public enum ReportText: String, Sendable, CaseIterable {
    case title, subtitle, organization, asOf, generatedAt, toolVersion, pseudonymizedNotice
    case summary, circuitsAudited, openFindings, waivedFindings, byCategory, bySeverity, category, severity, count
    case changes, changesUnknown, noChanges, newCircuits, removedCircuits, changedCircuits, previousAudit
    case map, mapCaption, mapSite, mapOtherEnd, gateway, remoteEnd, region, countryUnknown, legend
    case findings, noFindings, circuit, circuitName, code, rule, confidence, origin, technology, flags, flag, noFlags
    case rationale, action, citations, evidence, predicate, fact, sources, noSources, trace, matched, notMatched, condition, because
    case waiver, waiverActive, waiverExpired, approver, expires, justification
    case appendix, policies, policyFile, version, policySources, inputs, path, kind, sha256, warnings, none
    case document, issuer, date, article, reference
    case severityCritical, severityHigh, severityMedium, severityLow, severityInfo
    case confidenceHigh, confidenceMedium, confidenceLow
    case yes, no
    case originConfiguredAndSeen, originConfiguredIdle, originSeenUnconfigured

    /// English and Chinese for every label.
    public static let table: [ReportText: Bilingual] = [
        .title: Bilingual(en: "Cross-border circuit audit — for legal review", zh: "跨境线路审计报告——供法务审阅"),
        .subtitle: Bilingual(en: "VPNs, tunnels and leased lines of the gateway, each compared with MIIT Circular 32 (2017) and the rules around it.",
                             zh: "网关的VPN、隧道及专线，逐一对照工信部32号文（2017）及相关规定。"),
        .organization: Bilingual(en: "Organization", zh: "组织"),
        .asOf: Bilingual(en: "Rules as of", zh: "规则适用日期"),
        .generatedAt: Bilingual(en: "Audit run at", zh: "审计时间"),
        .toolVersion: Bilingual(en: "Tool version", zh: "工具版本"),
        .pseudonymizedNotice: Bilingual(
            en: "Pseudonymised: internal addresses, host names and user names are replaced by keyed tokens (ip-…, host-…, user-…); the same key gives the same tokens. Public peers are shown as they are.",
            zh: "已假名化：内部地址、主机名和用户名已替换为带密钥的标记（ip-…、host-…、user-…），同一密钥生成相同标记。公网对端按原样显示。"),
        .summary: Bilingual(en: "Executive summary", zh: "摘要"),
        .circuitsAudited: Bilingual(en: "Circuits audited", zh: "已审计线路"),
        .openFindings: Bilingual(en: "Findings at HIGH or above without an active waiver", zh: "高及以上且无有效豁免的结论"),
        .waivedFindings: Bilingual(en: "Findings under an active waiver", zh: "有效豁免下的结论"),
        .byCategory: Bilingual(en: "Circuits by category", zh: "按类别统计线路"),
        .bySeverity: Bilingual(en: "Circuits by severity", zh: "按严重程度统计线路"),
        .category: Bilingual(en: "Category", zh: "类别"),
        .severity: Bilingual(en: "Severity", zh: "严重程度"),
        .count: Bilingual(en: "Circuits", zh: "线路数"),
        .changes: Bilingual(en: "Changes since the last audit", zh: "与上次审计相比的变化"),
        .changesUnknown: Bilingual(en: "Not known: no earlier audit was given (report --previous DIR).", zh: "未知：未提供上次审计结果（report --previous DIR）。"),
        .noChanges: Bilingual(en: "No circuit was added, removed or reclassified.", zh: "没有新增、移除或重新分类的线路。"),
        .newCircuits: Bilingual(en: "New circuits", zh: "新增线路"),
        .removedCircuits: Bilingual(en: "Circuits no longer found", zh: "不再出现的线路"),
        .changedCircuits: Bilingual(en: "Circuits whose category or severity changed", zh: "类别或严重程度发生变化的线路"),
        .previousAudit: Bilingual(en: "Compared with the audit run at", zh: "对比的上次审计时间"),
        .map: Bilingual(en: "Map of the circuits", zh: "线路示意图"),
        .mapCaption: Bilingual(en: "The gateway on the left; each circuit's far end grouped by country or region, coloured by category; squares are the organization's own sites.",
                               zh: "左侧为网关；各线路远端按国家或地区分组，颜色表示类别；方块为组织自有站点。"),
        .mapSite: Bilingual(en: "a site the organization declares", zh: "组织申报的站点"),
        .mapOtherEnd: Bilingual(en: "any other far end", zh: "其他远端"),
        .gateway: Bilingual(en: "Gateway", zh: "网关"),
        .remoteEnd: Bilingual(en: "Far end", zh: "远端"),
        .region: Bilingual(en: "Country or region", zh: "国家或地区"),
        .countryUnknown: Bilingual(en: "Location unknown", zh: "位置未知"),
        .legend: Bilingual(en: "Legend", zh: "图例"),
        .findings: Bilingual(en: "Findings", zh: "审计结论"),
        .noFindings: Bilingual(en: "No circuit was found: there is nothing to review.", zh: "未发现任何线路，无需审阅。"),
        .circuit: Bilingual(en: "Circuit", zh: "线路"),
        .circuitName: Bilingual(en: "Circuit name", zh: "线路名称"),
        .code: Bilingual(en: "code", zh: "代码"),
        .rule: Bilingual(en: "Rule", zh: "规则"),
        .confidence: Bilingual(en: "Confidence", zh: "置信度"),
        .origin: Bilingual(en: "Found in", zh: "发现方式"),
        .technology: Bilingual(en: "Technology", zh: "技术"),
        .flags: Bilingual(en: "Flags", zh: "标记"),
        .flag: Bilingual(en: "Flag", zh: "标记"),
        .noFlags: Bilingual(en: "No flag was raised.", zh: "未触发任何标记。"),
        .rationale: Bilingual(en: "Rationale", zh: "理由"),
        .action: Bilingual(en: "Recommended action", zh: "建议措施"),
        .citations: Bilingual(en: "Citations", zh: "依据"),
        .evidence: Bilingual(en: "Evidence", zh: "证据"),
        .predicate: Bilingual(en: "Fact tested", zh: "检验事项"),
        .fact: Bilingual(en: "What the audit found", zh: "审计发现"),
        .sources: Bilingual(en: "Sources", zh: "来源"),
        .noSources: Bilingual(en: "(no source: nothing declared or found)", zh: "（无来源：未声明或未发现）"),
        .trace: Bilingual(en: "Rules tried", zh: "已检验的规则"),
        .matched: Bilingual(en: "matched", zh: "符合"),
        .notMatched: Bilingual(en: "not matched", zh: "不符合"),
        .condition: Bilingual(en: "Condition", zh: "条件"),
        .because: Bilingual(en: "Because", zh: "原因"),
        .waiver: Bilingual(en: "Waiver", zh: "豁免"),
        .waiverActive: Bilingual(en: "active: accepted by counsel until it expires", zh: "有效：法务已接受，至到期日为止"),
        .waiverExpired: Bilingual(en: "expired: the finding is open again", zh: "已过期：该结论重新生效"),
        .approver: Bilingual(en: "Approved by", zh: "批准人"),
        .expires: Bilingual(en: "Expires", zh: "到期日"),
        .justification: Bilingual(en: "Justification", zh: "理由说明"),
        .appendix: Bilingual(en: "Appendix: how this report was made", zh: "附录：报告生成信息"),
        .policies: Bilingual(en: "Rule files", zh: "规则文件"),
        .policyFile: Bilingual(en: "File", zh: "文件"),
        .version: Bilingual(en: "Version", zh: "版本"),
        .policySources: Bilingual(en: "Sources", zh: "来源"),
        .inputs: Bilingual(en: "Inputs", zh: "输入"),
        .path: Bilingual(en: "Path", zh: "路径"),
        .kind: Bilingual(en: "Kind", zh: "类型"),
        .sha256: Bilingual(en: "SHA-256", zh: "SHA-256"),
        .warnings: Bilingual(en: "Warnings", zh: "警告"),
        .none: Bilingual(en: "none", zh: "无"),
        .document: Bilingual(en: "Document", zh: "文件"),
        .issuer: Bilingual(en: "Issuer", zh: "发布机关"),
        .date: Bilingual(en: "Date", zh: "日期"),
        .article: Bilingual(en: "Article", zh: "条款"),
        .reference: Bilingual(en: "Reference", zh: "引用"),
        .severityCritical: Bilingual(en: "Critical", zh: "严重"),
        .severityHigh: Bilingual(en: "High", zh: "高"),
        .severityMedium: Bilingual(en: "Medium", zh: "中"),
        .severityLow: Bilingual(en: "Low", zh: "低"),
        .severityInfo: Bilingual(en: "Information", zh: "提示"),
        .confidenceHigh: Bilingual(en: "High", zh: "高"),
        .confidenceMedium: Bilingual(en: "Medium", zh: "中"),
        .confidenceLow: Bilingual(en: "Low", zh: "低"),
        .yes: Bilingual(en: "yes", zh: "是"),
        .originConfiguredAndSeen: Bilingual(en: "configured and seen in traffic", zh: "已配置，且在流量中出现"),
        .originConfiguredIdle: Bilingual(en: "configured, not seen in traffic", zh: "已配置，但流量中未出现"),
        .originSeenUnconfigured: Bilingual(en: "seen in traffic, not configured on the gateway", zh: "流量中出现，但网关未配置"),
        .no: Bilingual(en: "no", zh: "否"),
    ]

    public var bilingual: Bilingual { Self.table[self] ?? Bilingual(en: rawValue, zh: rawValue) }

    public func text(_ language: ReportLanguage) -> String { language.pick(bilingual) }
}

extension Severity {
    var reportText: ReportText {
        switch self {
        case .critical: .severityCritical
        case .high: .severityHigh
        case .medium: .severityMedium
        case .low: .severityLow
        case .info: .severityInfo
        }
    }
}

extension Circuit.Origin {
    var reportText: ReportText {
        switch self {
        case .configuredAndSeen: .originConfiguredAndSeen
        case .configuredIdle: .originConfiguredIdle
        case .seenUnconfigured: .originSeenUnconfigured
        }
    }
}

extension FindingConfidence {
    var reportText: ReportText {
        switch self {
        case .high: .confidenceHigh
        case .medium: .confidenceMedium
        case .low: .confidenceLow
        }
    }
}

/// Country and region names for the map. Hong Kong, Macau and Taiwan are named as regions:
/// they are cross-border for Circular 32, and the report must not read as more than that.
enum RegionNames {
    static let table: [String: Bilingual] = [
        "CN": Bilingual(en: "Mainland China", zh: "中国大陆"), "HK": Bilingual(en: "Hong Kong", zh: "中国香港"),
        "MO": Bilingual(en: "Macau", zh: "中国澳门"), "TW": Bilingual(en: "Taiwan", zh: "中国台湾"),
        "DE": Bilingual(en: "Germany", zh: "德国"), "SG": Bilingual(en: "Singapore", zh: "新加坡"),
        "US": Bilingual(en: "United States", zh: "美国"), "JP": Bilingual(en: "Japan", zh: "日本"),
        "KR": Bilingual(en: "South Korea", zh: "韩国"), "GB": Bilingual(en: "United Kingdom", zh: "英国"),
        "FR": Bilingual(en: "France", zh: "法国"), "NL": Bilingual(en: "Netherlands", zh: "荷兰"),
        "CH": Bilingual(en: "Switzerland", zh: "瑞士"), "AU": Bilingual(en: "Australia", zh: "澳大利亚"),
        "CA": Bilingual(en: "Canada", zh: "加拿大"), "RU": Bilingual(en: "Russia", zh: "俄罗斯"),
        "IN": Bilingual(en: "India", zh: "印度"), "MY": Bilingual(en: "Malaysia", zh: "马来西亚"),
        "TH": Bilingual(en: "Thailand", zh: "泰国"), "VN": Bilingual(en: "Vietnam", zh: "越南"),
        "SE": Bilingual(en: "Sweden", zh: "瑞典"), "ES": Bilingual(en: "Spain", zh: "西班牙"), "IE": Bilingual(en: "Ireland", zh: "爱尔兰"),
    ]

    static func name(_ code: String?, _ language: ReportLanguage) -> String {
        guard let code else { return ReportText.countryUnknown.text(language) }
        return table[code].map { "\(language.pick($0)) (\(code))" } ?? code
    }
}
