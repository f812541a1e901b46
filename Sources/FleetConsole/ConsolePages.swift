import FleetStore
import FleetSubmission
import Foundation
import Hummingbird
import NIOCore
import Policy
import Reports

/// The pages that read the fleet: the overview, a gateway, a run, a finding, the search.
extension FleetConsole {
    // MARK: - Overview

    func overview(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let language = context.language
        let days = request.uri.queryParameters["days"].flatMap { Int($0) }.map { min(max($0, 1), 366) } ?? 30
        let gateways = try await store.gateways(staleGrace: staleGrace)
        let counts = try await store.gatewayFindingCounts()
        var open = FindingFilter()
        open.limit = 1
        let byCategory = try await store.counts(by: .category, open)
        let byGap = try await store.counts(by: .gap, open)
        let bySeverity = try await store.counts(by: .severity, open)
        let trend = try await store.trend(days: days)
        let edges = try await store.mapEdges()

        var page = base(request, context, title: ConsoleText.overview.text(language))
        page["gatewayCount"] = gateways.count
        let stale = gateways.filter { $0.status == .stale }.count
        page["staleCount"] = stale
        page["anyStale"] = stale > 0
        page["severityTotals"] = Severity.allCases.reversed().map { severity in
            ["code": severity.rawValue, "label": severity.reportText.text(language),
             "count": bySeverity.first { $0.key == severity.rawValue }?.count ?? 0] as [String: Any]
        }
        page["severityHeads"] = Severity.allCases.reversed().map { ["label": $0.reportText.text(language)] }
        page["hasGateways"] = !gateways.isEmpty
        let countsByGateway = Dictionary(grouping: counts, by: \.gateway)
        page["gateways"] = gateways.map { gateway -> [String: Any] in
            let mine = countsByGateway[gateway.name] ?? []
            let worst = mine.max { (SeverityRank.rank($0.severity), Self.categoryWeight($0.category)) < (SeverityRank.rank($1.severity), Self.categoryWeight($1.category)) }
            return [
                "name": gateway.name, "link": "/gateways/\(URLText.encode(gateway.name))", "site": gateway.site ?? "",
                "lastRun": gateway.lastRun.map { Self.display($0.generatedAt) } ?? "—", "age": gateway.ageSeconds.map { Self.age($0, language) } ?? "—",
                "status": gateway.status.rawValue, "statusLabel": Self.statusLabel(gateway.status, language),
                "bySeverity": Severity.allCases.reversed().map { severity -> [String: Any] in
                    let count = mine.filter { $0.severity == severity }.map(\.count).reduce(0, +)
                    return ["code": severity.rawValue, "count": count, "zero": count == 0]
                },
                "worst": worst.map { Self.categoryName($0.category, language) } ?? "—",
            ]
        }
        page["categoryTotals"] = byCategory.compactMap { count -> [String: Any]? in
            guard let key = count.key else { return nil }
            return ["code": String(key.prefix(2)), "label": Category(rawValue: key).map { language.pick($0.label) } ?? key, "count": count.count]
        }
        page["gapTotals"] = byGap.compactMap { count -> [String: Any]? in
            guard let key = count.key, let gap = DataExportGap(rawValue: key) else { return nil }
            return ["code": key, "label": gap.reportText.text(language), "count": count.count]
        }
        page["periods"] = [7, 30, 90, 365].map { ["days": $0, "label": language.format(.lastDays, $0), "current": $0 == days] as [String: Any] }
        page["trendSVG"] = TrendChart(points: trend, language: language).svg()
        page["mapSVG"] = FleetMap(edges: edges.compactMap { edge in
            Category(rawValue: edge.category).map { FleetMap.Edge(site: edge.site, gateways: edge.gateways, country: edge.country, category: $0, circuits: edge.circuits) }
        }, language: language).svg()
        await record(context, "view", "/")
        return html("overview", page)
    }

    // MARK: - Gateway

