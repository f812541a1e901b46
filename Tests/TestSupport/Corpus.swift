import Foundation

/// The shared corpus of real captures (`../shared/corpus` beside the repository, or
/// `CIRCUIT_AUDIT_CORPUS`). Tests that need it skip when it is absent, except in CI, where its
/// absence is a failure.
public enum Corpus {
    public static var directory: URL? {
        if let path = ProcessInfo.processInfo.environment["CIRCUIT_AUDIT_CORPUS"] {
            return URL(fileURLWithPath: path)
        }
        let candidate = packageRoot.deletingLastPathComponent().appendingPathComponent("shared/corpus")
        return FileManager.default.fileExists(atPath: candidate.appendingPathComponent("labels.jsonl").path) ? candidate : nil
    }

    public static var isRequired: Bool { ProcessInfo.processInfo.environment["CI"] == "true" }

    /// The repository's root, found from this file's location.
    public static var packageRoot: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    /// Capture files in a corpus subdirectory, sorted by name.
    public static func captures(in subdirectory: String) -> [URL] {
        guard let base = directory?.appendingPathComponent(subdirectory),
              let names = try? FileManager.default.contentsOfDirectory(atPath: base.path) else { return [] }
        return names.sorted().map { base.appendingPathComponent($0) }
    }
}
