import ArgumentParser
import Daemon
import Dispatch
import Foundation
import Logging
import ServiceLifecycle

/// `circuit-audit daemon`: scheduled audits with history, reports, alerts and a status file.
struct DaemonCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "daemon",
        abstract: "Run audits on a schedule: capture, collect, audit, record the history, write reports, raise alerts.",
        discussion: """
            SIGTERM or SIGINT stops after the current write (a capture window in progress is ended and its run abandoned);
            SIGHUP reloads the configuration and policies, keeping the old ones if the new ones are invalid.
            Exit codes: 0 stopped cleanly, 73 cannot create the output, 77 cannot drop privileges, 78 invalid configuration.
            """
    )

    @Option(name: .long, help: "The daemon's configuration file (YAML; see examples/daemon/daemon.yaml).")
    var config: String

    @Option(name: .long, help: "Stop after this many runs (for one-shot timers and tests).")
    var runs: Int?

    @Flag(name: .long, help: "Check the configuration, policies and organization file, then exit.")
    var check = false

    func validate() throws {
        if let runs, runs < 1 { throw ValidationError("--runs must be at least 1.") }
    }

    func run() throws {
        LoggingSystem.bootstrap { JournalLogHandler(label: $0) }
        let logger = Logger(label: "circuit-audit")
        // The configuration may name its own policies; this is the default when it does not.
        let policies = (try? Installation.locate().policies) ?? URL(fileURLWithPath: "/usr/share/circuit-audit/policies")
        let daemon: AuditDaemon
        do {
            daemon = try AuditDaemon(configPath: config, defaultPolicies: policies, toolVersion: CircuitAudit.version, maxRuns: runs, logger: logger)
        } catch {
            StandardError.write("circuit-audit: invalid configuration: \(error)")
            throw ExitStatus.configuration
        }
        if check {
            print("\(config): valid")
            return
        }
        do {
            try daemon.prepare()
        } catch let error as PrivilegeError {
            StandardError.write("circuit-audit: \(error)")
            throw ExitStatus.noPermission
        } catch {
            StandardError.write("circuit-audit: cannot start: \(error)")
            throw ExitStatus.cannotCreate
        }
        // The daemon returns by itself only after --runs: that is a clean stop, not a failure.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: daemon, successTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigterm, .sigint], logger: logger))
        do {
            try blocking { try await group.run() }
        } catch {
            StandardError.write("circuit-audit: the daemon stopped on an error: \(error)")
            throw ExitCode(1)
        }
    }
}