    func gatewayPage(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let language = context.language
        let name = try context.parameters.require("gateway")
        guard let gateway = try await store.gateways(staleGrace: staleGrace).first(where: { $0.name == name }) else {
            throw FleetError.notFound("gateway \"\(name)\"")
        }
        let offset = request.uri.queryParameters["offset"].flatMap { Int($0) }.map { max($0, 0) } ?? 0
        var filter = FindingFilter()
        filter.gateways = [name]
        filter.includeWaived = true
        filter.limit = 1000
        let circuits = try await store.findings(filter).items
        let reviews = try await store.latestReviews(gateways: [name])
        let drift = try await store.drift(gateway: name)
        let timeline = try await store.circuitTimeline(gateway: name)
        let runs = try await store.runs(gateway: name, limit: 20, offset: offset)
        let latest = gateway.lastRun?.generatedAt

        var page = base(request, context, title: "\(ReportText.gateway.text(language)) \(name)")
        page["name"] = name
        page["site"] = gateway.site ?? "—"
        page["status"] = gateway.status.rawValue
        page["statusLabel"] = Self.statusLabel(gateway.status, language)
        page["lastRun"] = gateway.lastRun.map { Self.display($0.generatedAt) } ?? "—"
        page["age"] = gateway.ageSeconds.map { Self.age($0, language) } ?? "—"
        page["schedule"] = Self.age(gateway.scheduleSeconds, language)
        page["fingerprint"] = gateway.keyFingerprint
        page["circuits"] = circuits.map { finding -> [String: Any] in
            [
                "link": Self.findingLink(name, finding.circuitId), "circuitId": finding.circuitId, "circuitName": finding.circuitName,
                "technology": finding.technology ?? "", "category": Self.categoryName(finding.category, language),
                "severity": finding.severity, "severityLabel": Severity(rawValue: finding.severity)?.reportText.text(language) ?? finding.severity,
                "flags": finding.flags.joined(separator: ", "), "country": RegionNames.name(finding.country, language), "waived": finding.waived,
                "review": Self.reviewLabel(reviews[ReviewKey(gateway: name, circuitID: finding.circuitId)], language),
            ]
        }
        if let to = drift.to {
            var rows: [[String: Any]] = []
            func row(_ kind: ConsoleText, _ finding: FleetFinding, _ detail: String? = nil) {
                rows.append(["kind": kind.text(language) + (detail.map { " (\($0))" } ?? ""), "link": Self.findingLink(name, finding.circuitId),
                             "circuitId": finding.circuitId, "circuitName": finding.circuitName, "category": Self.categoryName(finding.category, language),
                             "severity": finding.severity])
            }
            if drift.from != nil {
                drift.added.forEach { row(.added, $0) }
                drift.removed.forEach { row(.removed, $0) }
                drift.changed.forEach { row(.changed, $0.after, $0.what.joined(separator: ", ")) }
            }
            page["drift"] = ["from": drift.from.map { Self.display($0.generatedAt) } ?? "—", "to": Self.display(to.generatedAt),
                             "firstRun": drift.from == nil, "nothing": rows.isEmpty && drift.from != nil, "hasRows": !rows.isEmpty, "rows": rows] as [String: Any]
        }
        page["timeline"] = timeline.map { circuit -> [String: Any] in
            var row: [String: Any] = [
                "link": Self.findingLink(name, circuit.circuitId), "circuitId": circuit.circuitId, "circuitName": circuit.circuitName,
                "firstSeen": Self.display(circuit.firstSeen), "lastSeen": Self.display(circuit.lastSeen), "runs": circuit.runs,
                "changes": circuit.categoryChanges.map { ["at": Self.display($0.at), "from": String($0.from.prefix(2)), "to": String($0.to.prefix(2))] },
            ]
            if circuit.lastSeen != latest { row["gone"] = true }
            return row
        }
        page["runs"] = runs.items.map { run -> [String: Any] in
            [
                "link": "/gateways/\(URLText.encode(name))/runs/\(URLText.encode(run.runId))", "runId": run.runId,
                "generatedAt": Self.display(run.generatedAt), "receivedAt": Self.display(run.receivedAt), "trigger": run.trigger,
                "openFindings": run.openFindings, "maxSeverity": run.maxSeverity ?? "—", "signer": run.signer,
            ]
        }
        if offset > 0 { page["previous"] = "?offset=\(max(0, offset - 20))" }
        if offset + 20 < runs.total { page["next"] = "?offset=\(offset + 20)" }
        await record(context, "view", "/gateways/\(name)")
        return html("gateway", page)
    }

