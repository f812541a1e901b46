import AsyncHTTPClient
import Audit
import AuditPipeline
@preconcurrency import Crypto
import FleetConsole
import FleetStore
import FleetUpload
import Foundation
import Logging
import NIOCore
import Policy
import PostgresNIO
import Reports

/// `scripts/bench-fleet` measures the fleet server against a PostgreSQL it started: real signed
/// bundles of the demo audits sent over HTTP by simulated gateways (runs ingested per second,
/// as a ratio to a bare COPY of the same rows in the same run), the database size per run, then
/// the history filled to 10, 100 and 500 gateways × N days of hourly runs and the API's main
/// queries timed at each (p50, p95, p99). Ratios and percentiles, never a pass/fail time.
@main
struct FleetBench {
    struct Options {
        var databaseURL = ""
        var server = ""
        var root = "."
        var levels = [10, 100, 500]
        var days = 30
        var runsPerDay = 24
        var ingest = 500
        var concurrency = 8
        var samples = 50
        var labOut: String?
        var sessionOut: String?
    }

    static func main() async throws {
        var options = Options()
        var arguments = CommandLine.arguments.dropFirst().makeIterator()
        while let argument = arguments.next() {
            let value = { () -> String in arguments.next() ?? { fatalError("\(argument) needs a value") }() }
            switch argument {
            case "--database-url": options.databaseURL = value()
            case "--server": options.server = value()
            case "--root": options.root = value()
            case "--levels": options.levels = value().split(separator: ",").compactMap { Int($0) }
            case "--days": options.days = Int(value()) ?? 30
            case "--runs-per-day": options.runsPerDay = Int(value()) ?? 24
            case "--ingest": options.ingest = Int(value()) ?? 500
            case "--concurrency": options.concurrency = Int(value()) ?? 8
            case "--samples": options.samples = Int(value()) ?? 50
            case "--lab-out": options.labOut = value()
            case "--session-out": options.sessionOut = value()
            default: fatalError("unknown option \(argument)")
            }
        }
        var logger = Logger(label: "fleet-bench")
        logger.logLevel = .warning
        let client = FleetStore.makeClient(try DatabaseURL(options.databaseURL), logger: logger)
        try await withThrowingTaskGroup(of: Void.self) { group in
            group.addTask { await client.run() }
            try await Bench(options: options, store: FleetStore(client: client, logger: logger), logger: logger).run()
            group.cancelAll()
        }
    }
}

struct Bench {
    let options: FleetBench.Options
    let store: FleetStore
    let logger: Logger

    func say(_ text: String) { FileHandle.standardError.write(Data((text + "\n").utf8)) }

