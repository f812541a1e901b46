import FleetSubmission
import Foundation
import Policy
import PostgresNIO

/// What the console's overview shows at a glance, each from each gateway's latest run: open
/// findings per gateway by category and severity, where the fleet's circuits lead, and the
/// trend of open findings by severity day by day.

/// Open findings of one gateway's latest run in one category at one severity.
public struct GatewayFindingCount: Sendable, Equatable {
    public var gateway: String
    public var category: String
    public var severity: Severity
    public var count: Int
}

/// Circuits from one site (or gateway without a site) to one country, in one category.
public struct FleetMapEdge: Sendable, Equatable {
    public var site: String
    public var gateways: Int
    public var country: String?
    public var category: String
    public var severity: Severity
    public var circuits: Int
}

/// Open findings of the fleet on one day, by severity (each gateway's last run of that day;
/// a gateway that did not report that day is not counted).
public struct TrendPoint: Sendable, Equatable {
    public var day: String
    public var gateways: Int
    /// Indexed like `Severity.allCases` (INFO ... CRITICAL).
    public var bySeverity: [Int]
}

extension FleetStore {
    public func gatewayFindingCounts() async throws -> [GatewayFindingCount] {
        try await query { connection in
            var counts: [GatewayFindingCount] = []
            for try await (gateway, category, rank, count) in try await connection.query("""
                SELECT g.name, f.category, f.severity, count(*)::bigint FROM gateways g JOIN findings f ON f.run = g.last_run AND NOT f.waived
                GROUP BY 1, 2, 3
                """, logger: self.logger).decode((String, String, Int16, Int).self) {
                guard let severity = SeverityRank.severity(rank) else { continue }
                counts.append(GatewayFindingCount(gateway: gateway, category: category, severity: severity, count: count))
            }
            return counts
        }
    }

    public func mapEdges() async throws -> [FleetMapEdge] {
        try await query { connection in
            var edges: [FleetMapEdge] = []
            for try await (site, gateways, country, category, rank, circuits) in try await connection.query("""
                SELECT coalesce(g.site, g.name), count(DISTINCT g.id)::bigint, f.country, f.category, max(f.severity), count(*)::bigint
                FROM gateways g JOIN findings f ON f.run = g.last_run
                GROUP BY 1, 3, 4 ORDER BY 1, 3, 4
                """, logger: self.logger).decode((String, Int, String?, String, Int16, Int).self) {
                edges.append(FleetMapEdge(site: site, gateways: gateways, country: country, category: category,
                                          severity: SeverityRank.severity(rank) ?? .info, circuits: circuits))
            }
            return edges
        }
    }

    /// The trend over the `days` days up to `now`, oldest first.
    public func trend(days: Int, now: Date = Date()) async throws -> [TrendPoint] {
        let since = Timestamps.formatDate(now.addingTimeInterval(-Double(days - 1) * 86_400))
        return try await query { connection in
            var points: [TrendPoint] = []
            for try await (day, gateways, counts) in try await connection.query("""
                SELECT day::text, count(*)::bigint,
                       ARRAY[sum(open_by_severity[1]), sum(open_by_severity[2]), sum(open_by_severity[3]), sum(open_by_severity[4]), sum(open_by_severity[5])]::bigint[]
                FROM daily_runs WHERE day >= \(since)::date GROUP BY day ORDER BY day
                """, logger: self.logger).decode((String, Int, [Int]).self) {
                points.append(TrendPoint(day: day, gateways: gateways, bySeverity: counts))
            }
            return points
        }
    }
}
