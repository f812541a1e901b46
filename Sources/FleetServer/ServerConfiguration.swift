import FleetConsole
import FleetStore
import Foundation
import Policy
import Yams

/// The server's configuration file (YAML), checked like the daemon's: unknown keys and bad
/// values are errors naming file, line and key. The database URL may come from the environment
/// (`DATABASE_URL`) instead, as platforms that provide PostgreSQL set it.
public struct ServerConfiguration: Sendable, Equatable {
    public var file: String
    public var host: String
    public var port: Int
    public var database: DatabaseURL
    /// PEM certificate chain and private key; nil serves plain HTTP, allowed on loopback only.
    public var tlsCertificate: String?
    public var tlsKey: String?
    /// The largest bundle accepted (bytes on the wire), and the limits of what it may inflate to.
    public var maxBundleBytes: Int
    public var maxInflatedBytes: Int
    public var maxMembers: Int
    /// Runs older than this many days are deleted (never a gateway's latest); nil keeps all.
    public var retentionDays: Int?
    public var retentionInterval: Double
    /// How long past its next run's due time a gateway may be silent before it is stale.
    public var staleGrace: Double
    /// Connections to PostgreSQL this instance may open.
    public var maxConnections: Int
    /// Sessions and sign-in throttling of the console.
    public var console: ConsoleSettings

    public static let loopbackHosts: Set<String> = ["127.0.0.1", "::1", "localhost"]

    /// `HOST:PORT` (an IPv6 host in brackets) read into its parts; nil when it is not one.
    public static func listenAddress(_ text: String) -> (host: String, port: Int)? {
        guard let colon = text.lastIndex(of: ":"), let port = Int(text[text.index(after: colon)...]), (0...65535).contains(port) else { return nil }
        let host = String(text[..<colon]).trimmingCharacters(in: CharacterSet(charactersIn: "[]"))
        return host.isEmpty ? nil : (host, port)
    }

    public static func load(file: String, environment: [String: String] = ProcessInfo.processInfo.environment) throws -> ServerConfiguration {
        let text: String
        do {
            text = try String(contentsOfFile: file, encoding: .utf8)
        } catch {
            throw PolicyError(file: file, line: 0, key: "", message: "cannot read: \((error as NSError).localizedDescription)")
        }
        return try parse(text, file: file, environment: environment)
    }

    public static func parse(_ text: String, file: String, environment: [String: String] = [:]) throws -> ServerConfiguration {
        let reader = NodeReader(file: file)
        let root = try NodeReader.compose(text, file: file)
        let top = try reader.mapping(root, "", allowed: ["listen", "database", "tls", "limits", "retention", "stale_grace", "max_connections", "console"])
        let base = URL(fileURLWithPath: file).deletingLastPathComponent()
        func path(_ node: Node?, _ key: String) throws -> String? {
            guard let text = try reader.optionalString(node, key) else { return nil }
            return text.hasPrefix("/") ? text : base.appendingPathComponent(text).standardizedFileURL.path
        }
        func integer(_ node: Node?, _ key: String, default value: Int, minimum: Int) throws -> Int {
            guard let node else { return value }
            let number = try reader.int(node, key)
            guard number >= minimum else { throw reader.error(node, key, "must be at least \(minimum)") }
            return number
        }

        // listen: HOST:PORT
        var host = "127.0.0.1", port = 8080
        if let node = top["listen"] {
            guard let address = listenAddress(try reader.string(node, "listen")) else {
                throw reader.error(node, "listen", "must be HOST:PORT, for example 127.0.0.1:8080 or 0.0.0.0:8443")
            }
            (host, port) = address
        }

        // database: a URL, or DATABASE_URL
        let databaseText: String
        var databaseNode: Node?
        if let node = top["database"] {
            databaseNode = node
            databaseText = try reader.string(node, "database")
        } else if let fromEnvironment = environment["DATABASE_URL"], !fromEnvironment.isEmpty {
            databaseText = fromEnvironment
        } else {
            throw reader.error(root, "database", "give the PostgreSQL URL (postgres://USER@HOST:PORT/DATABASE) here or in DATABASE_URL")
        }
        let database: DatabaseURL
        do {
            database = try DatabaseURL(databaseText)
        } catch {
            throw reader.error(databaseNode, "database", error.description)
        }

        // tls
        var certificate: String?, key: String?
        if let node = top["tls"] {
            let tls = try reader.mapping(node, "tls", allowed: ["certificate", "key"], required: ["certificate", "key"])
            certificate = try path(tls["certificate"], "tls.certificate")
            key = try path(tls["key"], "tls.key")
            for (value, name) in [(certificate, "certificate"), (key, "key")] where !FileManager.default.isReadableFile(atPath: value ?? "") {
                throw reader.error(tls[name], "tls.\(name)", "\(value ?? ""): cannot be read")
            }
        } else if !loopbackHosts.contains(host) {
            throw reader.error(top["listen"], "listen", "plain HTTP is served on loopback only: give tls.certificate and tls.key to listen on \(host)")
        }

        // limits
        let limits = try top["limits"].map { try reader.mapping($0, "limits", allowed: ["max_bundle_bytes", "max_inflated_bytes", "max_members"]) }
        let maxBundle = try integer(limits?["max_bundle_bytes"], "limits.max_bundle_bytes", default: 64 << 20, minimum: 1024)
        let maxInflated = try integer(limits?["max_inflated_bytes"], "limits.max_inflated_bytes", default: 512 << 20, minimum: 1024)
        let maxMembers = try integer(limits?["max_members"], "limits.max_members", default: 20_000, minimum: 4)

        // retention
        let retention = try top["retention"].map { try reader.mapping($0, "retention", allowed: ["days", "every"]) }
        let days = try retention?["days"].map { try integer($0, "retention.days", default: 0, minimum: 1) }
        let every = try integer(retention?["every"], "retention.every", default: 3600, minimum: 1)

        // console
        var console = ConsoleSettings()
        if let node = top["console"] {
            let section = try reader.mapping(node, "console", allowed: ["session_hours", "failed_logins_per_user", "failed_logins_per_client", "trust_forwarded_for"])
            console.sessionLifetime = Double(try integer(section["session_hours"], "console.session_hours", default: 12, minimum: 1)) * 3600
            console.failuresPerUser = try integer(section["failed_logins_per_user"], "console.failed_logins_per_user", default: 5, minimum: 1)
            console.failuresPerClient = try integer(section["failed_logins_per_client"], "console.failed_logins_per_client", default: 20, minimum: 1)
            console.trustForwardedFor = try reader.bool(section["trust_forwarded_for"], "console.trust_forwarded_for", default: false)
        }

        return ServerConfiguration(
            file: file, host: host, port: port, database: database, tlsCertificate: certificate, tlsKey: key,
            maxBundleBytes: maxBundle, maxInflatedBytes: maxInflated, maxMembers: maxMembers, retentionDays: days,
            retentionInterval: Double(every), staleGrace: Double(try integer(top["stale_grace"], "stale_grace", default: 900, minimum: 0)),
            maxConnections: try integer(top["max_connections"], "max_connections", default: 20, minimum: 2), console: console)
    }
}
