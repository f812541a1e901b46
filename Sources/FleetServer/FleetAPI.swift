import FleetConsole
import FleetStore
import FleetSubmission
import Foundation
import Hummingbird
import Logging
import NIOCore
import Policy
import Reports

/// The routes of `/api/v1` (described in `schemas/fleet-api.openapi.yaml`), `/healthz` and
/// `/metrics`. Reads go to the store; the only write is a gateway's run, verified first.
struct FleetAPI {
    let store: FleetStore
    let metrics: FleetMetrics
    let configuration: ServerConfiguration

    func register(on router: Router<FleetRequestContext>) {
        router.get("healthz") { _, _ in try await self.health() }
        router.get("metrics") { _, _ in Responses.text(self.metrics.text(), contentType: "text/plain; version=0.0.4; charset=utf-8") }
        router.post("api/v1/runs") { request, context in await self.ingest(request, context) }
        let api = router.group("api/v1").add(middleware: APIReaders(store: store))
        api.get("gateways") { _, _ in try Responses.json(try await self.store.gateways(staleGrace: self.configuration.staleGrace)) }
        api.get("gateways/:gateway") { _, context in
            let name = try context.parameters.require("gateway")
            guard let gateway = try await self.store.gateways(staleGrace: self.configuration.staleGrace).first(where: { $0.name == name }) else {
                throw FleetError.notFound("gateway \"\(name)\"")
            }
            return try Responses.json(gateway)
        }
        api.get("gateways/:gateway/runs") { request, context in
            let (limit, offset) = try Self.paging(request)
            return try Responses.json(try await self.store.runs(gateway: try context.parameters.require("gateway"), limit: limit, offset: offset))
        }
        api.get("gateways/:gateway/runs/:run") { _, context in
            try Responses.json(try await self.store.run(gateway: try context.parameters.require("gateway"), runID: try context.parameters.require("run")))
        }
        api.get("gateways/:gateway/runs/:run/verify") { _, context in
            try Responses.json(try await self.store.verifyStored(gateway: try context.parameters.require("gateway"), runID: try context.parameters.require("run")))
        }
        api.get("gateways/:gateway/runs/:run/bundle") { _, context in
            let gateway = try context.parameters.require("gateway"), run = try context.parameters.require("run")
            let files = try await self.store.files(gateway: gateway, runID: run)
            let bundle = try Gzip.compress(try Tar.write(files))
            return Responses.bytes(bundle, contentType: "application/gzip", fileName: "\(gateway)-\(run).tar.gz")
        }
        api.get("gateways/:gateway/drift") { _, context in
            try Responses.json(try await self.store.drift(gateway: try context.parameters.require("gateway")))
        }
        api.get("gateways/:gateway/circuits/:circuit") { request, context in
            let gateway = try context.parameters.require("gateway"), circuit = try context.parameters.require("circuit")
            let run = request.uri.queryParameters["run"].map(String.init)
            return try Responses.json(try await self.store.findingDocument(gateway: gateway, circuitID: circuit, runID: run), encoder: .findings)
        }
        api.get("gateways/:gateway/circuits/:circuit/history") { _, context in
            try Responses.json(try await self.store.circuitHistory(gateway: try context.parameters.require("gateway"), circuitID: try context.parameters.require("circuit")))
        }
        api.get("circuits") { request, _ in
            var filter = try Self.filter(request)
            filter.includeWaived = true
            return try Responses.json(try await self.store.findings(filter))
        }
        api.get("findings") { request, _ in try Responses.json(try await self.store.findings(try Self.filter(request))) }
        api.get("findings/counts") { request, _ in
            let name = request.uri.queryParameters["by"].map(String.init) ?? "category"
            guard let dimension = FleetStore.Dimension(rawValue: name) else {
                throw HTTPError(.badRequest, message: "by=\(name): count by one of \(FleetStore.Dimension.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            return try Responses.json(try await self.store.counts(by: dimension, try Self.filter(request)))
        }
        api.get("export") { request, _ in try await self.export(request) }
    }

    // MARK: - Ingestion

    func ingest(_ request: Request, _ context: FleetRequestContext) async -> Response {
        let clock = ContinuousClock()
        let started = clock.now
        let limit = configuration.maxBundleBytes
        func refuse(_ failure: FleetError) -> Response {
            metrics.rejected(failure.reason, after: clock.now - started)
            context.logger.warning("run refused (\(failure.reason)): \(failure.description)")
            return Responses.error(failure)
        }
        if let declared = request.headers[.contentLength].flatMap(Int.init), declared > limit {
            return refuse(.tooLarge(bytes: declared, limit: limit))
        }
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: limit)
        } catch let error as HTTPError where error.status == .contentTooLarge {
            return refuse(.tooLarge(bytes: limit + 1, limit: limit))
        } catch {
            return refuse(.malformed("the body could not be read: \(error)"))
        }
        do {
            let outcome = try await store.ingest(bundle: Data(buffer: body), limits: inflateLimits)
            switch outcome {
            case .stored(let id, let gateway, let runID):
                metrics.stored(after: clock.now - started)
                context.logger.info("run \(runID) of \(gateway) stored as \(id) (\(body.readableBytes) bytes)")
                return try Responses.json(["status": "stored", "gateway": gateway, "run_id": runID, "id": String(id)], status: .created)
            case .duplicate(let id, let gateway, let runID):
                metrics.duplicate(after: clock.now - started)
                context.logger.info("run \(runID) of \(gateway) was already stored as \(id)")
                return try Responses.json(["status": "duplicate", "gateway": gateway, "run_id": runID, "id": String(id)])
            }
        } catch let failure as FleetError {
            return refuse(failure)
        } catch {
            return refuse(.malformed("\(error)"))
        }
    }

