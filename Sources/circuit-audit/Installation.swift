import FileSupport
import Foundation

/// Where the tool's own files are (`policies/`, `schemas/`, `examples/`). An installed binary
/// is copied away from its checkout, so it looks where an installation puts them before it
/// looks for a checkout: `CIRCUIT_AUDIT_HOME`, then `/usr/share/circuit-audit` and the share
/// directory beside the binary (`BIN/../share/circuit-audit`), then the checkout the binary
/// was built in or the current directory. An option naming a directory (`--policies`) wins
/// over all of them and is used without a search.
struct Installation {
    /// The directory holding `policies/`, `schemas/` and `examples/`.
    let root: URL

    var policies: URL { root.appendingPathComponent("policies") }
    var demoGateway: URL { root.appendingPathComponent("examples/gateway") }

    /// A place looked at, and why it is on the list (said when nothing is found).
    struct Candidate: Equatable {
        let directory: String
        let reason: String
    }

    enum LookupError: Error, CustomStringConvertible {
        case notFound(needed: String, looked: [Candidate])

        var description: String {
            switch self {
            case .notFound(let needed, let looked):
                "cannot find the tool's \(needed): pass --policies DIR, set CIRCUIT_AUDIT_HOME to the directory holding policies/ and examples/, "
                    + "or install the package; looked in " + looked.map { "\($0.directory) (\($0.reason))" }.joined(separator: ", ")
            }
        }
    }

    /// The installation holding `needed` (a path under the root, such as `policies/circular32.yaml`).
    static func locate(needing needed: String = "policies/circular32.yaml",
                       environment: [String: String] = ProcessInfo.processInfo.environment,
                       executable: String = Installation.executablePath(),
                       currentDirectory: String = FileManager.default.currentDirectoryPath) throws(LookupError) -> Installation {
        let looked = candidates(environment: environment, executable: executable, currentDirectory: currentDirectory)
        guard let found = looked.first(where: { FileManager.default.fileExists(atPath: FilePath($0.directory).appending(needed).string) }) else {
            throw .notFound(needed: needed, looked: looked)
        }
        return Installation(root: URL(fileURLWithPath: found.directory))
    }

    /// The policies directory: `explicit` when given (never searched for), else the installation's.
    static func policies(_ explicit: String?) throws(LookupError) -> URL {
        if let explicit { return URL(fileURLWithPath: explicit) }
        return try locate().policies
    }

    /// The places to look, in order.
    static func candidates(environment: [String: String], executable: String, currentDirectory: String) -> [Candidate] {
        var list: [Candidate] = []
        if let home = environment["CIRCUIT_AUDIT_HOME"], !home.isEmpty { list.append(Candidate(directory: home, reason: "CIRCUIT_AUDIT_HOME")) }
        list.append(Candidate(directory: "/usr/share/circuit-audit", reason: "installed"))
        let binDirectory = FilePath(executable).removingLastComponent()
        list.append(Candidate(directory: binDirectory.removingLastComponent().appending("share/circuit-audit").string, reason: "beside the binary"))
        // A checkout: the binary sits in CHECKOUT/.build/<config>/ (or a triple directory below it).
        var directory = binDirectory
        for _ in 0..<4 where !directory.isEmpty && directory != "/" {
            directory = directory.removingLastComponent()
            list.append(Candidate(directory: directory.string, reason: "checkout"))
        }
        list.append(Candidate(directory: currentDirectory, reason: "current directory"))
        var seen = Set<String>()
        return list.filter { seen.insert($0.directory).inserted }
    }

    /// The running binary's own path: `/proc/self/exe` on Linux, so a binary found on PATH or
    /// started through a symbolic link is located where it really is.
    static func executablePath() -> String {
        if let resolved = try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/exe") { return resolved }
        let argument = CommandLine.arguments.first ?? "."
        return argument.hasPrefix("/") ? argument : FilePath(FileManager.default.currentDirectoryPath).appending(argument).string
    }
}
