import ArgumentParser
import Audit
import FileSupport
import Foundation
import Reports

extension ReportFormat: ExpressibleByArgument {}
extension ReportLanguage: ExpressibleByArgument {}

/// Options every command that writes a report shares: languages and pseudonymisation.
struct ReportOptions: ParsableArguments {
    @Option(name: .long, parsing: .upToNextOption, help: "Languages to write: en, zh or both (default en).")
    var lang: [ReportLanguage] = [.en]

    @Flag(name: .long, help: "Replace internal addresses, host names and user names by keyed tokens (needs --key).")
    var pseudonymize = false

    @Option(name: .long, help: ArgumentHelp("The pseudonymisation key: 16 or more secret bytes (head -c 32 /dev/urandom > FILE).", valueName: "FILE"))
    var key: String?

    func validate() throws {
        if pseudonymize && key == nil { throw ValidationError("--pseudonymize needs --key FILE.") }
        if key != nil && !pseudonymize { throw ValidationError("--key is only used with --pseudonymize.") }
    }

    /// The audit as the reports should see it: pseudonymised when asked.
    func prepare(_ result: AuditResult, organization: String?) throws -> (AuditResult, Bool) {
        guard pseudonymize, let key else { return (result, false) }
        return (try Reports.pseudonymizer(keyFile: key, for: result, organizationFile: organization).apply(to: result), true)
    }

    /// Writes each format in each language; `out` is a file when there is exactly one, else a
    /// directory. Returns the paths written.
    func write(_ formats: [ReportFormat], from result: AuditResult, previous: AuditResult? = nil, organization: String? = nil, to out: String) throws -> [String] {
        guard !formats.isEmpty else { return [] }
        let (audit, pseudonymized) = try prepare(result, organization: organization)
        return try Reports.write(formats, languages: lang, result: audit, previous: previous, pseudonymized: pseudonymized, to: out)
    }
}

/// Runs `body`, turning a report error into its message and exit code.
func reportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let error as ReportError { throw reportExit(error) }
}

/// Exit codes for report, export and verify failures (sysexits, as the other commands use).
func reportExit(_ error: ReportError) -> ExitCode {
    StandardError.write("circuit-audit: \(error)")
    switch error {
    case .cannotRead: return ExitStatus.cannotOpen
    case .notAnAudit, .badKey, .badBundle, .bundleOverLimit: return ExitStatus.dataError
    case .cannotWrite: return ExitStatus.cannotCreate
    case .cannotRender: return ExitCode(70)
    }
}

struct ReportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an audit's report for legal review: HTML, Markdown, JSON, CSV or OSCAL, in English or Chinese.",
        discussion: """
            Reads AUDIT_DIR/findings.json (from `circuit-audit audit --out AUDIT_DIR`). With one format and one
            language, --out names the file; otherwise a directory (default AUDIT_DIR/reports). Files are written
            0600, directories 0700. Exit codes: 0 written, 65 not an audit or bad key, 66 cannot read, 73 cannot write.
            """
    )

    @Option(name: .customLong("in"), help: ArgumentHelp("The audit directory (holding findings.json).", valueName: "AUDIT_DIR"))
    var input: String

    @Option(name: .long, parsing: .upToNextOption, help: "Formats: html, md, json, csv, oscal.")
    var format: [ReportFormat]

    @OptionGroup var options: ReportOptions

    @Option(name: .customLong("org"), help: ArgumentHelp("The organization file whose mainland ranges are internal (default: the one the audit read).", valueName: "FILE"))
    var organization: String?

    @Option(name: .long, help: ArgumentHelp("An earlier audit directory: the summary says what changed since.", valueName: "AUDIT_DIR"))
    var previous: String?

    @Option(name: .long, help: ArgumentHelp("The file (one format, one language) or directory to write.", valueName: "FILE|DIR"))
    var out: String?

    func run() throws {
        try reportingErrors {
            let result = try Reports.loadAudit(input)
            let earlier = try previous.map { path throws(ReportError) in try Reports.loadAudit(path) }
            for path in try options.write(format, from: result, previous: earlier, organization: organization, to: out ?? FilePath(input).appending("reports").string + "/") {
                print(path)
            }
        }
    }
}