    var inflateLimits: ArchiveLimits {
        ArchiveLimits(maximumInflatedBytes: configuration.maxInflatedBytes, maximumMembers: configuration.maxMembers,
                      maximumMemberBytes: configuration.maxInflatedBytes)
    }

    // MARK: - Reads

    func health() async throws -> Response {
        do {
            _ = try await store.databaseBytes()
            return try Responses.json(["status": "ok", "database": "ok"])
        } catch {
            return Responses.error(.serviceUnavailable, reason: "database_unavailable", message: "\(error)")
        }
    }

    func export(_ request: Request) async throws -> Response {
        let query = request.uri.queryParameters
        let formatName = query["format"].map(String.init) ?? "json"
        guard let format = ReportFormat(rawValue: formatName), FleetReports.formats.contains(format) else {
            throw HTTPError(.badRequest, message: "format=\(formatName): fleet exports are \(FleetReports.formats.map(\.rawValue).joined(separator: ", "))")
        }
        let languageName = query["lang"].map(String.init) ?? "en"
        guard let language = ReportLanguage(rawValue: languageName) else { throw HTTPError(.badRequest, message: "lang=\(languageName): en or zh") }
        let gateways = Self.list(request, "gateway")
        let reviews = try await store.latestReviews(gateways: gateways)
        let audits = try await store.latestAudits(gateways: gateways).map { latest in
            GatewayAudit(gateway: latest.gateway, site: latest.site, result: latest.audit, reviews: reviews.byCircuit(of: latest.gateway))
        }
        let data = try FleetReports.render(format, audits, language: language)
        let stamp = Self.fileStamp(Date())
        switch format {
        case .csv: return Responses.bytes(data, contentType: "text/csv; charset=utf-8", fileName: "fleet-\(stamp).\(language.rawValue).csv")
        case .oscal: return Responses.bytes(data, contentType: "application/json", fileName: "fleet-\(stamp).\(language.rawValue).oscal.json")
        default: return Responses.bytes(data, contentType: "application/json", fileName: "fleet-\(stamp).\(language.rawValue).json")
        }
    }

    static func fileStamp(_ date: Date) -> String {
        String(Timestamps.format(date).filter { $0.isNumber }.prefix(14))
    }

    // MARK: - Query parameters

    /// A parameter given repeatedly or comma-separated (`category=C5&category=C6`, `category=C5,C6`).
    static func list(_ request: Request, _ name: String) -> [String] {
        request.uri.queryParameters[values: Substring(name)].flatMap { $0.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) } }
            .filter { !$0.isEmpty }
    }

    static func paging(_ request: Request) throws -> (Int, Int) {
        let query = request.uri.queryParameters
        let limit = try query["limit"].map { text -> Int in
            guard let value = Int(text), (1...1000).contains(value) else { throw HTTPError(.badRequest, message: "limit=\(text): 1 to 1000") }
            return value
        } ?? 100
        let offset = try query["offset"].map { text -> Int in
            guard let value = Int(text), value >= 0 else { throw HTTPError(.badRequest, message: "offset=\(text): 0 or more") }
            return value
        } ?? 0
        return (limit, offset)
    }

    static func filter(_ request: Request) throws -> FindingFilter {
        try FindingFilter.parse { name in request.uri.queryParameters[values: Substring(name)].map(String.init) }
    }
}

extension Responses {
    static func json<T: Encodable>(_ value: T, encoder: JSONEncoder) throws -> Response {
        var data = try encoder.encode(value)
        data.append(0x0A)
        return Response(status: .ok, headers: securityHeaders(contentType: "application/json; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }
}

extension JSONEncoder {
    /// A finding exactly as findings.json writes it (its own keys, not the API's snake_case conversion).
    static let findings: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()
}
