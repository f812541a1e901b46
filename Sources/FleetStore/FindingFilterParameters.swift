import FleetSubmission
import Foundation
import Policy

extension FindingFilter {
    /// A filter from query parameters, as the API and the console's search take them: each
    /// name given repeatedly or comma-separated (`category=C5&category=C6`, `category=C5,C6`);
    /// `from`/`to` days (inclusive) select each gateway's last run in that range. `values`
    /// answers every value given for a name.
    public static func parse(_ values: (String) -> [String], maximumLimit: Int = 1000) throws -> FindingFilter {
        func list(_ name: String) -> [String] {
            values(name).flatMap { $0.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) } }.filter { !$0.isEmpty }
        }
        func single(_ name: String) -> String? { list(name).first }
        var filter = FindingFilter()
        filter.gateways = list("gateway")
        filter.categories = try list("category").map { name in
            guard let category = Category.allCases.first(where: { $0.rawValue == name || $0.rawValue.hasPrefix(name + "_") }) else {
                throw FleetError.malformed("category=\(name): one of \(Category.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return category.rawValue
        }
        filter.flags = list("flag")
        filter.rules = list("rule")
        filter.countries = list("country").map { $0.uppercased() }
        filter.suppliers = list("supplier")
        filter.technologies = list("technology")
        filter.dataExportGaps = list("gap").map { $0.uppercased() }
        if let text = single("severity") {
            guard let severity = Severity(rawValue: text.uppercased()) else {
                throw FleetError.malformed("severity=\(text): one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            filter.minSeverity = SeverityRank.rank(severity)
        }
        if let text = single("from") {
            guard let day = Timestamps.parseDate(text) else { throw FleetError.malformed("from=\(text): a date, YYYY-MM-DD") }
            filter.since = day
        }
        if let text = single("to") {
            guard let day = Timestamps.parseDate(text) else { throw FleetError.malformed("to=\(text): a date, YYYY-MM-DD") }
            filter.until = day.addingTimeInterval(86_400)
        }
        filter.includeWaived = single("include_waived").map { $0 == "true" || $0 == "1" || $0 == "on" } ?? false
        if let text = single("limit") {
            guard let value = Int(text), (1...maximumLimit).contains(value) else { throw FleetError.malformed("limit=\(text): 1 to \(maximumLimit)") }
            filter.limit = value
        }
        if let text = single("offset") {
            guard let value = Int(text), value >= 0 else { throw FleetError.malformed("offset=\(text): 0 or more") }
            filter.offset = value
        }
        return filter
    }
}
