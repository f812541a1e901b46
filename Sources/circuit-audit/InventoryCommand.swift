import ArgumentParser
import FileSupport
import Foundation
import Inventory

/// Where configuration evidence is read: the live gateway or a copied tree.
struct SystemOptions: ParsableArguments {
    @Option(name: .long, help: ArgumentHelp(
        "Read a copied tree instead of the live system: DIR/etc/... stands for /etc/..., command outputs come from DIR/state/.",
        valueName: "DIR"))
    var root: String?

    var system: SystemView { root.map { SystemView(.tree(root: $0)) } ?? SystemView(.live) }

    /// Throws unless --root, when given, is a directory (a one-line error naming it).
    func checkRoot() throws(FileSystemError) {
        if let root { try FileReader.requireDirectory(root) }
    }

    /// `checkRoot` for a command of its own: the message and exit 66 on failure.
    func requireRoot() throws {
        do { try checkRoot() } catch {
            StandardError.write("circuit-audit: --root \(error)")
            throw ExitStatus.cannotOpen
        }
    }
}

struct InventoryCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "inventory",
        abstract: "List every VPN, tunnel, hand-off and proxy in the gateway's configuration and live state.",
        discussion: """
            Each item names the file and line, or the command, its facts came from. Secrets are never read into it.
            Exit codes: 0 listed (unreadable files are warnings), 66 --root is not a readable directory.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable { case table, json }

    @OptionGroup var source: SystemOptions

    @Option(name: .long, help: "Output format: table or json.")
    var format: Format = .table

    func run() throws {
        try source.requireRoot()
        let inventory = Inventory.collect(from: source.system)
        switch format {
        case .json:
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            print(String(decoding: try encoder.encode(inventory), as: UTF8.self))
        case .table:
            print(InventoryTable.render(inventory.items), terminator: "")
        }
        for warning in inventory.warnings { StandardError.write("warning: \(warning)") }
    }
}

struct SnapshotCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "snapshot",
        abstract: "Copy what the inventory reads into a directory, secrets redacted, with a manifest of hashes.",
        discussion: """
            The directory (created 0700, files 0600) can be read later with `inventory --root DIR` or audited elsewhere.
            Exit codes: 0 written, 66 --root is not a readable directory, 73 the snapshot cannot be written.
            """
    )

    @OptionGroup var source: SystemOptions

    @Option(name: .long, help: ArgumentHelp("A new or empty directory for the snapshot.", valueName: "DIR"))
    var out: String

    func run() throws {
        try source.requireRoot()
        do {
            let manifest = try Snapshot.write(from: source.system, to: out, toolVersion: CircuitAudit.version)
            let failed = manifest.commands.filter { !$0.ok }
            print("\(out): \(manifest.files.count) files, \(manifest.commands.count - failed.count) of \(manifest.commands.count) command outputs")
            for command in failed { StandardError.write("note: \(command.command): \(command.error ?? "failed")") }
        } catch {
            StandardError.write("circuit-audit: \(error)")
            throw ExitStatus.cannotCreate
        }
    }
}

/// Aligned columns for the inventory.
enum InventoryTable {
    static func render(_ items: [ConfigItem]) -> String {
        let header = ["TECHNOLOGY", "ROLE", "NAME", "REMOTE", "NETWORKS", "UP", "SOURCE"]
        let rows = [header] + items.map { item in
            [item.technology, item.role.rawValue, item.name,
             item.remote.map(\.description).joined(separator: ","),
             item.networks.prefix(3).joined(separator: ",") + (item.networks.count > 3 ? ",..." : ""),
             item.isUp.map { $0 ? "yes" : "no" } ?? "-",
             item.sources.first?.description ?? "-"]
        }
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
        return rows.map { row in
            row.enumerated().map { column, cell in
                column == row.count - 1 ? cell : cell + String(repeating: " ", count: widths[column] - cell.count)
            }.joined(separator: "  ")
        }.joined(separator: "\n") + "\n"
    }
}