struct KeygenCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "keygen",
        abstract: "Make an Ed25519 key pair for signing evidence bundles (private key 0600, public key beside it).",
        discussion: """
            Both are PEM (PKCS #8 and SubjectPublicKeyInfo), so OpenSSL can check a signature too. An existing key is never overwritten.
            Exit codes: 0 written, 73 cannot write (nothing is left behind).
            """
    )

    @Option(name: .long, help: ArgumentHelp("The private key file to create.", valueName: "FILE"))
    var out: String

    @Option(name: .long, help: ArgumentHelp("The public key file to create (default FILE.pub).", valueName: "FILE"))
    var pub: String?

    func run() throws {
        try reportingErrors {
            let fingerprint = try SigningKeys.generate(privatePath: out, publicPath: pub ?? out + ".pub")
            print("private key: \(out) (keep it secret)")
            print("public key: \(pub ?? out + ".pub") (give it to whoever checks bundles)")
            print("key: \(fingerprint)")
        }
    }
}

struct ExportCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Write a signed evidence bundle (.tar.gz) of an audit: findings, reports, snapshot, flow summaries, manifest and signature.",
        discussion: """
            Never payload: flows are summaries (addresses, ports, counts, times). Check a bundle with `circuit-audit verify FILE --pub KEY.pub`.
            Exit codes: 0 written, 65 not an audit or bad key, 66 cannot read, 73 cannot write.
            """
    )

    @Option(name: .customLong("in"), help: ArgumentHelp("The audit directory (holding findings.json).", valueName: "AUDIT_DIR"))
    var input: String

    @Option(name: .long, help: ArgumentHelp("The bundle to write.", valueName: "FILE.tar.gz"))
    var bundle: String

    @Option(name: .long, help: ArgumentHelp("The Ed25519 private key to sign with (from keygen).", valueName: "KEY"))
    var sign: String

    @Flag(name: .long, help: "Pseudonymise findings, reports and flows (needs --key); the snapshot is left out.")
    var pseudonymize = false

    @Option(name: .long, help: ArgumentHelp("The pseudonymisation key.", valueName: "FILE"))
    var key: String?

    @Option(name: .customLong("org"), help: ArgumentHelp("The organization file whose mainland ranges are internal.", valueName: "FILE"))
    var organization: String?

    func validate() throws {
        if pseudonymize != (key != nil) { throw ValidationError("--pseudonymize and --key go together.") }
    }

    func run() throws {
        try reportingErrors {
            let signingKey = try SigningKeys.loadPrivate(sign)
            let pseudonymizer = try key.map { file throws(ReportError) in
                try Reports.pseudonymizer(keyFile: file, for: try Reports.loadAudit(input), organizationFile: organization)
            }
            let data = try EvidenceBundle.export(auditDirectory: input, signingKey: signingKey, pseudonymizer: pseudonymizer, toolVersion: CircuitAudit.version)
            try SecureFile.write(data, to: bundle)
            print("bundle: \(bundle) (\(data.count) bytes), signed by key \(SigningKeys.fingerprint(signingKey.publicKey))")
        }
    }
}

struct VerifyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Check an evidence bundle: its signature against a public key, and every file against the signed manifest.",
        discussion: """
            Exit codes: 0 intact and signed by the key, 1 a file was altered, removed or added or the signature does not match,
            65 not a bundle, damaged, or past a reading limit (1 GiB inflated, 100,000 members, 512 MiB per file), 66 unreadable.
            """
    )

    @Argument(help: ArgumentHelp("The bundle.", valueName: "FILE.tar.gz"))
    var bundle: String

    @Option(name: .long, help: ArgumentHelp("The signer's public key.", valueName: "KEY"))
    var pub: String

    func run() throws {
        try reportingErrors {
            let key = try SigningKeys.loadPublic(pub)
            let data: Data
            do {
                // A gzip stream is never much larger than what it inflates to: the same bound.
                data = try FileReader.read(bundle, maximumBytes: ArchiveLimits.standard.maximumInflatedBytes)
            } catch let error as FileSystemError {
                throw ReportError(reading: error)
            }
            let verification = try EvidenceBundle.verify(data, publicKey: key, path: bundle)
            if verification.isIntact {
                print("verified: \(bundle): \(verification.files) files match the manifest signed by key \(verification.signer ?? "?")")
                if let manifest = verification.manifest {
                    print("audit of \(manifest.auditGeneratedAt) (rules as of \(manifest.auditAsOf)), tool \(manifest.toolVersion), "
                        + manifest.policies.map { "\($0.file) v\($0.version) (\($0.asOf))" }.joined(separator: ", "))
                }
                return
            }
            print("NOT VERIFIED: \(bundle)")
            for problem in verification.problems { print("  \(problem)") }
            throw ExitCode(1)
        }
    }
}