    func run() async throws {
        let maxGateways = options.levels.max() ?? 500
        say("bench-fleet: making the base audits (demo with and without traffic, traffic only\(options.labOut == nil ? "" : ", lab"))")
        let bases = try baseAudits()
        say("bench-fleet: enrolling \(maxGateways) gateways")
        var keys: [Curve25519.Signing.PrivateKey] = []
        for index in 0..<maxGateways {
            let key = Curve25519.Signing.PrivateKey()
            keys.append(key)
            _ = try await store.enroll(name: name(index), publicKey: key.publicKey, site: "site \(index % 37)", scheduleSeconds: 86_400 / options.runsPerDay)
        }

        // The API and the console need an account: a viewer's session, as a browser would hold.
        let viewer = try await store.putUser(name: "bench-viewer", passwordHash: PasswordHashing.hash(PasswordHashing.generate()), role: .viewer, replace: true)
        let cookie = try await FleetConsole.openSession(for: viewer, in: store, lifetime: 86_400)
        if let sessionOut = options.sessionOut { try Data(cookie.utf8).write(to: URL(fileURLWithPath: sessionOut)) }

        // 1. Ingestion over HTTP: one fresh run per gateway (cycling), real signed bundles.
        let count = options.ingest
        say("bench-fleet: signing \(count) bundles")
        let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-bench-\(getpid())")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: scratch) }
        let now = Date()
        var bundles: [Data] = []
        for index in 0..<count {
            let gateway = index % maxGateways
            var audit = bases[(gateway + index) % bases.count]
            let drop = (gateway + index) % 4
            let dropped = Set(audit.findings.prefix(drop).map(\.circuitID))
            audit.findings.removeAll { dropped.contains($0.circuitID) }
            audit.circuits.removeAll { dropped.contains($0.id) }
            audit.generatedAt = ISO8601DateFormatter().string(from: now.addingTimeInterval(Double(index / maxGateways)))
            let directory = scratch.appendingPathComponent("a\(index)").path
            _ = try audit.write(to: directory)
            let run = EvidenceBundle.Manifest.Run(gateway: name(gateway), id: "bench-\(index)", trigger: "schedule",
                                                  nextRunDue: ISO8601DateFormatter().string(from: now.addingTimeInterval(3600)))
            bundles.append(try EvidenceBundle.export(auditDirectory: directory, signingKey: keys[gateway], run: run, toolVersion: "bench"))
            try? FileManager.default.removeItem(atPath: directory)
        }
        let sizeBefore = try await store.databaseBytes()
        say("bench-fleet: sending \(count) runs, \(options.concurrency) at a time")
        let uploader = try FleetUploader(configuration: UploadConfiguration(server: URL(string: options.server)!, timeout: 120), logger: logger)
        let clock = ContinuousClock()
        let started = clock.now
        let latencies = try await withThrowingTaskGroup(of: Double.self) { group in
            var next = 0
            var results: [Double] = []
            func add() {
                let bundle = bundles[next]
                next += 1
                group.addTask {
                    let begin = clock.now
                    let outcome = await uploader.send(bundle)
                    guard case .stored = outcome else { throw BenchFailure("a run was not stored: \(outcome)") }
                    return (clock.now - begin).seconds
                }
            }
            for _ in 0..<min(options.concurrency, count) { add() }
            while let latency = try await group.next() {
                results.append(latency)
                if next < count { add() }
            }
            return results
        }
        let ingestSeconds = (clock.now - started).seconds
        await uploader.shutdown()
        let sizeAfter = try await store.databaseBytes()
        let bundleBytes = bundles.map(\.count).reduce(0, +)

        // 2. The floor: the same rows by a bare COPY into tables without indexes or constraints.
        say("bench-fleet: COPY of the same rows")
        let copySeconds = try await copyBaseline()

        var report = """
            ## Ingestion (\(count) runs of real signed bundles, \(options.concurrency) concurrent senders)

            | measure | value |
            |---|---|
            | runs ingested per second (HTTP, verified, one transaction each) | \(format(Double(count) / ingestSeconds)) |
            | the same rows by a bare COPY, runs per second | \(format(Double(count) / copySeconds)) |
            | **ingestion ÷ bare COPY** | **\(format(copySeconds / ingestSeconds, digits: 3))x** |
            | ingestion latency p50 / p95 / p99 | \(ms(percentile(latencies, 0.5))) / \(ms(percentile(latencies, 0.95))) / \(ms(percentile(latencies, 0.99))) |
            | bundle on the wire, mean | \(kib(Double(bundleBytes) / Double(count))) |
            | database growth per run | \(kib(Double(sizeAfter - sizeBefore) / Double(count))) |

            """

        // 3. History filled level by level, the queries timed at each.
        var filled = 0
        let perGateway = options.days * options.runsPerDay
        report += """

            ## Queries (each gateway: \(options.days) days × \(options.runsPerDay) runs/day = \(perGateway) runs; \(options.samples) samples each, over HTTP)

            | gateways | runs stored | database | query | p50 | p95 | p99 |
            |---|---|---|---|---|---|---|

            """
        for level in options.levels.sorted() {
            say("bench-fleet: filling history to \(level) gateways × \(perGateway) runs")
            try await fill(from: filled, to: level, runs: perGateway, templates: count)
            filled = level
            _ = try await store.query { try await $0.query("ANALYZE", logger: logger) }
            let runs = try await store.count("SELECT count(*) FROM runs", PostgresBindings())
            let size = try await store.databaseBytes()
            for (label, path) in queries(gateways: level) {
                let times = try await time(path, samples: options.samples, cookie: cookie)
                report += "| \(level) | \(runs) | \(gib(Double(size))) | \(label) | \(ms(percentile(times, 0.5))) | \(ms(percentile(times, 0.95))) | \(ms(percentile(times, 0.99))) |\n"
            }
        }
        print(report)
    }

    // MARK: - Inputs

    func name(_ index: Int) -> String { String(format: "gw-%04d", index) }

