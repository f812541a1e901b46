import ArgumentParser
@preconcurrency import Crypto
import Daemon
import Dispatch
import FleetConsole
import FleetServer
import FleetStore
import FleetSubmission
import Foundation
import Logging
import Policy
import Reports

/// `circuit-audit server`: the fleet's central server, and enrolling gateways in it.
struct ServerCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "server",
        abstract: "Run the fleet server: gateways send their signed runs, PostgreSQL keeps them, /api/v1 answers for the fleet.",
        subcommands: [ServeCommand.self, EnrollCommand.self, UserCommand.self, MigrateCommand.self],
        defaultSubcommand: ServeCommand.self
    )
}

/// Options shared by the server's commands: the configuration file, or a database URL alone.
struct ServerOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp("The server's configuration file (YAML; see examples/fleet/server.yaml).", valueName: "FILE"))
    var config: String?

    @Option(name: .customLong("database-url"), help: ArgumentHelp("The PostgreSQL URL, instead of the file's (default: $DATABASE_URL).", valueName: "URL"))
    var databaseURL: String?

    func database() throws -> DatabaseURL {
        do {
            if let databaseURL { return try DatabaseURL(databaseURL) }
            if let config { return try ServerConfiguration.load(file: config).database }
            if let fromEnvironment = ProcessInfo.processInfo.environment["DATABASE_URL"] { return try DatabaseURL(fromEnvironment) }
        } catch let error as FleetError {
            StandardError.write("circuit-audit: \(error)")
            throw ExitStatus.configuration
        } catch {
            StandardError.write("circuit-audit: invalid configuration: \(error)")
            throw ExitStatus.configuration
        }
        throw ValidationError("give --config FILE, --database-url URL or DATABASE_URL")
    }
}

/// Runs `body` with the fleet store at `database`, its schema brought up to date first; a store
/// error is printed and becomes the exit code (69 unavailable, 65 refused).
func withFleetStore<T: Sendable>(_ database: DatabaseURL, label: String, _ body: @escaping @Sendable (FleetStore) async throws -> T) throws -> T {
    // A one-shot command prints its own outcome; the driver's chatter (a first lease racing the
    // pool's start) is not for the person at the terminal.
    let logger = {
        var logger = Logger(label: label)
        logger.logLevel = .error
        return logger
    }()
    do {
        return try blocking {
            try await FleetStore.withStore(database, logger: logger) { store in
                try await FleetMigrations.apply(on: store.client, logger: logger)
                return try await body(store)
            }
        }
    } catch let error as FleetError {
        StandardError.write("circuit-audit: \(error)")
        if case .databaseUnavailable = error { throw ExitCode(69) }
        if case .migration = error { throw ExitCode(69) }
        throw ExitStatus.dataError
    }
}

struct ServeCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Serve the fleet API until SIGTERM or SIGINT.",
        discussion: """
            Applies the schema migrations at start (several instances may share one database). Plain HTTP is served on
            loopback only; elsewhere the file must give tls.certificate and tls.key.
            Exit codes: 0 stopped cleanly, 1 stopped on an error, 78 invalid configuration.
            """
    )

    @Option(name: .long, help: ArgumentHelp("The server's configuration file (YAML).", valueName: "FILE"))
    var config: String

    @Option(name: .long, help: ArgumentHelp("Listen on this HOST:PORT instead of the file's (port 0 picks a free port).", valueName: "HOST:PORT"))
    var listen: String?

    func run() throws {
        var configuration: ServerConfiguration
        do {
            configuration = try ServerConfiguration.load(file: config)
            if let listen {
                guard let (host, port) = ServerConfiguration.listenAddress(listen) else { throw ValidationError("--listen \(listen): must be HOST:PORT") }
                guard configuration.tlsCertificate != nil || ServerConfiguration.loopbackHosts.contains(host) else {
                    throw ValidationError("--listen \(listen): plain HTTP is served on loopback only; the configuration gives no tls")
                }
                (configuration.host, configuration.port) = (host, port)
            }
        } catch {
            StandardError.write("circuit-audit: invalid configuration: \(error)")
            throw ExitStatus.configuration
        }
        LoggingSystem.bootstrap { JournalLogHandler(label: $0) }
        let logger = Logger(label: "circuit-audit-server")
        let settled = configuration
        try blocking {
            try await FleetServer.run(settled, logger: logger) { address in
                FileHandle.standardOutput.write(Data("circuit-audit server: listening on \(address)\n".utf8))
            }
        }
    }
}

struct EnrollCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "enroll",
        abstract: "Register a gateway and the Ed25519 public key its runs are signed with (from `circuit-audit keygen`).",
        discussion: "Enrolling again with the same key updates the site and schedule; another key needs --rekey. Exit codes: 0 enrolled, 65 bad key or name, 69 database unavailable."
    )

    @OptionGroup var server: ServerOptions

    @Option(name: .long, help: "The gateway's name, as its daemon's upload.gateway says (letters, digits, '.', '_', '-').")
    var name: String

    @Option(name: .long, help: ArgumentHelp("The gateway's public key (PEM).", valueName: "KEY.pub"))
    var pub: String

    @Option(name: .long, help: "Where the gateway is (shown beside it).")
    var site: String?

    @Option(name: .long, help: "Seconds between the gateway's runs: past its next due run (plus the server's stale_grace) it is stale.")
    var schedule: Int = 3600

    @Flag(name: .long, help: "Replace the key of a gateway already enrolled with another.")
    var rekey = false

    func run() throws {
        let database = try server.database()
        let key: Curve25519.Signing.PublicKey
        do { key = try SigningKeys.loadPublic(pub) } catch { throw reportExit(error) }
        let (name, site, schedule, rekey) = (self.name, self.site, self.schedule, self.rekey)
        let enrolment = try withFleetStore(database, label: "circuit-audit-enroll") { store in
            try await store.enroll(name: name, publicKey: key, site: site, scheduleSeconds: schedule, rekey: rekey)
        }
        print("\(enrolment.created ? "enrolled" : "updated"): gateway \(enrolment.name), key \(enrolment.fingerprint)")
    }
}

