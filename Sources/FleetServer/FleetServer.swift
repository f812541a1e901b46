import FleetConsole
import FleetStore
import FleetSubmission
import Foundation
import Hummingbird
import HummingbirdCore
import HummingbirdTLS
import Logging
import NIOSSL
import PostgresNIO
import ServiceLifecycle

/// `circuit-audit server`: the fleet's HTTP server. One service group runs the PostgreSQL pool,
/// the HTTP server and the retention sweep; SIGTERM or SIGINT stops taking connections, lets
/// requests in flight finish (an ingestion commits whole or not at all) and closes the pool.
public enum FleetServer {
    /// Applies the migrations, then serves until a shutdown signal. `onListening` is told the
    /// address once the socket is bound (port 0 picks a free one).
    public static func run(_ configuration: ServerConfiguration, logger: Logger, onListening: @escaping @Sendable (String) -> Void = { _ in }) async throws {
        let client = PostgresClient(configuration: configuration.database.poolConfiguration(maxConnections: configuration.maxConnections), backgroundLogger: logger)
        let store = FleetStore(client: client, logger: logger)
        let metrics = FleetMetrics()
        let router = Router(context: FleetRequestContext.self)
        router.add(middleware: ErrorShape())
        router.add(middleware: SessionLoader(store: store))
        try FleetConsole(store: store, settings: configuration.console, staleGrace: configuration.staleGrace).register(on: router)
        FleetAPI(store: store, metrics: metrics, configuration: configuration).register(on: router)

        let server: HTTPServerBuilder
        let scheme: String
        if let certificate = configuration.tlsCertificate, let key = configuration.tlsKey {
            let tls = try tlsConfiguration(certificate: certificate, key: key)
            server = try .tls(.http1(), tlsConfiguration: tls)
            scheme = "https"
        } else {
            server = .http1()
            scheme = "http"
        }
        let migrations = MigrationService(client: client, logger: logger)
        var app = Application(
            router: router, server: server,
            configuration: ApplicationConfiguration(address: .hostname(configuration.host, port: configuration.port), serverName: "circuit-audit"),
            services: [],
            onServerRunning: { channel in
                let port = channel.localAddress?.port ?? configuration.port
                let address = "\(scheme)://\(configuration.host.contains(":") ? "[\(configuration.host)]" : configuration.host):\(port)"
                logger.notice("listening on \(address)")
                onListening(address)
            },
            logger: logger)
        app.beforeServerStarts { try await migrations.apply() }
        let retention = RetentionService(store: store, days: configuration.retentionDays, interval: configuration.retentionInterval, logger: logger)
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [
                .init(service: client),
                .init(service: app, successTerminationBehavior: .gracefullyShutdownGroup, failureTerminationBehavior: .gracefullyShutdownGroup),
                .init(service: retention),
            ],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        try await group.run()
    }
}

/// The server's TLS from PEM files. Read here, not by NIOSSL's `.file`, which takes the file
/// type from the extension and would read the usual `server.key` (PEM) as DER.
func tlsConfiguration(certificate: String, key: String) throws -> TLSConfiguration {
    let chain: [NIOSSLCertificate]
    do {
        chain = try NIOSSLCertificate.fromPEMFile(certificate)
    } catch {
        throw FleetError.malformed("tls.certificate \(certificate): not a PEM certificate chain (\(error))")
    }
    guard !chain.isEmpty else { throw FleetError.malformed("tls.certificate \(certificate): no certificate in it") }
    let privateKey: NIOSSLPrivateKey
    do {
        privateKey = try NIOSSLPrivateKey(file: key, format: .pem)
    } catch {
        do { privateKey = try NIOSSLPrivateKey(file: key, format: .der) } catch {
            throw FleetError.malformed("tls.key \(key): not a PEM or DER private key without a passphrase")
        }
    }
    return TLSConfiguration.makeServerConfiguration(certificateChain: chain.map { .certificate($0) }, privateKey: .privateKey(privateKey))
}

/// Applies the schema migrations before the server takes its first request, retrying while
/// PostgreSQL is still starting (a server and its database are often started together).
struct MigrationService: Sendable {
    let client: PostgresClient
    let logger: Logger

    func apply() async throws {
        var attempt = 0
        while true {
            do {
                try await FleetMigrations.apply(on: client, logger: logger)
                return
            } catch FleetError.databaseUnavailable(let reason) where attempt < 30 {
                attempt += 1
                logger.warning("the database is not reachable yet (\(reason)); trying again in 1 s")
                try await Task.sleep(for: .seconds(1))
            }
        }
    }
}

/// Deletes runs past the retention period every `interval` seconds.
struct RetentionService: Service {
    let store: FleetStore
    let days: Int?
    let interval: Double
    let logger: Logger

    func run() async throws {
        guard let days else {
            try? await gracefulShutdown()
            return
        }
        while !Task.isShuttingDownGracefully {
            do {
                try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(interval)) }
            } catch {
                return
            }
            do {
                try await store.prune(olderThanDays: days)
            } catch {
                logger.error("retention sweep failed, trying again in \(Int(interval)) s: \(error)")
            }
        }
    }
}
