import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// What the daemon is doing and how its runs went, rewritten (atomically, 0600) at every change
/// so monitoring can read one small file instead of parsing logs.
public struct DaemonStatus: Sendable, Codable, Equatable {
    public struct LastRun: Sendable, Codable, Equatable {
        public var id: Int64
        public var startedAt: String
        public var finishedAt: String
        public var circuits: Int
        public var openFindings: Int
        public var maxSeverity: String?
        public var reports: String
        public var alerts: Int
        public var warnings: [String]

        enum CodingKeys: String, CodingKey {
            case id, startedAt = "started_at", finishedAt = "finished_at", circuits, openFindings = "open_findings", maxSeverity = "max_severity",
                 reports, alerts, warnings
        }
    }

    public struct Event: Sendable, Codable, Equatable {
        public var at: String
        public var message: String
    }

    /// starting, idle, running, stopping, stopped.
    public var state: String
    public var pid: Int32
    public var config: String
    public var configLoadedAt: String
    public var startedAt: String
    public var runsCompleted: Int
    public var runsFailed: Int
    public var runsAbandoned: Int
    public var nextRunAt: String?
    public var lastRun: LastRun?
    public var lastError: Event?
    public var lastReload: Event?
    public var interfaces: [String: String]
    public var privileges: PrivilegeState

    enum CodingKeys: String, CodingKey {
        case state, pid, config, configLoadedAt = "config_loaded_at", startedAt = "started_at", runsCompleted = "runs_completed",
             runsFailed = "runs_failed", runsAbandoned = "runs_abandoned", nextRunAt = "next_run_at", lastRun = "last_run",
             lastError = "last_error", lastReload = "last_reload", interfaces, privileges
    }

    /// Writes beside and renames, so a reader never sees half a file.
    public func write(to path: String) throws(StatusFileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { throw StatusFileError(path: path, reason: "cannot encode the status") }
        let temporary = path + ".tmp"
        let descriptor = open(temporary, O_CREAT | O_TRUNC | O_WRONLY | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw StatusFileError(path: path, reason: String(cString: strerror(errno))) }
        let written = data.withUnsafeBytes { Glibc.write(descriptor, $0.baseAddress, $0.count) }
        let writeError = errno
        close(descriptor)
        guard written == data.count else {
            unlink(temporary)
            throw StatusFileError(path: path, reason: written < 0 ? String(cString: strerror(writeError)) : "short write (is the disk full?)")
        }
        if rename(temporary, path) != 0 {
            let renameError = errno
            unlink(temporary)
            throw StatusFileError(path: path, reason: String(cString: strerror(renameError)))
        }
    }

    public static func read(from path: String) throws -> DaemonStatus {
        try JSONDecoder().decode(DaemonStatus.self, from: Data(contentsOf: URL(fileURLWithPath: path)))
    }
}

/// The status file could not be written; the daemon logs it and goes on.
public struct StatusFileError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "\(path): cannot write the status file: \(reason)" }
}
