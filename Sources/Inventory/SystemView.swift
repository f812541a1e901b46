import CoreFoundation  // the C `stat` structure, as Foundation exposes it on Linux
import FileSupport
import Foundation

/// The gateway as collectors see it: the live system, or a copied tree (`--root DIR`) where
/// `DIR/etc/...` stands for `/etc/...` and `DIR/state/NAME` holds a command's saved output.
public struct SystemView: Sendable {
    public enum Mode: Sendable, Equatable {
        case live
        case tree(root: String)
    }

    public let mode: Mode

    public init(_ mode: Mode) { self.mode = mode }

    /// The largest configuration file or saved command output read (64 MiB).
    public static let maximumFileBytes = 64 << 20

    /// Why a file or command output could not be had.
    public struct ReadFailure: Error, Sendable, Equatable, CustomStringConvertible {
        public var source: String
        public var reason: String
        public var description: String { "\(source): \(reason)" }
    }

    /// Where a gateway path is on this machine.
    public func hostPath(_ gatewayPath: String) -> String {
        switch mode {
        case .live: gatewayPath
        case .tree(let root): FilePath(root).appending(gatewayPath).string
        }
    }

    /// Gateway paths of the regular files matching `pattern`, sorted.
    public func files(matching pattern: String) -> [String] {
        Glob.matches(pattern, under: hostPath("/")).map { hostRelative in "/" + hostRelative }
    }

    /// A file's text. Not-UTF-8 bytes are replaced, never fatal. CRLF line ends (files written
    /// on Windows, SoftEther's vpn_server.config) are read as LF: Swift keeps "\r\n" as one
    /// character, so without this every parser, and the redactor, would see the whole file as
    /// one line.
    /// Only regular files of at most `maximumFileBytes` are read: a FIFO or device in the tree
    /// is refused rather than waited on.
    public func read(_ gatewayPath: String) -> Result<String, ReadFailure> {
        let text: String
        do {
            text = try FileReader.text(hostPath(gatewayPath), maximumBytes: Self.maximumFileBytes)
        } catch {
            return .failure(ReadFailure(source: gatewayPath, reason: error.errorNumber == ENOENT ? "does not exist" : error.reason))
        }
        return .success(text.contains("\r\n") ? text.replacingOccurrences(of: "\r\n", with: "\n") : text)
    }

    /// A command's output: run now on the live system, or read from `state/<stateFile>`.
    public func output(of command: [String], stateFile: String) -> Result<String, ReadFailure> {
        switch mode {
        case .tree(let root):
            let path = FilePath(root).appending("state").appending(stateFile).string
            do {
                return .success(try FileReader.text(path, maximumBytes: Self.maximumFileBytes))
            } catch {
                return .failure(ReadFailure(source: "state/\(stateFile)", reason: error.errorNumber == ENOENT ? "not in the snapshot" : error.reason))
            }
        case .live:
            return CommandRunner.run(command)
        }
    }
}

/// Runs a read-only command with a time limit, for live collection.
enum CommandRunner {
    static func run(_ command: [String], timeout: TimeInterval = 10) -> Result<String, SystemView.ReadFailure> {
        let display = command.joined(separator: " ")
        guard let executable = command.first.flatMap(locate) else {
            return .failure(.init(source: display, reason: "\(command.first ?? "?") is not installed"))
        }
        let process = Process()
        process.executableURL = URL(fileURLWithPath: executable)
        process.arguments = Array(command.dropFirst())
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        process.standardInput = FileHandle.nullDevice
        do { try process.run() } catch {
            return .failure(.init(source: display, reason: "cannot run: \(error.localizedDescription)"))
        }
        // The pipes are closed here, not left to the Process's release, which the reader of a
        // command that timed out can postpone: a daemon collecting every cycle must not pile up
        // descriptors.
        defer { closeAll(output, errors) }
        // Read the output on another thread so a command that floods its pipe cannot block us,
        // and give up after `timeout`.
        let collected = OutputBox()
        let group = DispatchGroup()
        DispatchQueue.global().async(group: group) {
            collected.data = output.fileHandleForReading.readDataToEndOfFile()
        }
        if group.wait(timeout: .now() + timeout) == .timedOut {
            process.terminate()
            // The reader ends when the command's end of the pipe closes; only then is ours closed.
            if group.wait(timeout: .now() + 2) == .timedOut { kill(process.processIdentifier, SIGKILL) }
            group.wait()
            return .failure(.init(source: display, reason: "timed out after \(Int(timeout)) s"))
        }
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let message = String(decoding: errors.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
                .trimmingCharacters(in: .whitespacesAndNewlines)
            return .failure(.init(source: display, reason: "exited \(process.terminationStatus)" + (message.isEmpty ? "" : ": \(message)")))
        }
        return .success(String(decoding: collected.data, as: UTF8.self))
    }

    private static func closeAll(_ pipes: Pipe...) {
        for pipe in pipes {
            try? pipe.fileHandleForReading.close()
            try? pipe.fileHandleForWriting.close()
        }
    }

    /// Written by the reader thread before the group is left, read after it: no overlap.
    private final class OutputBox: @unchecked Sendable {
        var data = Data()
    }

    static func locate(_ name: String) -> String? {
        if name.hasPrefix("/") { return FileManager.default.isExecutableFile(atPath: name) ? name : nil }
        for directory in ["/usr/sbin", "/usr/bin", "/sbin", "/bin", "/usr/local/sbin", "/usr/local/bin"] {
            let candidate = FilePath(directory).appending(name).string
            if FileManager.default.isExecutableFile(atPath: candidate) { return candidate }
        }
        return nil
    }
}

/// Shell-style path matching: `*` and `?` within one component (fnmatch(3)), `**` across any
/// number of directories (not through symbolic links to directories, so a link loop cannot
/// recurse forever).
enum Glob {
    /// Paths relative to `base` (no leading slash) of regular files matching `pattern`.
    static func matches(_ pattern: String, under base: String) -> [String] {
        let components = pattern.split(separator: "/").map(String.init)
        var results: [FilePath] = []
        walk(components[...], directory: FilePath(base), relative: "", into: &results)
        return results.map(\.string).sorted()
    }

    private static func walk(_ components: ArraySlice<String>, directory: FilePath, relative: FilePath, into results: inout [FilePath]) {
        guard let component = components.first else { return }
        let rest = components.dropFirst()
        let entries = (try? FileManager.default.contentsOfDirectory(atPath: directory.string))?.sorted() ?? []
        if component == "**" {
            walk(rest, directory: directory, relative: relative, into: &results)
            for entry in entries where kind(directory.appending(entry), following: false) == .directory {
                walk(components, directory: directory.appending(entry), relative: relative.appending(entry), into: &results)
            }
            return
        }
        for entry in entries where fnmatch(component, entry, 0) == 0 {
            let path = directory.appending(entry)
            let found = kind(path, following: true)
            if rest.isEmpty {
                if found == .regular { results.append(relative.appending(entry)) }
            } else if found == .directory {
                walk(rest, directory: path, relative: relative.appending(entry), into: &results)
            }
        }
    }

    private static func kind(_ path: FilePath, following: Bool) -> FileKind? {
        var info = stat()
        guard (following ? stat(path.string, &info) : lstat(path.string, &info)) == 0 else { return nil }
        return FileKind(mode: info.st_mode)
    }
}
