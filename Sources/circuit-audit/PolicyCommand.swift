import ArgumentParser
import Foundation
import Policy

struct PolicyCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "policy",
        abstract: "Check policy and organization files, or list the predicates rules can use.",
        subcommands: [Check.self, Predicates.self]
    )

    struct Check: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Validate a policies directory and, optionally, an organization file; print every error with file, line and key.",
            discussion: "Exit codes: 0 valid, 65 an error in (or an unreadable) policy, rules or organization file.")

        @Argument(help: "The policies directory (default: the bundled one).")
        var directory: String?

        @Option(name: .long, help: "An organization file to validate too.")
        var org: String?

        @Option(name: .long, help: "A directory of rule files that override or add rules.")
        var rules: String?

        func run() throws {
            let policies: URL
            do {
                policies = try Installation.policies(directory)
            } catch {
                StandardError.write("circuit-audit: \(error)")
                throw ExitStatus.dataError
            }
            var failed = false
            do {
                let set = try PolicySet.load(directory: policies, overrides: rules.map(URL.init(fileURLWithPath:)))
                print("\(policies.path): \(set.rules.rules.count) rules, \(set.rules.principles.count) principles, \(set.operators.operators.count) operators, \(set.providers.providers.count) providers")
                let dataExport = set.dataExport
                print("  data export: \(dataExport.rows.count) threshold rows in order \(dataExport.orderedRows.map(\.id).joined(separator: " ")), validity rules \((dataExport.validity.map(\.id) + [dataExport.redeclaration.id]).joined(separator: " ")), \(dataExport.freeTradeZones.count) FTZ lists, \(dataExport.candidates.services.count) data-store services")
                for file in set.files { print("  \(file.file): version \(file.version), as of \(file.asOf)") }
            } catch {
                StandardError.write("\(error)")
                failed = true
            }
            if let org {
                do {
                    let profile = try OrganizationProfile.load(contentsOf: URL(fileURLWithPath: org))
                    print("\(org): \(profile.sites.count) sites, \(profile.approvedCircuits.count) approved circuits, \(profile.suppliers.count) suppliers, \(profile.transfers.count) data transfers")
                } catch {
                    StandardError.write("\(error)")
                    failed = true
                }
            }
            if failed { throw ExitStatus.dataError }
        }
    }

    struct Predicates: ParsableCommand {
        static let configuration = CommandConfiguration(abstract: "List the predicates a rule's `when` can combine.")

        @Flag(name: .long, help: "List the predicates of data-export.yaml's threshold rows instead.")
        var dataExport = false

        func run() {
            let entries = dataExport ? DataExportPredicate.allCases.map { ($0.rawValue, $0.summary) } : Predicate.allCases.map { ($0.rawValue, $0.summary) }
            let width = entries.map(\.0.count).max() ?? 0
            for (name, summary) in entries {
                print(name + String(repeating: " ", count: width - name.count) + "  " + summary)
            }
            if dataExport {
                print("counts: {count: \(IndividualCount.allCases.map(\.rawValue).joined(separator: "|")), at_least|above|below|at_most: N}")
            }
        }
    }
}
