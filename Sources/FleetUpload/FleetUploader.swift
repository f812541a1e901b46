import AsyncHTTPClient
import Foundation
import Logging
import NIOCore
import NIOSSL

/// Where and how a gateway sends its runs.
public struct UploadConfiguration: Sendable, Equatable {
    /// The server's base URL (`https://fleet.example.com:8443`).
    public var server: URL
    /// A PEM file of the CA certificates to trust for the server; nil trusts the system's.
    public var caFile: String?
    /// Seconds for one attempt to send one run.
    public var timeout: Double
    /// The longest wait between attempts while the server is unreachable.
    public var maxBackoff: Double

    public init(server: URL, caFile: String? = nil, timeout: Double = 60, maxBackoff: Double = 600) {
        self.server = server
        self.caFile = caFile
        self.timeout = timeout
        self.maxBackoff = maxBackoff
    }

    /// The endpoint runs are posted to.
    public var runsEndpoint: String {
        var base = server.absoluteString
        while base.hasSuffix("/") { base.removeLast() }
        return base + "/api/v1/runs"
    }
}

/// Sends signed run bundles to the fleet server and drains a spool, oldest first. A run the
/// server stored (or had already) leaves the spool; one it refused for good (bad signature,
/// unknown gateway...) is set aside; while the server or its database is unavailable the run
/// stays, to be sent again.
public final class FleetUploader: Sendable {
    public enum Outcome: Sendable, Equatable {
        case stored(String)
        case duplicate(String)
        /// The server refused the run and will refuse it again (HTTP 4xx): no retry.
        case rejected(status: Int, reason: String)
        /// Not sent: no answer, or the server said to try later (5xx, 408, 429).
        case unavailable(String)
    }

    public struct Drain: Sendable, Equatable {
        public var sent: [String] = []
        public var rejected: [String] = []
        /// Why sending stopped early; nil when the spool was emptied.
        public var unavailable: String?
        public var left: Int = 0

        public init() {}
    }

    public let configuration: UploadConfiguration
    private let client: HTTPClient
    private let logger: Logger

    public init(configuration: UploadConfiguration, logger: Logger) throws {
        self.configuration = configuration
        self.logger = logger
        var tls = TLSConfiguration.makeClientConfiguration()
        if let caFile = configuration.caFile {
            guard FileManager.default.isReadableFile(atPath: caFile) else {
                throw Spool.Failure.cannotWrite(path: caFile, reason: "the CA file to trust for the fleet server cannot be read")
            }
            tls.trustRoots = .file(caFile)
        }
        var http = HTTPClient.Configuration(tlsConfiguration: tls, redirectConfiguration: .disallow,
                                            timeout: .init(connect: .seconds(10), read: .seconds(Int64(configuration.timeout))))
        http.httpVersion = .http1Only
        client = HTTPClient(eventLoopGroup: HTTPClient.defaultEventLoopGroup, configuration: http, backgroundActivityLogger: logger)
    }

    public func shutdown() async {
        try? await client.shutdown()
    }

    /// One attempt to send one bundle.
    public func send(_ bundle: Data) async -> Outcome {
        var request = HTTPClientRequest(url: configuration.runsEndpoint)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/gzip")
        request.headers.add(name: "Content-Length", value: String(bundle.count))
        request.body = .bytes(ByteBuffer(bytes: bundle))
        do {
            let response = try await client.execute(request, timeout: .seconds(Int64(configuration.timeout)), logger: logger)
            let body = try await response.body.collect(upTo: 1 << 20)
            let text = String(buffer: body)
            let message = Self.message(text) ?? "HTTP \(response.status.code)"
            switch response.status.code {
            case 200, 201: return response.status.code == 201 ? .stored(message) : .duplicate(message)
            case 408, 429, 500...599: return .unavailable("the server answered \(response.status.code): \(message)")
            default: return .rejected(status: Int(response.status.code), reason: message)
            }
        } catch {
            return .unavailable("\(configuration.runsEndpoint): \(error)")
        }
    }

    /// Sends every spooled run, oldest first, until the spool is empty or the server is unavailable.
    public func drain(_ spool: Spool) async -> Drain {
        var report = Drain()
        let items = spool.pending()
        for (index, item) in items.enumerated() {
            if Task.isCancelled {
                report.unavailable = "stopped"
                report.left = items.count - index
                return report
            }
            guard let bundle = FileManager.default.contents(atPath: item.path) else { continue }
            switch await send(bundle) {
            case .stored, .duplicate:
                spool.remove(item)
                report.sent.append(item.runID)
                logger.info("run \(item.runID) sent to \(configuration.server.absoluteString)")
            case .rejected(let status, let reason):
                spool.reject(item, reason: "HTTP \(status): \(reason)")
                report.rejected.append(item.runID)
                logger.error("run \(item.runID) refused by the fleet server (HTTP \(status)): \(reason); kept in \(spool.rejectedDirectory)")
            case .unavailable(let reason):
                report.unavailable = reason
                report.left = items.count - index
                return report
            }
        }
        return report
    }

    /// The server's error message in its JSON answer (`{"error": ..., "message": ...}`).
    static func message(_ text: String) -> String? {
        guard let object = try? JSONSerialization.jsonObject(with: Data(text.utf8)) as? [String: Any] else { return text.isEmpty ? nil : String(text.prefix(300)) }
        return (object["message"] as? String) ?? (object["status"] as? String)
    }
}

/// Sends spooled runs in the background for as long as it runs: after each wake-up (a new run
/// spooled) and, while the server is unreachable, again after a wait that doubles up to
/// `maxBackoff`. What is not sent when it stops stays spooled for the next start.
public final class UploadQueue: Sendable {
    public let spool: Spool
    public let uploader: FleetUploader
    private let logger: Logger
    private let wakeups: AsyncStream<Void>
    private let continuation: AsyncStream<Void>.Continuation

    public init(spool: Spool, uploader: FleetUploader, logger: Logger) {
        self.spool = spool
        self.uploader = uploader
        self.logger = logger
        (wakeups, continuation) = AsyncStream.makeStream(of: Void.self, bufferingPolicy: .bufferingNewest(1))
    }

    /// Asks the queue to send now (a run was just spooled).
    public func wake() {
        continuation.yield()
    }

    /// Until cancelled: drains the spool at start, on each wake-up and on the backoff timer.
    public func run() async {
        var backoff = 1.0
        var iterator = wakeups.makeAsyncIterator()
        while !Task.isCancelled {
            let report = await uploader.drain(spool)
            if let reason = report.unavailable {
                if Task.isCancelled { break }
                logger.warning("fleet server unavailable, \(report.left) run(s) spooled in \(spool.directory); next attempt in \(Int(backoff)) s: \(reason)")
                do { try await Task.sleep(for: .seconds(backoff)) } catch { break }
                backoff = min(backoff * 2, uploader.configuration.maxBackoff)
                continue
            }
            backoff = 1
            guard await iterator.next() != nil else { break }
        }
    }

    public func finish() {
        continuation.finish()
    }
}
