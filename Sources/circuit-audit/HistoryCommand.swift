import ArgumentParser
import Daemon
import Foundation
import History

/// Where the history database is: --db, else the one a daemon configuration names, else the default.
struct HistoryLocation: ParsableArguments {
    @Option(name: .long, help: "The history database (default: /var/lib/circuit-audit/history.sqlite).")
    var db: String?

    @Option(name: .long, help: "Take the database from this daemon configuration file.")
    var config: String?

    func open() throws -> HistoryStore {
        var path = db ?? "/var/lib/circuit-audit/history.sqlite"
        if db == nil, let config {
            do {
                path = try DaemonConfiguration.load(file: config, defaultPolicies: URL(fileURLWithPath: "/")).database
            } catch {
                StandardError.write("circuit-audit: \(error)")
                throw ExitStatus.configuration
            }
        }
        do {
            return try HistoryStore(path: path, create: false)
        } catch {
            StandardError.write("circuit-audit: \(error)")
            throw ExitStatus.cannotOpen
        }
    }
}

/// `circuit-audit history`: the recorded runs.
struct HistoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "history", abstract: "List the audit runs recorded in the history.",
        discussion: "Exit codes: 0 listed, 66 no history or it cannot be opened, 78 the --config file is invalid.")

    @OptionGroup var location: HistoryLocation

    @Option(name: .long, help: "Show only the last N runs.")
    var last: Int?

    func run() throws {
        let store = try location.open()
        let runs = try store.runs(limit: last)
        var rows = [["RUN", "STARTED", "AS OF", "CIRCUITS", "FINDINGS", "OPEN", "MAX OPEN SEVERITY"]]
        rows += runs.map { ["\($0.id)", $0.startedAt, $0.asOf, "\($0.circuits)", "\($0.findings)", "\($0.openFindings)", $0.maxSeverity ?? "-"] }
        var widths = [Int](repeating: 0, count: rows[0].count)
        for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
        for row in rows {
            print(row.enumerated().map { $0 == row.count - 1 ? $1 : $1 + String(repeating: " ", count: widths[$0] - $1.count) }.joined(separator: "  "))
        }
        print("\(runs.count) run(s) in \(store.path)")
    }
}

/// `circuit-audit diff`: what changed between two runs.
struct DiffCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "diff", abstract: "Show circuits that appeared, disappeared or changed, and findings opened or resolved, between two runs.",
        discussion: "Without run ids it compares the last two runs. Exit codes: 0 no change, 1 changes, 66 no history or no such run, 78 the --config file is invalid.")

    @OptionGroup var location: HistoryLocation

    @Argument(help: "The earlier run's id.")
    var runA: Int64?

    @Argument(help: "The later run's id.")
    var runB: Int64?

    func validate() throws {
        if (runA == nil) != (runB == nil) { throw ValidationError("give two run ids, or none to compare the last two runs.") }
    }

    func run() throws {
        let store = try location.open()
        let diff: RunDiff
        do {
            if let runA, let runB {
                diff = try RunDiff.between(runA, runB, in: store)
            } else {
                diff = try RunDiff.latest(in: store)
            }
        } catch {
            StandardError.write("circuit-audit: \(error)")
            throw ExitStatus.cannotOpen
        }
        print(diff.render())
        if !diff.isEmpty { throw ExitCode(1) }
    }
}