    func baseAudits() throws -> [AuditResult] {
        let root = URL(fileURLWithPath: options.root)
        let example = root.appendingPathComponent("examples/gateway")
        let empty = FileManager.default.temporaryDirectory.appendingPathComponent("fleet-bench-empty-root")
        try FileManager.default.createDirectory(at: empty, withIntermediateDirectories: true)
        func audit(root tree: String, captures: [String]) throws -> AuditResult {
            try AuditPipeline.run(AuditRequest(
                policyDirectory: root.appendingPathComponent("policies"), organizationPath: example.appendingPathComponent("organization.yaml").path,
                rootPath: tree, captureFiles: captures, asOf: .today, toolVersion: "bench")).result
        }
        let pcap = example.appendingPathComponent("traffic.pcap").path
        var audits = [
            try audit(root: example.appendingPathComponent("snapshot").path, captures: [pcap]),
            try audit(root: example.appendingPathComponent("snapshot").path, captures: []),
            try audit(root: empty.path, captures: [pcap]),
        ]
        if let labOut = options.labOut, let scenarios = try? FileManager.default.contentsOfDirectory(atPath: labOut) {
            for scenario in scenarios.sorted() {
                if let result = try? Reports.loadAudit(labOut + "/" + scenario + "/audit") { audits.append(result) }
            }
        }
        return audits
    }

    // MARK: - Baseline

    func copyBaseline() async throws -> Double {
        try await store.query { connection in
            for table in ["runs", "run_members", "findings", "documents"] {
                try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE IF EXISTS bench_copy_\(table)"), logger: logger)
                try await connection.query(PostgresQuery(unsafeSQL: "CREATE TABLE bench_copy_\(table) (LIKE \(table))"), logger: logger)
            }
        }
        // The rows ingestion stored, written out by the server and copied back in by it: the floor
        // for putting those bytes into PostgreSQL, with no verification, index or constraint.
        let tables = ["runs", "run_members", "findings", "documents"]
        try await store.query { connection in
            for table in tables {
                try await connection.query(PostgresQuery(unsafeSQL: "COPY \(table) TO '/tmp/fleet-bench-\(getpid())-\(table).copy'"), logger: logger)
            }
        }
        let clock = ContinuousClock()
        let started = clock.now
        try await store.query { connection in
            for table in tables {
                try await connection.query(PostgresQuery(unsafeSQL: "COPY bench_copy_\(table) FROM '/tmp/fleet-bench-\(getpid())-\(table).copy'"), logger: logger)
            }
        }
        let seconds = (clock.now - started).seconds
        try await store.query { connection in
            for table in tables {
                try await connection.query(PostgresQuery(unsafeSQL: "DROP TABLE bench_copy_\(table)"), logger: logger)
            }
        }
        for table in tables { unlink("/tmp/fleet-bench-\(getpid())-\(table).copy") }
        return seconds
    }

    // MARK: - History

    /// Gives gateways [from, to) `runs` past hourly runs each, copied server-side from the ingested
    /// runs (their files and findings), so history queries meet realistic, varied data.
    func fill(from: Int, to: Int, runs: Int, templates: Int) async throws {
        let hours = Double(86_400 / options.runsPerDay)
        for gateway in from..<to {
            try await store.query { connection in
                let name = self.name(gateway)
                try await connection.query("""
                    WITH g AS (SELECT id FROM gateways WHERE name = \(name)),
                    template AS (SELECT id, row_number() OVER (ORDER BY id) - 1 AS k FROM runs WHERE run_id LIKE 'bench-%'),
                    made AS (
                        INSERT INTO runs (gateway_id, run_id, trigger, generated_at, as_of, next_run_due, tool_version, signer, manifest_sha256, findings_sha256,
                                          pseudonymized, bundle_bytes, circuits, open_findings, max_severity, open_by_severity, received_at)
                        SELECT g.id, 'fill-' || n, 'schedule', now() - make_interval(secs => n * \(hours)), (now() - make_interval(secs => n * \(hours)))::date,
                               now() - make_interval(secs => (n - 1) * \(hours)), t.tool_version, t.signer, sha256(('m' || g.id || '-' || n)::bytea),
                               sha256(('f' || g.id || '-' || n)::bytea), false, t.bundle_bytes, t.circuits, t.open_findings, t.max_severity, t.open_by_severity,
                               now() - make_interval(secs => n * \(hours))
                        FROM g, generate_series(1, \(runs)) n
                        JOIN template tk ON tk.k = (n / 24 + \(gateway)) % \(templates)
                        JOIN runs t ON t.id = tk.id
                        RETURNING id, gateway_id, generated_at, run_id),
                    pairs AS (
                        SELECT m.id, m.gateway_id, m.generated_at, tk.id AS template FROM made m
                        JOIN template tk ON tk.k = (substring(m.run_id from 6)::int / 24 + \(gateway)) % \(templates)),
                    members AS (
                        INSERT INTO run_members (run, position, path, sha256)
                        SELECT p.id, rm.position, rm.path, rm.sha256 FROM pairs p JOIN run_members rm ON rm.run = p.template)
                    INSERT INTO findings (run, gateway_id, generated_at, circuit_id, circuit_name, technology, category, severity, rule, flags, flag_rules,
                                          country, remote, supplier, data_export_gap, waived, document)
                    SELECT p.id, p.gateway_id, p.generated_at, f.circuit_id, f.circuit_name, f.technology, f.category, f.severity, f.rule, f.flags, f.flag_rules,
                           f.country, f.remote, f.supplier, f.data_export_gap, f.waived, f.document
                    FROM pairs p JOIN findings f ON f.run = p.template
                    """, logger: self.logger)
                try await connection.query("UPDATE gateways SET run_count = (SELECT count(*) FROM runs WHERE gateway_id = gateways.id) WHERE name = \(name)",
                                           logger: self.logger)
            }
        }
    }

