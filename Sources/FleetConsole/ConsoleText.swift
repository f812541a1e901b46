import Policy
import Reports

/// The console's own words, English and Chinese side by side like the reports' `ReportText`
/// table (whose rows the pages use for everything a report also says: categories, severities,
/// rules, evidence, citations). A test checks that no row lacks a language.
enum ConsoleText: String, CaseIterable {
    case product, overview, search, admin, signIn, signOut, userName, password, loginTitle, loginIntro, loginFailed, loginThrottled
    case signedInAs, language, gateways, lastRun, age, status, statusOk, statusStale, statusNever, worstCategory
    case fleetTotals, gatewaysStale, openFindingsShort, byGap, trend, trendCaption, lastDays, noRunsYet
    case circuitsNow, drift, driftIntro, driftNone, added, removed, changed, whatChanged, overTime, firstSeen, lastSeen, present, absentSince, goneAfter
    case runs, runID, received, trigger, signature, verifiedOnReceipt, intact, notIntact, files, reports, bundle, fingerprint, schedule
    case history, spanFrom, spanTo, runsCount, reviews, noReviews, recordDecision, decision, until, comment, save, reviewState, unreviewed
    case reviewSaved, untilPast
    case filters, apply, reset, results, resultsCount, previousPage, nextPage, exportCSV, exportJSON, includeWaived, dateFrom, dateTo, any
    case minimumSeverity, country, supplier, gap, users, addUser, role, disabled, disable, update, enrolGateway, publicKey
    case enrolled, accessLog, action, target, client, when, roleViewer, roleReviewer, roleAdmin, forbidden, forbiddenDetail
    case notFound, notFoundDetail, badRequest, csrfFailed, backToOverview, findingOfRun, openFinding, waived
    case printHint, yesWord, noWord, seconds, minutes, hours, days, internalFailure, driftFirstRun