struct MigrateCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "migrate",
        abstract: "Bring the fleet database to this version's schema and exit (the server also does it at start)."
    )

    @OptionGroup var server: ServerOptions

    func run() throws {
        let database = try server.database()
        let logger = Logger(label: "circuit-audit-migrate")
        do {
            let applied = try blocking {
                try await FleetStore.withStore(database, logger: logger) { store in try await FleetMigrations.apply(on: store.client, logger: logger) }
            }
            print(applied.isEmpty ? "schema: up to date (\(database))" : "schema: applied \(applied.map(String.init).joined(separator: ", ")) (\(database))")
        } catch let error as FleetError {
            StandardError.write("circuit-audit: \(error)")
            throw ExitCode(69)
        }
    }
}

/// `circuit-audit server user`: the console's accounts, for the first administrator and for scripts.
struct UserCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "user",
        abstract: "Add, change or list the console's users (roles: viewer, reviewer, admin).",
        subcommands: [UserAddCommand.self, UserSetCommand.self, UserListCommand.self]
    )
}

struct UserAddCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "add",
        abstract: "Add a console user, or with --replace set an existing user's password and role.",
        discussion: """
            The password is read from --password-file, or from the first line of standard input; with --generate a random
            one is made and printed. Only its bcrypt hash is stored. Exit codes: 0 done, 65 bad name, role or password, 69 database unavailable.
            """
    )

    @OptionGroup var server: ServerOptions

    @Option(name: .long, help: "The user name (letters, digits, '.', '_', '-').")
    var name: String

    @Option(name: .long, help: "viewer (reads and exports), reviewer (also records review decisions) or admin (also enrols gateways, manages users).")
    var role: String = "viewer"

    @Option(name: .customLong("password-file"), help: ArgumentHelp("A file whose first line is the password.", valueName: "FILE"))
    var passwordFile: String?

    @Flag(name: .long, help: "Make a random password and print it.")
    var generate = false

    @Flag(name: .long, help: "Replace the password and role of a user that exists.")
    var replace = false

    func run() throws {
        guard let role = ConsoleRole(rawValue: role) else {
            StandardError.write("circuit-audit: --role \(self.role): one of viewer, reviewer, admin")
            throw ExitStatus.dataError
        }
        let password: String
        if generate {
            password = PasswordHashing.generate()
        } else if let passwordFile {
            guard let text = try? String(contentsOfFile: passwordFile, encoding: .utf8) else {
                StandardError.write("circuit-audit: --password-file \(passwordFile): cannot be read")
                throw ExitStatus.dataError
            }
            password = String(text.split(separator: "\n", omittingEmptySubsequences: false).first ?? "")
        } else {
            password = readLine(strippingNewline: true) ?? ""
        }
        guard password.count >= PasswordHashing.minimumLength else {
            StandardError.write("circuit-audit: the password must have at least \(PasswordHashing.minimumLength) characters")
            throw ExitStatus.dataError
        }
        let database = try server.database()
        let (name, replace) = (self.name, self.replace)
        let hash = PasswordHashing.hash(password)
        let user = try withFleetStore(database, label: "circuit-audit-user") { store in
            try await store.putUser(name: name, passwordHash: hash, role: role, replace: replace)
        }
        print("user \(user.name): \(user.role.rawValue)" + (generate ? ", password \(password)" : ""))
    }
}

struct UserSetCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "set",
        abstract: "Change a console user's role, or disable or enable it (a disabled user's sessions end at once)."
    )

    @OptionGroup var server: ServerOptions

    @Option(name: .long, help: "The user name.")
    var name: String

    @Option(name: .long, help: "viewer, reviewer or admin.")
    var role: String?

    @Flag(name: .long, inversion: .prefixedEnableDisable, help: "Disable (or enable) the account.")
    var account: Bool?

    func run() throws {
        let role = try self.role.map { text -> ConsoleRole in
            guard let role = ConsoleRole(rawValue: text) else { throw ValidationError("--role \(text): one of viewer, reviewer, admin") }
            return role
        }
        let database = try server.database()
        let (name, disabled) = (self.name, account.map { !$0 })
        try withFleetStore(database, label: "circuit-audit-user") { store in
            try await store.updateUser(name: name, role: role, disabled: disabled)
        }
        print("user \(name): updated")
    }
}

struct UserListCommand: ParsableCommand {
    static let configuration = CommandConfiguration(commandName: "list", abstract: "List the console's users and their roles.")

    @OptionGroup var server: ServerOptions

    func run() throws {
        let database = try server.database()
        let users = try withFleetStore(database, label: "circuit-audit-user") { store in try await store.users() }
        for user in users { print("\(user.name)\t\(user.role.rawValue)\(user.disabled ? "\tdisabled" : "")") }
    }
}
