import FleetStore
import FleetSubmission
import Foundation
import Hummingbird
import Reports

extension FleetConsole {
    /// The most findings one export gathers; a larger view is exported gateway by gateway.
    static let maximumExportFindings = 20_000

    /// Any view as CSV or as the fleet's JSON report: the findings the view's filters select,
    /// each worded by the report renderers from its run's own findings.json, with counsel's
    /// decisions beside them.
    func export(_ request: Request, _ context: FleetRequestContext, format: ReportFormat) async throws -> Response {
        let language = request.uri.queryParameters["lang"].flatMap { ReportLanguage(rawValue: String($0)) } ?? context.language
        var filter = try Self.filter(Self.parameters(request).filter { $0.0 != "offset" && $0.0 != "limit" && $0.0 != "lang" })
        filter.limit = 1000
        var selected: [FleetFinding] = []
        while true {
            let page = try await store.findings(filter)
            selected += page.items
            filter.offset += page.items.count
            if page.items.isEmpty || filter.offset >= page.total { break }
            guard selected.count < Self.maximumExportFindings else {
                throw ConsoleFailure.badForm("the view holds \(page.total) findings, more than one export takes (\(Self.maximumExportFindings)): narrow it with a filter")
            }
        }
        let circuitsByRun = Dictionary(grouping: selected, by: \.run).mapValues { Set($0.map(\.circuitId)) }
        let reviews = try await store.latestReviews(gateways: Array(Set(selected.map(\.gateway))))
        let audits = try await store.audits(runs: Array(circuitsByRun.keys)).map { stored -> GatewayAudit in
            var audit = stored.audit
            let keep = circuitsByRun[stored.run] ?? []
            audit.findings.removeAll { !keep.contains($0.circuitID) }
            return GatewayAudit(gateway: stored.gateway, site: stored.site, result: audit, reviews: reviews.byCircuit(of: stored.gateway))
        }
        let data = try FleetReports.render(format, audits, language: language)
        await record(context, "export", request.uri.description)
        let stamp = Timestamps.format(Date()).filter(\.isNumber).prefix(14)
        return format == .csv
            ? Self.download(data, contentType: "text/csv; charset=utf-8", fileName: "fleet-findings-\(stamp).\(language.rawValue).csv")
            : Self.download(data, contentType: "application/json", fileName: "fleet-report-\(stamp).\(language.rawValue).json")
    }
}
