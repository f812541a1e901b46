import Audit
import Policy

/// The language a report is written in. Every label, category, rationale and action exists in
/// both; the audit's facts (evidence sentences, sources) are quoted as the audit wrote them.
public enum ReportLanguage: String, Sendable, CaseIterable, Codable {
    case en, zh

    public func pick(_ text: Bilingual) -> String { self == .en ? text.en : text.zh }

    /// The BCP 47 tag an HTML page declares, so fonts and line breaking follow the language.
    public var htmlTag: String { self == .en ? "en" : "zh-Hans" }
}

/// The report's own words, kept as data: one row per label, English and Chinese side by side,
/// so a translator reviews one table and a test can check that no row lacks a language.
/// Categories and flags take their names from the policy vocabulary, not from here.
public enum ReportText: String, Sendable, CaseIterable {
    case title, subtitle, organization, asOf, generatedAt, toolVersion, pseudonymizedNotice
    case summary, circuitsAudited, openFindings, waivedFindings, byCategory, bySeverity, category, severity, count
    case changes, changesUnknown, noChanges, newCircuits, removedCircuits, changedCircuits, previousAudit
    case map, mapCaption, mapSite, mapOtherEnd, gateway, site, remoteEnd, region, countryUnknown, legend
    case findings, noFindings, circuit, circuitName, code, rule, confidence, origin, technology, flags, flag, noFlags
    case rationale, action, citations, evidence, predicate, fact, sources, noSources, trace, matched, notMatched, condition, because
    case waiver, waiverActive, waiverExpired, approver, expires, justification
    case appendix, policies, policyFile, version, policySources, inputs, path, kind, sha256, warnings, none
    case document, issuer, date, article, reference
    case severityCritical, severityHigh, severityMedium, severityLow, severityInfo
    case confidenceHigh, confidenceMedium, confidenceLow
    case yes, no
    case originConfiguredAndSeen, originConfiguredIdle, originSeenUnconfigured
    case dataExport, dataExportIntro, noDataExport, ciio, freeTradeZone, negativeList, inForce, notInForce, stageOrder
    case individualsCounted, personalIndividuals, sensitiveIndividuals, speciallySensitiveIndividuals, countedFrom
    case transfer, recipient, purpose, importantData, importantDataSuspected, exemptionGrounds, thresholdRow, noRowMatched, duties
    case mechanismRequired, mechanismOnFile, noneOnFile, documents, dated, validityRule, validUntil, windowOpens, extensionApplied,
         extensionApproved, coversIndividuals, gap, gapDetail, declaredAt, transferCitations, rowsTried, byDataExportGap, changedDataExport
    case transfersWithoutCircuit, transfersWithoutCircuitNote, candidatesWithoutCircuit
    case candidates, candidateInference, inferredMark, candidateFlow, service, matchedBy, bytes, leavesVia, flowsSeen
    case dataExportColumnMechanism, dataExportColumnGap, dataExportColumnTransfers, dataExportColumnCandidates, dataExportColumnCitations
    case mechanismExempt, mechanismSCC, mechanismAssessment, mechanismNeedsReview
    case onFileAssessment, onFileStandardContract, onFileCertification
    case gapNone, gapRedeclareCheck, gapNeedsReview, gapExpiring, gapBeyondScope, gapInsufficient, gapExpired, gapMissing, gapUndeclaredCandidate
    case stageAssessmentTriggers, stageExemptions, stageVolume
    case storeObjectStorage, storeDatabase, storeFileTransfer, storeSaaSCRM, storeSaaSHR
    case exemptionArt3, exemptionArt4, exemptionArt5Contract, exemptionArt5HR, exemptionArt5Emergency
    case dutyLocalisation, dutyNoticeAndConsent
    case review, reviewDecision, reviewReviewed, reviewAcceptedRisk, reviewRemediationRequested, reviewer, reviewedAt, reviewUntil, reviewComment

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
        .site: Bilingual(en: "Site", zh: "站点"),
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
        .dataExport: Bilingual(en: "Cross-border data export, per circuit", zh: "数据出境评估（按线路）"),
        .dataExportIntro: Bilingual(
            en: "A separate question from each circuit's category (the one never settles the other): for the declared transfers each circuit carries, the mechanism the cross-border data rules require on the audit date, the mechanism on file with its documents, the gap, and the threshold row that applied with its citations. For legal review.",
            zh: "与线路类别分开评估（二者互不决定）：对每条线路承载的已申报数据出境，列明审计日数据出境规则要求的机制、已备案的机制及其文件、差距，以及适用的门槛规则及其依据。供法务审阅。"),
        .noDataExport: Bilingual(en: "No declared transfer and no undeclared-transfer candidate concerns any audited circuit.", zh: "没有任何已审计线路涉及已申报的数据出境或疑似未申报的数据出境。"),
        .ciio: Bilingual(en: "Critical information infrastructure operator", zh: "关键信息基础设施运营者"),
        .freeTradeZone: Bilingual(en: "Free trade zone", zh: "自由贸易试验区"),
        .negativeList: Bilingual(en: "negative list", zh: "负面清单"),
        .inForce: Bilingual(en: "in force on the audit date", zh: "审计日已生效"),
        .notInForce: Bilingual(en: "not in force on the audit date, or its date is unknown", zh: "审计日未生效或生效日期不明"),
        .stageOrder: Bilingual(en: "Order in which the rules are tried", zh: "规则检验顺序"),
        .individualsCounted: Bilingual(en: "Individuals counted for the volume thresholds", zh: "数量门槛所用的人数"),
        .personalIndividuals: Bilingual(en: "Individuals (personal information)", zh: "个人信息涉及人数"),
        .sensitiveIndividuals: Bilingual(en: "Individuals (sensitive personal information)", zh: "敏感个人信息涉及人数"),
        .speciallySensitiveIndividuals: Bilingual(en: "Individuals (specially sensitive)", zh: "特别敏感个人信息涉及人数"),
        .countedFrom: Bilingual(en: "counted from", zh: "起算日"),
        .transfer: Bilingual(en: "Declared transfer", zh: "已申报的数据出境"),
        .recipient: Bilingual(en: "Recipient", zh: "境外接收方"),
        .purpose: Bilingual(en: "Purpose", zh: "目的"),
        .importantData: Bilingual(en: "Important data", zh: "重要数据"),
        .importantDataSuspected: Bilingual(en: "suspected, not notified by any authority", zh: "疑似，未经有关部门告知"),
        .exemptionGrounds: Bilingual(en: "Exemption grounds declared", zh: "申报的豁免情形"),
        .thresholdRow: Bilingual(en: "Threshold row", zh: "门槛规则"),
        .noRowMatched: Bilingual(en: "no row matched", zh: "无适用规则"),
        .duties: Bilingual(en: "Other duties", zh: "其他义务"),
        .mechanismRequired: Bilingual(en: "Mechanism required", zh: "所需机制"),
        .mechanismOnFile: Bilingual(en: "Mechanism on file", zh: "已备案机制"),
        .noneOnFile: Bilingual(en: "none on file", zh: "未备案"),
        .documents: Bilingual(en: "Documents on file", zh: "备案文件"),
        .dated: Bilingual(en: "dated", zh: "日期"),
        .validityRule: Bilingual(en: "validity rule", zh: "有效期规则"),
        .validUntil: Bilingual(en: "holds until", zh: "有效期至"),
        .windowOpens: Bilingual(en: "extension or re-declaration window opens", zh: "延期或重新申报窗口开启于"),
        .extensionApplied: Bilingual(en: "extension applied for", zh: "申请延期于"),
        .extensionApproved: Bilingual(en: "extension approved", zh: "延期批准于"),
        .coversIndividuals: Bilingual(en: "individuals covered", zh: "覆盖人数"),
        .gap: Bilingual(en: "Gap", zh: "差距"),
        .gapDetail: Bilingual(en: "What shows it", zh: "具体情况"),
        .declaredAt: Bilingual(en: "Declared at", zh: "申报位置"),
        .rowsTried: Bilingual(en: "Threshold rows tried, in order", zh: "依次检验的门槛规则"),
        .changedDataExport: Bilingual(en: "Circuits whose data-export gap changed", zh: "数据出境差距发生变化的线路"),
        .byDataExportGap: Bilingual(en: "Circuits by data-export gap", zh: "按数据出境差距统计线路"),
        .transferCitations: Bilingual(en: "Citations: the threshold row's, then the gap's", zh: "依据：先列门槛规则的依据，再列差距的依据"),
        .transfersWithoutCircuit: Bilingual(en: "Declared transfers on no audited circuit", zh: "未在已审计线路上发现的已申报数据出境"),
        .transfersWithoutCircuitNote: Bilingual(en: "Their declarations match no circuit the audit found: check the declaration's match or the path the data takes.",
                                                zh: "其申报的匹配条件与审计发现的线路均不对应：请核查申报的匹配条件或数据实际传输路径。"),
        .candidatesWithoutCircuit: Bilingual(en: "Undeclared-transfer candidates on direct Internet egress (no circuit)", zh: "直接互联网出口上的疑似未申报数据出境（无线路）"),
        .candidates: Bilingual(en: "Undeclared-transfer candidates", zh: "疑似未申报的数据出境"),
        .candidateInference: Bilingual(
            en: "Inferred from flow metadata (addresses, ports, TLS server name, byte counts), never from payload: a prompt for review, not a finding that data was transferred.",
            zh: "依据流量元数据（地址、端口、TLS服务器名称、字节数）推断，从未分析载荷内容：仅提示审阅，并非认定发生了数据出境。"),
        .inferredMark: Bilingual(en: "[inferred from flow metadata, not payload]", zh: "[依据流量元数据推断，非载荷]"),
        .candidateFlow: Bilingual(en: "From → to", zh: "源 → 目的"),
        .service: Bilingual(en: "Looks like", zh: "疑似服务"),
        .matchedBy: Bilingual(en: "matched by", zh: "匹配依据"),
        .bytes: Bilingual(en: "bytes", zh: "字节"),
        .leavesVia: Bilingual(en: "Where it leaves", zh: "出境路径"),
        .flowsSeen: Bilingual(en: "Flows", zh: "流量记录"),
        .dataExportColumnMechanism: Bilingual(en: "Data export: mechanism required", zh: "数据出境：所需机制"),
        .dataExportColumnGap: Bilingual(en: "Data export: gap", zh: "数据出境：差距"),
        .dataExportColumnTransfers: Bilingual(en: "Data export: declared transfers", zh: "数据出境：已申报的出境"),
        .dataExportColumnCandidates: Bilingual(en: "Data export: undeclared-transfer candidates (inferred from flow metadata)", zh: "数据出境：疑似未申报的出境（依据流量元数据推断）"),
        .dataExportColumnCitations: Bilingual(en: "Data export: citations", zh: "数据出境：依据"),
        .mechanismExempt: Bilingual(en: "Exempt", zh: "免于申报"),
        .mechanismSCC: Bilingual(en: "Standard contract filing or PI protection certification", zh: "个人信息出境标准合同备案或个人信息保护认证"),
        .mechanismAssessment: Bilingual(en: "Security assessment", zh: "数据出境安全评估"),
        .mechanismNeedsReview: Bilingual(en: "Open: needs review", zh: "未决：需审阅"),
        .onFileAssessment: Bilingual(en: "Security assessment", zh: "数据出境安全评估"),
        .onFileStandardContract: Bilingual(en: "Standard contract filing", zh: "标准合同备案"),
        .onFileCertification: Bilingual(en: "PI protection certification", zh: "个人信息保护认证"),
        .gapNone: Bilingual(en: "None: the paperwork covers it", zh: "无差距：现有文件已覆盖"),
        .gapRedeclareCheck: Bilingual(en: "Changed since granted: check whether to declare again", zh: "取得后已变更：需核查是否重新申报"),
        .gapNeedsReview: Bilingual(en: "Open point: needs review", zh: "未决问题：需审阅"),
        .gapExpiring: Bilingual(en: "Expiring: extension or re-declaration window open", zh: "即将到期：延期或重新申报窗口已开启"),
        .gapBeyondScope: Bilingual(en: "More individuals than the filing covers", zh: "人数超出备案范围"),
        .gapInsufficient: Bilingual(en: "Weaker mechanism than required", zh: "已备案机制低于所需机制"),
        .gapExpired: Bilingual(en: "Expired", zh: "已失效"),
        .gapMissing: Bilingual(en: "Missing: required, none on file", zh: "缺失：需要但未备案"),
        .gapUndeclaredCandidate: Bilingual(en: "Undeclared-transfer candidate", zh: "疑似未申报的数据出境"),
        .stageAssessmentTriggers: Bilingual(en: "Security-assessment triggers", zh: "安全评估触发条件"),
        .stageExemptions: Bilingual(en: "Exemptions", zh: "豁免情形"),
        .stageVolume: Bilingual(en: "Volume thresholds", zh: "数量门槛"),
        .storeObjectStorage: Bilingual(en: "object storage", zh: "对象存储"),
        .storeDatabase: Bilingual(en: "database", zh: "数据库"),
        .storeFileTransfer: Bilingual(en: "file transfer", zh: "文件传输"),
        .storeSaaSCRM: Bilingual(en: "SaaS CRM", zh: "SaaS客户关系管理"),
        .storeSaaSHR: Bilingual(en: "SaaS HR", zh: "SaaS人力资源管理"),
        .exemptionArt3: Bilingual(en: "Art 3: trade, transport, academic, manufacturing or marketing data", zh: "第三条：国际贸易、跨境运输、学术合作、跨国生产制造和市场营销数据"),
        .exemptionArt4: Bilingual(en: "Art 4: collected abroad, processed in China and sent back", zh: "第四条：境外收集、境内处理后向境外提供"),
        .exemptionArt5Contract: Bilingual(en: "Art 5(1): needed for a contract with the individual", zh: "第五条第一项：订立、履行个人作为一方当事人的合同所必需"),
        .exemptionArt5HR: Bilingual(en: "Art 5(2): cross-border HR management", zh: "第五条第二项：实施跨境人力资源管理所必需"),
        .exemptionArt5Emergency: Bilingual(en: "Art 5(3): emergency, to protect life, health or property", zh: "第五条第三项：紧急情况下保护生命健康和财产安全所必需"),
        .dutyLocalisation: Bilingual(en: "store the data in mainland China", zh: "数据境内存储"),
        .dutyNoticeAndConsent: Bilingual(en: "PIPL notice and separate consent", zh: "个人信息保护法规定的告知及单独同意"),
        .review: Bilingual(en: "Counsel's review", zh: "法务审阅"),
        .reviewDecision: Bilingual(en: "Review decision", zh: "审阅结论"),
        .reviewReviewed: Bilingual(en: "Reviewed", zh: "已审阅"),
        .reviewAcceptedRisk: Bilingual(en: "Accepted risk", zh: "接受风险"),
        .reviewRemediationRequested: Bilingual(en: "Remediation requested", zh: "要求整改"),
        .reviewer: Bilingual(en: "Reviewer", zh: "审阅人"),
        .reviewedAt: Bilingual(en: "Decided at", zh: "决定时间"),
        .reviewUntil: Bilingual(en: "Accepted until", zh: "接受至"),
        .reviewComment: Bilingual(en: "Comment", zh: "意见"),
    ]

    public var bilingual: Bilingual { Self.table[self] ?? Bilingual(en: rawValue, zh: rawValue) }

    public func text(_ language: ReportLanguage) -> String { language.pick(bilingual) }
}