    // MARK: - A run

    func runPage(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let language = context.language
        let name = try context.parameters.require("gateway"), runID = try context.parameters.require("run")
        let (run, audit) = try await store.audit(gateway: name, runID: runID)
        let verification = try await store.verifyStored(gateway: name, runID: runID)
        let files = try await store.files(gateway: name, runID: runID)
        var page = base(request, context, title: "\(ConsoleText.runID.text(language)) \(runID)")
        let base = "/gateways/\(URLText.encode(name))/runs/\(URLText.encode(runID))"
        page["gateway"] = name
        page["gatewayLink"] = "/gateways/\(URLText.encode(name))"
        page["runId"] = runID
        page["generatedAt"] = Self.display(run.generatedAt)
        page["receivedAt"] = Self.display(run.receivedAt)
        page["trigger"] = run.trigger
        page["toolVersion"] = audit.toolVersion
        page["intact"] = verification.intact
        page["signer"] = verification.signer ?? run.signer
        page["problems"] = verification.problems
        page["hasProblems"] = !verification.problems.isEmpty
        page["reports"] = [ReportFormat.html, .md, .csv, .json, .oscal].flatMap { format in
            ReportLanguage.allCases.map { report in
                ["link": "\(base)/report?format=\(format.rawValue)&lang=\(report.rawValue)", "label": "\(format.fileName(report))"]
            }
        }
        page["bundleLink"] = "/api/v1/gateways/\(URLText.encode(name))/runs/\(URLText.encode(runID))/bundle"
        page["files"] = files.map { ["path": $0.path, "bytes": $0.data.count, "link": "\(base)/files/" + $0.path.split(separator: "/").map { URLText.encode(String($0)) }.joined(separator: "/")] as [String: Any] }
        await record(context, "view", base)
        return html("run", page)
    }

    /// One file of a stored run exactly as the gateway sent it (its reports, snapshot, manifest),
    /// always as a download that no browser renders or runs: it came from a gateway.
    func storedFile(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let name = try context.parameters.require("gateway"), runID = try context.parameters.require("run")
        let path = context.parameters.getCatchAll().joined(separator: "/")
        guard let file = try await store.files(gateway: name, runID: runID).first(where: { $0.path == path }) else {
            throw FleetError.notFound("\(path) in run \(runID)")
        }
        await record(context, "export", "/gateways/\(name)/runs/\(runID)/files/\(path)")
        var response = Self.download(file.data, contentType: "application/octet-stream", fileName: "\(name)-\(runID)-" + path.replacingOccurrences(of: "/", with: "_"))
        response.headers[.contentSecurityPolicy] = "sandbox; default-src 'none'"
        return response
    }

