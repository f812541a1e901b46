import ArgumentParser
import Daemon
import FileSupport
import FleetUpload
import Foundation
import Logging

/// `circuit-audit upload`: a one-shot audit sent to the fleet server as the daemon sends its runs.
struct UploadCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "upload",
        abstract: "Sign an audit as a run of this gateway and send it to the fleet server; spool it while the server cannot be reached.",
        discussion: """
            Takes the server, key and gateway name from --config (a daemon configuration's upload: section) or from the
            options. The same audit sent again is the same run: the server stores it once. With --spool-only nothing is sent;
            without --in, only what is already spooled is sent. Exit codes: 0 every spooled run sent, 65 the server refused a
            run (set aside in SPOOL/rejected/), 75 the server is unavailable (the runs stay spooled: run again later), 78 bad configuration.
            """
    )

    @Option(name: .customLong("in"), help: ArgumentHelp("The audit directory (holding findings.json) to send.", valueName: "AUDIT_DIR"))
    var input: String?

    @Option(name: .long, help: ArgumentHelp("A daemon configuration whose upload: section says where and as whom.", valueName: "FILE"))
    var config: String?

    @Option(name: .long, help: ArgumentHelp("The fleet server's URL (https://HOST:PORT).", valueName: "URL"))
    var server: String?

    @Option(name: .long, help: ArgumentHelp("PEM CA certificates to trust for the server (default: the system's).", valueName: "FILE"))
    var ca: String?

    @Option(name: .long, help: ArgumentHelp("The gateway's Ed25519 private key, whose public half was enrolled.", valueName: "KEY"))
    var sign: String?

    @Option(name: .long, help: "The gateway's enrolled name (default: the host name).")
    var gateway: String?

    @Option(name: .long, help: ArgumentHelp("Where runs wait while the server is unreachable (default: AUDIT_DIR/../spool).", valueName: "DIR"))
    var spool: String?

    @Option(name: .long, help: ArgumentHelp("Pseudonymise what is sent with this key (see `report --pseudonymize`).", valueName: "FILE"))
    var pseudonymizeKey: String?

    @Option(name: .long, help: "Attempts before leaving the runs spooled, waiting 1, 2, 4... seconds between them.")
    var attempts: Int = 5

    @Flag(name: .long, help: "Spool the run and send nothing.")
    var spoolOnly = false

    func validate() throws {
        if config == nil && (server == nil || sign == nil) { throw ValidationError("give --config FILE, or --server URL and --sign KEY.") }
        if input == nil && spool == nil && config == nil { throw ValidationError("give --in AUDIT_DIR, or --spool DIR to send what waits there.") }
        if attempts < 1 { throw ValidationError("--attempts must be at least 1.") }
    }

    func settings() throws -> GatewayUpload {
        var upload: GatewayUpload
        if let config {
            do {
                guard let configured = try DaemonConfiguration.load(file: config, defaultPolicies: URL(fileURLWithPath: "/")).upload else {
                    StandardError.write("circuit-audit: \(config) has no upload: section")
                    throw ExitStatus.configuration
                }
                upload = configured
            } catch let exit as ExitCode {
                throw exit
            } catch {
                StandardError.write("circuit-audit: invalid configuration: \(error)")
                throw ExitStatus.configuration
            }
        } else {
            guard let url = URL(string: server!), let scheme = url.scheme, ["http", "https"].contains(scheme), url.host != nil else {
                throw ValidationError("--server \(server!): an https:// URL with a host")
            }
            upload = GatewayUpload(server: UploadConfiguration(server: url), gateway: ProcessInfo.processInfo.hostName, signingKey: sign!,
                                   spool: FilePath(input ?? ".").absolute.containingDirectory.resolving("spool").string)
        }
        if let server, let url = URL(string: server) { upload.server.server = url }
        if let ca { upload.server.caFile = ca }
        if let sign { upload.signingKey = sign }
        if let gateway { upload.gateway = gateway }
        if let spool { upload.spool = spool }
        if let pseudonymizeKey { upload.pseudonymizeKey = pseudonymizeKey }
        return upload
    }

    func run() throws {
        let upload = try settings()
        if let input {
            do {
                let item = try upload.spoolRun(auditDirectory: input, trigger: "manual", toolVersion: CircuitAudit.version)
                print("spooled: run \(item.runID) of gateway \(upload.gateway) (\(item.path))")
            } catch let error as Spool.Failure {
                StandardError.write("circuit-audit: \(error)")
                throw ExitStatus.cannotCreate
            } catch {
                StandardError.write("circuit-audit: \(error)")
                throw ExitStatus.dataError
            }
        }
        if spoolOnly { return }
        let attempts = self.attempts
        var quiet = Logger(label: "circuit-audit-upload")
        quiet.logLevel = .warning  // what was sent is printed below, once
        let logger = quiet
        let report = try blocking { () -> FleetUploader.Drain in
            let uploader = try FleetUploader(configuration: upload.server, logger: logger)
            var wait = 1.0
            var last = FleetUploader.Drain()
            for attempt in 1...attempts {
                let report = await uploader.drain(Spool(directory: upload.spool))
                last.sent += report.sent
                last.rejected += report.rejected
                last.unavailable = report.unavailable
                last.left = report.left
                if report.unavailable == nil || attempt == attempts { break }
                try? await Task.sleep(for: .seconds(wait))
                wait = min(wait * 2, upload.server.maxBackoff)
            }
            await uploader.shutdown()
            return last
        }
        for run in report.sent { print("sent: run \(run) to \(upload.server.server.absoluteString)") }
        for run in report.rejected {
            let reason = (try? String(contentsOfFile: Spool(directory: upload.spool).rejectedDirectory + "/\(run).reason", encoding: .utf8)) ?? ""
            StandardError.write("circuit-audit: run \(run) refused by the server: \(reason.trimmingCharacters(in: .whitespacesAndNewlines))")
        }
        if let reason = report.unavailable {
            StandardError.write("circuit-audit: the fleet server is unavailable after \(attempts) attempt(s): \(reason); \(report.left) run(s) stay in \(upload.spool)")
            throw ExitCode(75)
        }
        if !report.rejected.isEmpty { throw ExitStatus.dataError }
    }
}