extension Severity {
    /// The words for this severity in a report (its row of `ReportText.table`).
    public var reportText: ReportText {
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

extension DataExportMechanism {
    /// The words for this code in a report (its row of `ReportText.table`).
    public var reportText: ReportText {
        switch self {
        case .exempt: .mechanismExempt
        case .sccOrCertification: .mechanismSCC
        case .securityAssessment: .mechanismAssessment
        case .needsReview: .mechanismNeedsReview
        }
    }
}

extension DataExportGap {
    /// The words for this code in a report (its row of `ReportText.table`).
    public var reportText: ReportText {
        switch self {
        case .none: .gapNone
        case .redeclareCheck: .gapRedeclareCheck
        case .needsReview: .gapNeedsReview
        case .expiring: .gapExpiring
        case .beyondScope: .gapBeyondScope
        case .insufficient: .gapInsufficient
        case .expired: .gapExpired
        case .missing: .gapMissing
        case .undeclaredCandidate: .gapUndeclaredCandidate
        }
    }
}

extension DataExportStage {
    /// The words for this code in a report (its row of `ReportText.table`).
    public var reportText: ReportText {
        switch self {
        case .assessmentTriggers: .stageAssessmentTriggers
        case .exemptions: .stageExemptions
        case .volume: .stageVolume
        }
    }
}

extension DataStoreService.Kind {
    /// The words for this code in a report (its row of `ReportText.table`).
    public var reportText: ReportText {
        switch self {
        case .objectStorage: .storeObjectStorage
        case .database: .storeDatabase
        case .fileTransfer: .storeFileTransfer
        case .saasCRM: .storeSaaSCRM
        case .saasHR: .storeSaaSHR
        }
    }
}

extension OrganizationProfile.MechanismOnFile.Kind {
    /// The words for this code in a report (its row of `ReportText.table`).
    public var reportText: ReportText {
        switch self {
        case .securityAssessment: .onFileAssessment
        case .standardContract: .onFileStandardContract
        case .certification: .onFileCertification
        }
    }
}

extension OrganizationProfile.ExemptionGround {
    /// The words for this code in a report (its row of `ReportText.table`).
    public var reportText: ReportText {
        switch self {
        case .art3: .exemptionArt3
        case .art4: .exemptionArt4
        case .art5Contract: .exemptionArt5Contract
        case .art5HR: .exemptionArt5HR
        case .art5Emergency: .exemptionArt5Emergency
        }
    }
}

/// Country and region names for the map. Hong Kong, Macau and Taiwan are named as regions:
/// they are cross-border for Circular 32, and the report must not read as more than that.
public enum RegionNames {
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

    public static func name(_ code: String?, _ language: ReportLanguage) -> String {
        guard let code else { return ReportText.countryUnknown.text(language) }
        return table[code].map { "\(language.pick($0)) (\(code))" } ?? code
    }
}