    /// A stored run's report, made now by the report renderers from the run's own findings.json
    /// (with counsel's current decisions on its circuits).
    func runReport(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let name = try context.parameters.require("gateway"), runID = try context.parameters.require("run")
        let query = request.uri.queryParameters
        guard let format = ReportFormat(rawValue: query["format"].map(String.init) ?? "html") else {
            throw ConsoleFailure.badForm("format: one of \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let language = query["lang"].flatMap { ReportLanguage(rawValue: String($0)) } ?? context.language
        let (run, audit) = try await store.audit(gateway: name, runID: runID)
        let reviews = try await store.latestReviews(gateways: [name])
        let context2 = ReportContext(result: audit, language: language, pseudonymized: run.pseudonymized, reviews: reviews.byCircuit(of: name))
        let data = try Reports.render(format, context2)
        await record(context, format == .html ? "view" : "export", "/gateways/\(name)/runs/\(runID)/report?format=\(format.rawValue)&lang=\(language.rawValue)")
        if format == .html {
            return Response(status: .ok, headers: PageHeaders.fields(contentType: "text/html; charset=utf-8", policy: PageHeaders.reportPolicy),
                            body: .init(byteBuffer: ByteBuffer(bytes: data)))
        }
        return Self.download(data, contentType: format == .csv ? "text/csv; charset=utf-8" : format == .md ? "text/markdown; charset=utf-8" : "application/json",
                             fileName: "\(name)-\(runID)-\(format.fileName(language))")
    }

    // MARK: - A finding

    func findingPage(_ request: Request, _ context: FleetRequestContext, flash: String? = nil) async throws -> Response {
        let language = context.language
        let name = try context.parameters.require("gateway"), circuit = try context.parameters.require("circuit")
        let runID = request.uri.queryParameters["run"].map(String.init)
        let (run, audit) = try await store.audit(gateway: name, runID: runID)
        let reviewMap = try await store.latestReviews(gateways: [name]).byCircuit(of: name)
        let reportContext = ReportContext(result: audit, language: language, pseudonymized: run.pseudonymized, reviews: reviewMap)
        guard let fragment = Reports.findingHTML(circuitID: circuit, reportContext) else {
            throw FleetError.notFound("circuit \(circuit) in run \(run.runId) of gateway \"\(name)\"")
        }
        let history = try await store.circuitHistory(gateway: name, circuitID: circuit)
        let reviews = try await store.reviews(gateway: name, circuitID: circuit)
        let gateway = try await store.gateways(staleGrace: staleGrace).first { $0.name == name }
        let finding = audit.findings.first { $0.circuitID == circuit }

        var page = base(request, context, title: "\(circuit) — \(finding?.circuitName ?? "") · \(name)")
        page["flash"] = flash ?? (request.uri.queryParameters["saved"] != nil ? ConsoleText.reviewSaved.text(language) : nil)
        page["gateway"] = name
        page["site"] = gateway?.site
        page["gatewayLink"] = "/gateways/\(URLText.encode(name))"
        page["runId"] = run.runId
        page["runLabel"] = language.format(.findingOfRun, run.runId) + " (\(Self.display(run.generatedAt)))"
        page["findingHTML"] = fragment
        page["reviews"] = reviews.map { review -> [String: Any] in
            ["label": Self.reviewLabel(review, language), "until": review.until ?? "", "comment": review.comment, "reviewer": review.reviewer,
             "decidedAt": Self.display(review.decidedAt), "runId": review.runId ?? ""]
        }
        page["hasReviews"] = !reviews.isEmpty
        page["reviewExpired"] = reviews.first.map { !$0.isCurrent(on: Timestamps.formatDate(Date())) } ?? false
        page["canReview"] = (context.session?.user.role ?? .viewer) >= .reviewer
        page["reviewAction"] = Self.findingLink(name, circuit) + "/review"
        page["decisions"] = ReviewDecision.Kind.allCases.enumerated().map { index, kind in
            ["code": kind.rawValue, "label": FindingReview(decision: kind.rawValue, until: nil, comment: "", reviewer: "", decidedAt: "").label(language),
             "first": index == 0] as [String: Any]
        }
        page["spans"] = history.spans.map { span -> [String: Any] in
            ["from": Self.display(span.from), "to": Self.display(span.to), "runs": span.runs, "category": Self.categoryName(span.category, language),
             "severity": span.severity, "flags": span.flags.joined(separator: ", "),
             "waived": span.waived ? ConsoleText.yesWord.text(language) : ConsoleText.noWord.text(language)]
        }
        page["absentSince"] = history.absentSince.map(Self.display)
        await record(context, "view", "/gateways/\(name)/circuits/\(circuit)")
        return html("finding", page)
    }

    func review(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let form = try await Self.postedForm(request, context)
        try context.require(.reviewer)
        let name = try context.parameters.require("gateway"), circuit = try context.parameters.require("circuit")
        guard let decision = form["decision"].flatMap(ReviewDecision.Kind.init(rawValue:)) else {
            throw ConsoleFailure.badForm("decision: one of \(ReviewDecision.Kind.allCases.map(\.rawValue).joined(separator: ", "))")
        }
        let until = form["until"].flatMap { $0.isEmpty ? nil : $0 }
        let comment = String((form["comment"] ?? "").prefix(4000))
        let run = form["run"].flatMap { $0.isEmpty ? nil : $0 }
        try await store.recordReview(gateway: name, circuitID: circuit, runID: run, decision: decision, until: decision == .acceptedRisk ? until : nil,
                                     comment: comment, reviewer: context.session!.user.name)
        await record(context, "review", "/gateways/\(name)/circuits/\(circuit): \(decision.rawValue)")
        return Self.redirect(Self.findingLink(name, circuit) + "?saved=1")
    }

    // MARK: - Search

    func searchPage(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let language = context.language
        let parameters = Self.parameters(request)
        var filter = try Self.filter(parameters)
        filter.limit = 50
        let results = try await store.findings(filter)
        let reviews = try await store.latestReviews(gateways: Array(Set(results.items.map(\.gateway))))
        let value = { (name: String) in parameters.first { $0.0 == name }?.1 ?? "" }
        let chosen = { (name: String) in Set(parameters.filter { $0.0 == name }.flatMap { $0.1.split(separator: ",").map(String.init) }) }

        var page = base(request, context, title: ConsoleText.search.text(language))
        page["categories"] = Category.allCases.map { category -> [String: Any] in
            ["code": category.rawValue, "short": String(category.rawValue.prefix(2)), "label": language.pick(category.label),
             "checked": filter.categories.contains(category.rawValue)]
        }
        page["severities"] = Severity.allCases.reversed().map { severity -> [String: Any] in
            ["code": severity.rawValue, "label": severity.reportText.text(language), "selected": value("severity").uppercased() == severity.rawValue]
        }
        page["flags"] = CircuitFlag.allCases.map { ["code": $0.rawValue, "label": language.pick($0.label), "selected": chosen("flag").contains($0.rawValue)] as [String: Any] }
        page["gaps"] = DataExportGap.allCases.map { ["code": $0.rawValue, "label": $0.reportText.text(language), "selected": chosen("gap").contains($0.rawValue)] as [String: Any] }
        page["values"] = ["rule": value("rule"), "country": value("country"), "supplier": value("supplier"), "technology": value("technology"),
                          "gateway": value("gateway"), "from": value("from"), "to": value("to")]
        page["includeWaived"] = filter.includeWaived
        page["resultsLabel"] = language.format(.resultsCount, results.total)
        let kept = parameters.filter { $0.0 != "offset" && !$0.1.isEmpty }
        page["csvLink"] = "/export.csv" + URLText.query(kept)
        page["jsonLink"] = "/export.json" + URLText.query(kept)
        page["results"] = results.items.map { finding -> [String: Any] in
            [
                "gateway": finding.gateway, "gatewayLink": "/gateways/\(URLText.encode(finding.gateway))",
                "link": Self.findingLink(finding.gateway, finding.circuitId) + (filter.since != nil || filter.until != nil ? "?run=\(URLText.encode(finding.runId))" : ""),
                "circuitId": finding.circuitId, "circuitName": finding.circuitName, "category": Self.categoryName(finding.category, language),
                "severity": finding.severity, "severityLabel": Severity(rawValue: finding.severity)?.reportText.text(language) ?? finding.severity,
                "flags": finding.flags.joined(separator: ", "), "country": RegionNames.name(finding.country, language), "supplier": finding.supplier ?? "",
                "gap": finding.dataExportGap ?? "", "generatedAt": Self.display(finding.generatedAt),
                "review": Self.reviewLabel(reviews[ReviewKey(gateway: finding.gateway, circuitID: finding.circuitId)], language),
            ]
        }
        if filter.offset > 0 { page["previous"] = "/findings" + URLText.query(kept + [("offset", String(max(0, filter.offset - filter.limit)))]) }
        if filter.offset + filter.limit < results.total { page["next"] = "/findings" + URLText.query(kept + [("offset", String(filter.offset + filter.limit))]) }
        await record(context, "view", request.uri.description)
        return html("search", page)
    }

    // MARK: - Helpers

    /// The query's name=value pairs in order, values decoded.
    static func parameters(_ request: Request) -> [(String, String)] {
        request.uri.queryParameters.map { (String($0.key), String($0.value)) }
    }

    static func filter(_ parameters: [(String, String)]) throws -> FindingFilter {
        do {
            return try FindingFilter.parse({ name in parameters.filter { $0.0 == name }.map(\.1) }, maximumLimit: 1000)
        } catch let failure as FleetError {
            throw ConsoleFailure.badForm(failure.description)
        }
    }

    static func findingLink(_ gateway: String, _ circuit: String) -> String {
        "/gateways/\(URLText.encode(gateway))/circuits/\(URLText.encode(circuit))"
    }

    static func reviewLabel(_ review: ReviewDecision?, _ language: ReportLanguage) -> String {
        guard let review else { return ConsoleText.unreviewed.text(language) }
        let words = review.findingReview.label(language)
        let expired = !review.isCurrent(on: Timestamps.formatDate(Date()))
        return words + (review.until.map { " → \($0)" } ?? "") + (expired ? " (\(ConsoleText.untilPast.text(language)))" : "") + " · \(review.reviewer)"
    }

    static func categoryName(_ code: String, _ language: ReportLanguage) -> String {
        guard let category = Category(rawValue: code) else { return code }
        return "\(code.prefix(2)) \(language.pick(category.label))"
    }

    /// Orders categories for "worst": the policy's order (C5 first) is the order of concern.
    static func categoryWeight(_ code: String) -> Int {
        Category.allCases.count - (Category.allCases.firstIndex { $0.rawValue == code } ?? Category.allCases.count)
    }

    static func statusLabel(_ status: GatewayStatus.State, _ language: ReportLanguage) -> String {
        switch status {
        case .ok: ConsoleText.statusOk.text(language)
        case .stale: ConsoleText.statusStale.text(language)
        case .never: ConsoleText.statusNever.text(language)
        }
    }

    /// An ISO 8601 time as a reader scans it: `2026-12-05 13:04 UTC`.
    static func display(_ iso: String) -> String {
        guard iso.count >= 16, iso.dropFirst(10).first == "T" else { return iso }
        return iso.prefix(10) + " " + iso.dropFirst(11).prefix(5) + " UTC"
    }

    static func age(_ seconds: Int, _ language: ReportLanguage) -> String {
        switch seconds {
        case ..<120: language.format(.seconds, seconds)
        case ..<7200: language.format(.minutes, seconds / 60)
        case ..<172_800: language.format(.hours, seconds / 3600)
        default: language.format(.days, seconds / 86_400)
        }
    }

    static func download(_ data: Data, contentType: String, fileName: String) -> Response {
        var headers = PageHeaders.fields(contentType: contentType)
        headers[.contentDisposition] = "attachment; filename=\"\(fileName.filter { $0.isASCII && $0 != "\"" && $0 != "\\" })\""
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}