    static let table: [ConsoleText: Bilingual] = [
        .product: Bilingual(en: "CircuitAudit fleet console", zh: "CircuitAudit 网关群控制台"),
        .overview: Bilingual(en: "Overview", zh: "总览"),
        .search: Bilingual(en: "Search findings", zh: "检索结论"),
        .admin: Bilingual(en: "Administration", zh: "管理"),
        .signIn: Bilingual(en: "Sign in", zh: "登录"),
        .signOut: Bilingual(en: "Sign out", zh: "退出"),
        .userName: Bilingual(en: "User name", zh: "用户名"),
        .password: Bilingual(en: "Password", zh: "密码"),
        .loginTitle: Bilingual(en: "Sign in to the fleet console", zh: "登录网关群控制台"),
        .loginIntro: Bilingual(en: "The audits of every gateway, for counsel and engineers. Accounts are given by an administrator.",
                               zh: "所有网关的审计结果，供法务与工程人员查阅。账户由管理员分配。"),
        .loginFailed: Bilingual(en: "The user name or password is not right.", zh: "用户名或密码不正确。"),
        .loginThrottled: Bilingual(en: "Too many failed attempts: wait 15 minutes and try again.", zh: "失败次数过多：请等待15分钟后再试。"),
        .signedInAs: Bilingual(en: "Signed in as", zh: "当前用户"),
        .language: Bilingual(en: "Language", zh: "语言"),
        .gateways: Bilingual(en: "Gateways", zh: "网关"),
        .lastRun: Bilingual(en: "Last run", zh: "最近一次审计"),
        .age: Bilingual(en: "Age", zh: "距今"),
        .status: Bilingual(en: "Status", zh: "状态"),
        .statusOk: Bilingual(en: "reporting", zh: "正常上报"),
        .statusStale: Bilingual(en: "stale", zh: "逾期未报"),
        .statusNever: Bilingual(en: "never reported", zh: "从未上报"),
        .worstCategory: Bilingual(en: "Worst category", zh: "最严重类别"),
        .fleetTotals: Bilingual(en: "The fleet now", zh: "网关群现状"),
        .gatewaysStale: Bilingual(en: "stale gateways", zh: "逾期网关"),
        .openFindingsShort: Bilingual(en: "Open findings", zh: "未结结论"),
        .byGap: Bilingual(en: "By data-export gap", zh: "按数据出境缺口统计"),
        .trend: Bilingual(en: "Open findings over time", zh: "未结结论趋势"),
        .trendCaption: Bilingual(en: "Each day, the open findings of each gateway's last run that day, stacked by severity.",
                                 zh: "每日取各网关当日最后一次审计的未结结论，按严重程度叠加。"),
        .lastDays: Bilingual(en: "Last %d days", zh: "最近%d天"),
        .noRunsYet: Bilingual(en: "No run has arrived yet.", zh: "尚未收到任何审计。"),
        .circuitsNow: Bilingual(en: "Circuits now", zh: "当前线路"),
        .drift: Bilingual(en: "Changes since the previous run", zh: "与上一次审计相比的变化"),
        .driftIntro: Bilingual(en: "Compared:", zh: "对比："),
        .driftNone: Bilingual(en: "Nothing changed between the last two runs.", zh: "最近两次审计之间没有变化。"),
        .added: Bilingual(en: "Appeared", zh: "新出现"),
        .removed: Bilingual(en: "Resolved or gone", zh: "已消失或已解决"),
        .changed: Bilingual(en: "Changed", zh: "已变化"),
        .whatChanged: Bilingual(en: "What changed", zh: "变化内容"),
        .overTime: Bilingual(en: "Each circuit over time", zh: "各线路历史"),
        .firstSeen: Bilingual(en: "First seen", zh: "首次出现"),
        .lastSeen: Bilingual(en: "Last seen", zh: "最近出现"),
        .present: Bilingual(en: "present", zh: "仍存在"),
        .absentSince: Bilingual(en: "Absent from the gateway's runs since", zh: "自此不再出现在网关的审计中："),
        .goneAfter: Bilingual(en: "not seen since; resolved or removed", zh: "此后未再出现：已解决或已移除"),
        .runs: Bilingual(en: "Runs", zh: "审计记录"),
        .runID: Bilingual(en: "Run", zh: "审计编号"),
        .received: Bilingual(en: "Received", zh: "接收时间"),
        .trigger: Bilingual(en: "Trigger", zh: "触发方式"),
        .signature: Bilingual(en: "Signature", zh: "签名"),
        .verifiedOnReceipt: Bilingual(en: "verified on receipt", zh: "接收时已验证"),
        .intact: Bilingual(en: "intact: every file matches the signed manifest", zh: "完整：所有文件均与签名清单一致"),
        .notIntact: Bilingual(en: "NOT intact", zh: "不完整"),
        .files: Bilingual(en: "Files as the gateway sent them", zh: "网关发送的文件"),
        .reports: Bilingual(en: "Reports of this run", zh: "本次审计的报告"),
        .bundle: Bilingual(en: "The signed bundle (for circuit-audit verify)", zh: "签名证据包（可用 circuit-audit verify 核验）"),
        .fingerprint: Bilingual(en: "Key fingerprint", zh: "密钥指纹"),
        .schedule: Bilingual(en: "Schedule", zh: "审计周期"),
        .history: Bilingual(en: "History across runs", zh: "各次审计中的历史"),
        .spanFrom: Bilingual(en: "From", zh: "自"),
        .spanTo: Bilingual(en: "To", zh: "至"),
        .runsCount: Bilingual(en: "Runs", zh: "审计次数"),
        .reviews: Bilingual(en: "Review decisions", zh: "审阅决定"),
        .noReviews: Bilingual(en: "No decision has been recorded.", zh: "尚无审阅决定。"),
        .recordDecision: Bilingual(en: "Record a decision", zh: "记录审阅决定"),
        .decision: Bilingual(en: "Decision", zh: "决定"),
        .until: Bilingual(en: "Accepted until (for an accepted risk)", zh: "接受至（仅用于接受风险）"),
        .comment: Bilingual(en: "Comment", zh: "意见"),
        .save: Bilingual(en: "Save", zh: "保存"),
        .reviewState: Bilingual(en: "Review", zh: "审阅"),
        .unreviewed: Bilingual(en: "not reviewed", zh: "未审阅"),
        .reviewSaved: Bilingual(en: "The decision is recorded.", zh: "审阅决定已记录。"),
        .untilPast: Bilingual(en: "The acceptance has expired: a new decision is needed.", zh: "接受期限已过：需要新的决定。"),
        .filters: Bilingual(en: "Filters", zh: "筛选"),
        .apply: Bilingual(en: "Apply", zh: "应用"),
        .reset: Bilingual(en: "Clear", zh: "清除"),
        .results: Bilingual(en: "Results", zh: "结果"),
        .resultsCount: Bilingual(en: "%d findings", zh: "共%d条结论"),
        .previousPage: Bilingual(en: "Previous", zh: "上一页"),
        .nextPage: Bilingual(en: "Next", zh: "下一页"),
        .exportCSV: Bilingual(en: "Export CSV", zh: "导出CSV"),
        .exportJSON: Bilingual(en: "Export JSON report", zh: "导出JSON报告"),
        .includeWaived: Bilingual(en: "Include waived findings", zh: "包括已豁免的结论"),
        .dateFrom: Bilingual(en: "Runs from", zh: "审计日期自"),
        .dateTo: Bilingual(en: "Runs until", zh: "审计日期至"),
        .any: Bilingual(en: "any", zh: "不限"),
        .minimumSeverity: Bilingual(en: "Severity at least", zh: "最低严重程度"),
        .country: Bilingual(en: "Country of the far end", zh: "远端国家或地区"),
        .supplier: Bilingual(en: "Supplier", zh: "供应商"),
        .gap: Bilingual(en: "Data-export gap", zh: "数据出境缺口"),
        .users: Bilingual(en: "Users", zh: "用户"),
        .addUser: Bilingual(en: "Add a user", zh: "添加用户"),
        .role: Bilingual(en: "Role", zh: "角色"),
        .disabled: Bilingual(en: "Disabled", zh: "已停用"),
        .disable: Bilingual(en: "Disable", zh: "停用"),
        .update: Bilingual(en: "Update", zh: "更新"),
        .enrolGateway: Bilingual(en: "Enrol a gateway", zh: "登记网关"),
        .publicKey: Bilingual(en: "Public key (PEM, from circuit-audit keygen)", zh: "公钥（PEM格式，由 circuit-audit keygen 生成）"),
        .enrolled: Bilingual(en: "Enrolled", zh: "已登记"),
        .accessLog: Bilingual(en: "Access log", zh: "访问日志"),
        .action: Bilingual(en: "Action", zh: "操作"),
        .target: Bilingual(en: "What", zh: "对象"),
        .client: Bilingual(en: "Client", zh: "客户端"),
        .when: Bilingual(en: "When", zh: "时间"),
        .roleViewer: Bilingual(en: "viewer — reads and exports", zh: "查阅者——查看和导出"),
        .roleReviewer: Bilingual(en: "reviewer — also records review decisions", zh: "审阅者——还可记录审阅决定"),
        .roleAdmin: Bilingual(en: "administrator — also enrols gateways and manages users", zh: "管理员——还可登记网关和管理用户"),
        .forbidden: Bilingual(en: "Not allowed", zh: "无权操作"),
        .forbiddenDetail: Bilingual(en: "Your role does not allow this. Ask an administrator.", zh: "您的角色不允许此操作，请联系管理员。"),
        .notFound: Bilingual(en: "Not found", zh: "未找到"),
        .notFoundDetail: Bilingual(en: "There is nothing at this address.", zh: "此地址没有内容。"),
        .badRequest: Bilingual(en: "The request cannot be done", zh: "无法完成请求"),
        .csrfFailed: Bilingual(en: "The form has expired or did not come from this console: reload the page and try again.",
                               zh: "表单已过期或并非来自本控制台：请刷新页面后重试。"),
        .backToOverview: Bilingual(en: "Back to the overview", zh: "返回总览"),
        .findingOfRun: Bilingual(en: "The finding as run %@ recorded it", zh: "审计 %@ 记录的结论"),
        .openFinding: Bilingual(en: "open", zh: "未结"),
        .waived: Bilingual(en: "waived", zh: "已豁免"),
        .printHint: Bilingual(en: "Prints as a clean page for the file.", zh: "可直接打印归档。"),
        .yesWord: Bilingual(en: "yes", zh: "是"),
        .noWord: Bilingual(en: "no", zh: "否"),
        .seconds: Bilingual(en: "%d s", zh: "%d秒"),
        .minutes: Bilingual(en: "%d min", zh: "%d分钟"),
        .hours: Bilingual(en: "%d h", zh: "%d小时"),
        .days: Bilingual(en: "%d days", zh: "%d天"),
        .internalFailure: Bilingual(en: "The server failed to make this page; the failure is in its log. Try again, or tell the administrator.",
                                    zh: "服务器未能生成此页面，错误已记入日志。请重试或联系管理员。"),
        .driftFirstRun: Bilingual(en: "This is the gateway's first run: every circuit in it is new.", zh: "这是该网关的首次审计：其中所有线路均为新出现。"),
    ]

    func text(_ language: ReportLanguage) -> String { language.pick(Self.table[self] ?? Bilingual(en: rawValue, zh: rawValue)) }

    /// Every label in one language, keyed by case name, for the templates' `{{t.name}}`.
    static func labels(_ language: ReportLanguage) -> [String: String] {
        var labels: [String: String] = [:]
        for text in allCases { labels[text.rawValue] = text.text(language) }
        for text in ReportText.allCases { labels["r_" + text.rawValue] = text.text(language) }
        return labels
    }
}

extension ReportLanguage {
    /// Words that take a number (`%d`) or a text (`%@`).
    func format(_ text: ConsoleText, _ value: Int) -> String { text.text(self).replacingOccurrences(of: "%d", with: String(value)) }
    func format(_ text: ConsoleText, _ value: String) -> String { text.text(self).replacingOccurrences(of: "%@", with: value) }
}