    // MARK: - Queries

    func queries(gateways: Int) -> [(String, @Sendable () -> String)] {
        let name = self.name
        return [
            ("gateways (status of all)", { "/api/v1/gateways" }),
            ("open findings, category C2, page 1", { "/api/v1/findings?category=C2&limit=50" }),
            ("open findings, flag F_DATA_EXPORT, severity ≥ high", { "/api/v1/findings?flag=F_DATA_EXPORT&severity=HIGH&limit=50" }),
            ("counts by rule", { "/api/v1/findings/counts?by=rule" }),
            ("drift of one gateway", { "/api/v1/gateways/\(name(Int.random(in: 0..<gateways)))/drift" }),
            ("runs of one gateway, page 1", { "/api/v1/gateways/\(name(Int.random(in: 0..<gateways)))/runs?limit=50" }),
            ("export CSV (fleet, en)", { "/api/v1/export?format=csv" }),
            ("console: overview page", { "/" }),
            ("console: search C5/C6 page", { "/findings?category=C5&category=C6" }),
            ("console: one gateway's page", { "/gateways/\(name(Int.random(in: 0..<gateways)))" }),
        ]
    }

    func time(_ path: @Sendable () -> String, samples: Int, cookie: String) async throws -> [Double] {
        let client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup)
        var times: [Double] = []
        let clock = ContinuousClock()
        for _ in 0..<samples {
            var request = HTTPClientRequest(url: options.server + path())
            request.headers.add(name: "Cookie", value: cookie)
            let begin = clock.now
            let response = try await client.execute(request, timeout: .seconds(120))
            _ = try await response.body.collect(upTo: 256 << 20)
            guard response.status.code == 200 else { throw BenchFailure("\(request.url): HTTP \(response.status.code)") }
            times.append((clock.now - begin).seconds)
        }
        try await client.shutdown()
        return times
    }

    // MARK: - Figures

    func percentile(_ values: [Double], _ p: Double) -> Double {
        let sorted = values.sorted()
        guard !sorted.isEmpty else { return .nan }
        return sorted[min(sorted.count - 1, Int((Double(sorted.count) * p).rounded(.up)) - 1)]
    }

    func format(_ value: Double, digits: Int = 1) -> String { String(format: "%.\(digits)f", value) }
    func ms(_ seconds: Double) -> String { String(format: "%.1f ms", seconds * 1000) }
    func kib(_ bytes: Double) -> String { String(format: "%.1f KiB", bytes / 1024) }
    func gib(_ bytes: Double) -> String { bytes > Double(1 << 30) ? String(format: "%.2f GiB", bytes / Double(1 << 30)) : String(format: "%.0f MiB", bytes / Double(1 << 20)) }
}

struct BenchFailure: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

extension Duration {
    var seconds: Double { Double(components.seconds) + Double(components.attoseconds) / 1e18 }
}
