import FileSupport
import Crypto
import Foundation

/// Copies what the collectors read — files at their gateway paths (also those processes and
/// units name outside the default paths), command outputs under `state/` — into a directory that `inventory --root` can read later, with every secret
/// redacted and a manifest of hashes. Files are written 0600, directories 0700.
public enum Snapshot {
    public struct Manifest: Codable, Sendable, Equatable {
        public var host: String
        public var takenAt: String
        public var toolVersion: String
        public var source: String
        public var files: [FileEntry]
        public var commands: [CommandEntry]

        enum CodingKeys: String, CodingKey {
            case host, takenAt = "taken_at", toolVersion = "tool_version", source, files, commands
        }
    }

    public struct FileEntry: Codable, Sendable, Equatable {
        public var path: String
        public var sha256: String
        public var bytes: Int
    }

    public struct CommandEntry: Codable, Sendable, Equatable {
        public var command: String
        public var stateFile: String
        public var ok: Bool
        public var error: String?

        enum CodingKeys: String, CodingKey { case command, stateFile = "state_file", ok, error }
    }

    public enum Failure: Error, CustomStringConvertible, Equatable {
        case cannotCreate(path: String, reason: String)
        case notEmpty(path: String)

        public var description: String {
            switch self {
            case .cannotCreate(let path, let reason): "\(path): cannot write the snapshot: \(reason)"
            case .notEmpty(let path): "\(path): exists and is not empty; choose a new directory"
            }
        }
    }

    /// Writes the snapshot of `system` into `directory` (created; must be new or empty).
    @discardableResult
    public static func write(
        from system: SystemView, collectors: [any Collector] = CollectorRegistry.all(), to directory: String,
        toolVersion: String, now: Date = Date()
    ) throws(Failure) -> Manifest {
        let manager = FileManager.default
        if let existing = try? manager.contentsOfDirectory(atPath: directory), !existing.isEmpty {
            throw .notEmpty(path: directory)
        }
        try makeDirectory(directory)
        var files: [FileEntry] = []
        var commands: [CommandEntry] = []
        var written = Set<String>()
        for collector in collectors {
            for input in collector.inputs {
                switch input {
                case .files(let pattern):
                    for path in system.files(matching: pattern) where !written.contains(path) {
                        written.insert(path)
                        guard case .success(let text) = system.read(path) else { continue }
                        let redacted = collector.redact(text, input: input, path: path)
                        try writeFile(FilePath(directory).appending(path).string, redacted)
                        files.append(FileEntry(path: path, sha256: sha256(redacted), bytes: redacted.utf8.count))
                    }
                case .command(let command, let stateFile):
                    let display = command.joined(separator: " ")
                    guard !written.contains("state/" + stateFile) else { continue }
                    written.insert("state/" + stateFile)
                    switch system.output(of: command, stateFile: stateFile) {
                    case .success(let text):
                        let redacted = collector.redact(text, input: input, path: "state/" + stateFile)
                        try writeFile(FilePath(directory).appending("state").appending(stateFile).string, redacted)
                        files.append(FileEntry(path: "state/" + stateFile, sha256: sha256(redacted), bytes: redacted.utf8.count))
                        commands.append(CommandEntry(command: display, stateFile: stateFile, ok: true, error: nil))
                    case .failure(let failure):
                        commands.append(CommandEntry(command: display, stateFile: stateFile, ok: false, error: failure.reason))
                    }
                }
            }
        }
        // Configuration files that running processes and enabled units name outside the
        // default paths, copied like the rest so `inventory --root` follows them too. The
        // process list and units are read back from the snapshot just written, so the files
        // copied are those its own process list names.
        let snapshotView = SystemView(.tree(root: directory))
        let naming = collectors.filter { $0 is ProcessCollector || $0 is SystemdUnitCollector }
        let (references, _) = ReferencedConfiguration.references(
            in: naming.flatMap { $0.collect(from: snapshotView).items }, collectors: collectors, system: system)
        for reference in references {
            for path in reference.reader.referencedFiles(reference.path, in: system) where !written.contains(path) {
                written.insert(path)
                guard case .success(let text) = system.read(path) else { continue }
                let redacted = reference.reader.redact(text, input: .files(path), path: path)
                try writeFile(directory + path, redacted)
                files.append(FileEntry(path: path, sha256: sha256(redacted), bytes: redacted.utf8.count))
            }
        }
        let sourceDescription: String
        switch system.mode {
        case .live: sourceDescription = "live system"
        case .tree(let root): sourceDescription = "tree \(root)"
        }
        let formatter = ISO8601DateFormatter()
        let manifest = Manifest(
            host: ProcessInfo.processInfo.hostName, takenAt: formatter.string(from: now), toolVersion: toolVersion,
            source: sourceDescription, files: files.sorted { $0.path < $1.path }, commands: commands)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let data = (try? encoder.encode(manifest)) ?? Data()
        try writeFile(FilePath(directory).appending("manifest.json").string, String(decoding: data, as: UTF8.self) + "\n")
        return manifest
    }

    static func sha256(_ text: String) -> String {
        SHA256.hash(data: Data(text.utf8)).map { String(format: "%02x", $0) }.joined()
    }

    private static func makeDirectory(_ path: String) throws(Failure) {
        do { try Directories.create(path) } catch { throw .cannotCreate(path: error.path, reason: error.reason) }
    }

    private static func writeFile(_ path: String, _ text: String) throws(Failure) {
        do { try AtomicFile.write(Data(text.utf8), to: path) } catch { throw .cannotCreate(path: error.path, reason: error.reason) }
    }
}
