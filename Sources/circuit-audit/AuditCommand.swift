import ArgumentParser
import Capture
import Detection
import FileSupport
import Foundation
import Geo
import Inventory
import Policy
import Traffic
import Audit
import AuditPipeline
import DataExport
import Reports

struct AuditCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "audit",
        abstract: "Audit the gateway: find every circuit, classify it against Circular 32, and write findings.json.",
        discussion: """
            Exit codes: 0 no open finding at or above --fail-on, 1 there are, 2 the audit could not run.
            Every finding is for legal review: it states facts and the rule they meet, not a legal conclusion.
            """
    )

    @Flag(name: .long, help: "Audit the bundled example gateway in examples/ (needs nothing else).")
    var demo = false

    @OptionGroup var source: SystemOptions

    @Option(name: .long, parsing: .upToNextOption, help: "Capture files to read for traffic evidence.")
    var pcap: [String] = []

    @Option(name: .long, help: "Capture live from this interface for --duration seconds.")
    var interface: String?

    @Option(name: .long, help: "Seconds to capture from --interface.")
    var duration: Double = 60

    @Option(name: .long, help: "Worker threads for flows and detection (default: the number of cores; findings are the same for any number).")
    var threads: Int = TrafficAnalyzer.availableProcessors

    @Option(name: .long, help: "With --interface: read through this many capture handles in one PACKET_FANOUT group, a thread each.")
    var fanout: Int = 1

    @Option(name: .long, help: "The organization's declarations (organization.yaml).")
    var org: String?

    @Option(name: .long, help: "The policies directory (circular32.yaml, operators.yaml, providers.yaml).")
    var policies: String?

    @Option(name: .long, help: "A directory of your own rule files that override or add rules by id.")
    var rules: String?

    @Option(name: .long, parsing: .upToNextOption, help: "MaxMind-format country or ASN databases to consult after the organization's declarations.")
    var geoDatabase: [String] = []

    @Option(name: .long, help: "Audit as of this date (YYYY-MM-DD; default today, UTC).")
    var asOf: String?

    @Option(name: .long, help: "Where to write findings.json.")
    var out: String = "audit-out"

    @Option(name: .long, help: "Exit 1 when an open finding is at or above this severity (INFO, LOW, MEDIUM, HIGH, CRITICAL).")
    var failOn: String = "HIGH"

    @Option(name: .long, parsing: .upToNextOption, help: "Also write these reports into OUT/reports: html, md, json, csv, oscal.")
    var report: [ReportFormat] = []

    @OptionGroup var reportOptions: ReportOptions

    func validate() throws {
        if demo && (source.root != nil || !pcap.isEmpty || interface != nil || org != nil) {
            throw ValidationError("--demo audits the bundled example; give no other inputs.")
        }
        if Severity(rawValue: failOn) == nil { throw ValidationError("--fail-on must be one of INFO, LOW, MEDIUM, HIGH, CRITICAL.") }
        if let asOf, PolicyDate(asOf) == nil { throw ValidationError("--as-of must be a date written YYYY-MM-DD.") }
        if threads < 1 || threads > 256 { throw ValidationError("--threads must be between 1 and 256.") }
        if fanout < 1 || fanout > 64 { throw ValidationError("--fanout must be between 1 and 64.") }
        if fanout > 1 && interface == nil { throw ValidationError("--fanout applies to --interface only.") }
    }

    func run() throws {
        do {
            try audit()
        } catch let exit as ExitCode {
            throw exit
        } catch {
            StandardError.write("circuit-audit: the audit could not run: \(error)")
            throw ExitCode(2)
        }
    }

    private func audit() throws {
        // Only what the command needs is looked for: --policies with the user's own inputs needs no installation.
        let example = demo ? try Installation.locate(needing: "examples/gateway/organization.yaml").demoGateway : nil
        let policyDirectory = try Installation.policies(policies)
        let organizationPath = example.map { $0.appendingPathComponent("organization.yaml").path } ?? org
        let rootPath = example.map { $0.appendingPathComponent("snapshot").path } ?? source.root
        let captures = example.map { [$0.appendingPathComponent("traffic.pcap").path] } ?? pcap

        let request = AuditRequest(
            policyDirectory: policyDirectory, ruleOverrides: rules.map(URL.init(fileURLWithPath:)), organizationPath: organizationPath,
            rootPath: rootPath, captureFiles: captures,
            liveWindows: interface.map { [AuditRequest.LiveWindow(interface: $0, duration: duration, fanout: fanout)] } ?? [],
            geoDatabases: geoDatabase, asOf: asOf.flatMap(PolicyDate.init) ?? PolicyDate.today, toolVersion: CircuitAudit.version,
            threads: threads)
        try source.checkRoot()
        let outcome = try AuditPipeline.run(request)
        for warning in outcome.captureWarnings { StandardError.write("warning: \(warning)") }
        let result = outcome.result
        let path = try result.write(to: out)
        print(AuditSummary.render(result))
        print("findings: \(path)")
        for written in try reportOptions.write(report, from: result, to: FilePath(out).appending("reports").string + "/") { print("report: \(written)") }
        for warning in outcome.inventoryWarnings { StandardError.write("warning: \(warning)") }
        if !result.openFindings(atLeast: Severity(rawValue: failOn)!).isEmpty { throw ExitCode(1) }
    }
}

