import ArgumentParser

/// The `circuit-audit` command: it parses arguments and hands the work to the libraries.
@main
struct CircuitAudit: ParsableCommand {
    static let version = "0.1.0"

    static let configuration = CommandConfiguration(
        commandName: "circuit-audit",
        abstract: "Audits how a gateway reaches the rest of the world: VPNs, tunnels and leased lines, for legal review.",
        version: version,
        subcommands: [AuditCommand.self, FlowsCommand.self, DetectorsCommand.self, InventoryCommand.self, SnapshotCommand.self, PolicyCommand.self,
                      ReportCommand.self, ExportCommand.self, VerifyCommand.self, KeygenCommand.self,
                      DaemonCommand.self, HistoryCommand.self, DiffCommand.self, UploadCommand.self, ServerCommand.self]
    )
}

/// Exit codes from sysexits(3), so schedulers and scripts can tell failures apart.
enum ExitStatus {
    static let usage = ExitCode(64)
    static let dataError = ExitCode(65)
    static let cannotOpen = ExitCode(66)
    static let cannotCreate = ExitCode(73)
    static let noPermission = ExitCode(77)
    static let configuration = ExitCode(78)
}
