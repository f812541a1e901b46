import FleetSubmission
import Foundation
import NIOSSL
import PostgresNIO

/// A PostgreSQL connection URL (`postgres://user:password@host:5432/database?sslmode=require`),
/// the form `DATABASE_URL` takes in most deployments, read into postgres-nio's configuration.
public struct DatabaseURL: Sendable, Equatable, CustomStringConvertible {
    public enum TLSMode: String, Sendable {
        case disable, prefer, require
    }

    public var host: String
    public var port: Int
    public var user: String
    public var password: String?
    public var database: String
    public var tls: TLSMode

    public init(host: String, port: Int = 5432, user: String, password: String? = nil, database: String, tls: TLSMode = .disable) {
        self.host = host
        self.port = port
        self.user = user
        self.password = password
        self.database = database
        self.tls = tls
    }

    public init(_ text: String) throws(FleetError) {
        guard let components = URLComponents(string: text), ["postgres", "postgresql"].contains(components.scheme ?? ""),
              let host = components.host, !host.isEmpty else {
            throw .malformed("database URL \"\(Self.redacted(text))\": expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE")
        }
        let database = String(components.path.drop { $0 == "/" })
        guard !database.isEmpty, let user = components.user, !user.isEmpty else {
            throw .malformed("database URL \"\(Self.redacted(text))\": it must name a user and a database")
        }
        var mode = TLSMode.prefer
        for item in components.queryItems ?? [] where item.name == "sslmode" {
            switch item.value ?? "" {
            case "disable": mode = .disable
            case "allow", "prefer": mode = .prefer
            case "require", "verify-ca", "verify-full": mode = .require
            case let other: throw .malformed("database URL: sslmode \"\(other)\" is not one of disable, prefer, require")
            }
        }
        self.init(host: host, port: components.port ?? 5432, user: user, password: components.password?.removingPercentEncoding,
                  database: database, tls: mode)
    }

    /// The URL without its password, for logs and errors.
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)?sslmode=\(tls.rawValue)" }

    static func redacted(_ text: String) -> String {
        guard var components = URLComponents(string: text), components.password != nil else { return text }
        components.password = "***"
        return components.string ?? "(unreadable)"
    }

    /// The pool's configuration with at most `maxConnections` open at once.
    public func poolConfiguration(maxConnections: Int) -> PostgresClient.Configuration {
        var configuration = clientConfiguration()
        configuration.options.maximumConnections = maxConnections
        return configuration
    }

    func clientConfiguration() -> PostgresClient.Configuration {
        let tlsConfiguration: PostgresClient.Configuration.TLS
        switch tls {
        case .disable: tlsConfiguration = .disable
        case .prefer: tlsConfiguration = .prefer(.makeClientConfiguration())
        case .require: tlsConfiguration = .require(.makeClientConfiguration())
        }
        var configuration = PostgresClient.Configuration(host: host, port: port, username: user, password: password, database: database, tls: tlsConfiguration)
        configuration.options.connectTimeout = .seconds(5)
        return configuration
    }
}