/// The short table `audit` prints: circuits by category and severity.
enum AuditSummary {
    static func render(_ result: AuditResult) -> String {
        var lines = ["\(result.findings.count) circuits audited as of \(result.asOf) — for legal review", ""]
        let header = ["CIRCUIT", "CATEGORY", "SEVERITY", "FLAGS", "NAME"]
        var rows = [header]
        for finding in result.findings.sorted(by: { ($0.severity, $0.circuitID) > ($1.severity, $1.circuitID) }) {
            rows.append([finding.circuitID, finding.category.rawValue, finding.severity.rawValue + (finding.waiver?.active == true ? " (waived)" : ""),
                         finding.flags.map(\.flag.rawValue).joined(separator: ","), finding.circuitName])
        }
        lines += table(rows)
        lines.append("")
        let counts = Dictionary(grouping: result.findings, by: \.category).mapValues(\.count)
        lines.append("by category: " + Category.allCases.compactMap { category in counts[category].map { "\(category.rawValue) \($0)" } }.joined(separator: ", "))
        let severities = Dictionary(grouping: result.findings, by: \.severity).mapValues(\.count)
        lines.append("by severity: " + Severity.allCases.reversed().compactMap { severity in severities[severity].map { "\(severity.rawValue) \($0)" } }.joined(separator: ", "))
        lines += dataExport(result)
        return lines.joined(separator: "\n")
    }

    /// Per circuit, each declared transfer's row, mechanism needed, mechanism on file and gap,
    /// then the undeclared-transfer candidates.
    static func dataExport(_ result: AuditResult) -> [String] {
        let sections = result.findings.compactMap { finding in finding.dataExport.map { (finding, $0) } }
        let loose = result.dataExport?.candidatesWithoutCircuit ?? []
        let unplaced = (result.dataExport?.transfers ?? []).filter(\.circuits.isEmpty)
        guard !sections.isEmpty || !loose.isEmpty || !unplaced.isEmpty else { return [] }
        var rows = [["CIRCUIT", "TRANSFER", "ROW", "NEEDS", "ON FILE", "GAP"]]
        for (finding, section) in sections {
            for transfer in section.transfers {
                let onFile = transfer.onFile.map { "\($0.kind.rawValue) \($0.reference)" + ($0.validUntil.map { " to \($0)" } ?? "") } ?? "-"
                rows.append([finding.circuitID, "\(transfer.dataset) → \(transfer.recipient) (\(transfer.country))", transfer.row ?? "-",
                             transfer.mechanismRequired.rawValue, onFile, transfer.gap.rawValue])
            }
            for candidate in section.candidates {
                rows.append([finding.circuitID, "candidate: \(candidate.source) → \(candidate.serverName ?? candidate.destination) (\(candidate.service), \(candidate.bytes) bytes)",
                             "-", "-", "-", DataExportGap.undeclaredCandidate.rawValue])
            }
        }
        for transfer in unplaced {
            rows.append(["(no circuit)", "\(transfer.dataset) → \(transfer.recipient) (\(transfer.country))", transfer.row ?? "-",
                         transfer.mechanismRequired.rawValue, transfer.onFile.map { "\($0.kind.rawValue) \($0.reference)" } ?? "-", transfer.gap.rawValue])
        }
        for candidate in loose {
            rows.append(["(direct)", "candidate: \(candidate.source) → \(candidate.serverName ?? candidate.destination) (\(candidate.service), \(candidate.bytes) bytes)",
                         "-", "-", "-", DataExportGap.undeclaredCandidate.rawValue])
        }
        var lines = ["", "data export as of \(result.asOf) (separate from the circuit's category; candidates are inferred from flow metadata, never payload):"]
        lines += table(rows)
        return lines
    }

    /// Rows padded to their columns' widths; the last column is not padded.
    static func table(_ rows: [[String]]) -> [String] {
        var widths = [Int](repeating: 0, count: rows.first?.count ?? 0)
        for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
        return rows.map { row in
            row.enumerated().map { $0 == row.count - 1 ? $1 : $1 + String(repeating: " ", count: widths[$0] - $1.count) }.joined(separator: "  ")
        }
    }
}
