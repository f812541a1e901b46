import FileSupport
import Foundation

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

    /// Writes atomically (`AtomicFile`), so a reader never sees half a file.
    public func write(to path: String) throws(StatusFileError) {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        guard let data = try? encoder.encode(self) else { throw StatusFileError(path: path, reason: "cannot encode the status") }
        do {
            try AtomicFile.write(data, to: path)
        } catch {
            throw StatusFileError(path: path, reason: error.reason)
        }
    }

    public static func read(from path: String) throws -> DaemonStatus {
        try JSONDecoder().decode(DaemonStatus.self, from: FileReader.read(path))
    }
}

/// The status file could not be written; the daemon logs it and goes on.
public struct StatusFileError: Error, CustomStringConvertible {
    public var path: String
    public var reason: String

    public var description: String { "\(path): cannot write the status file: \(reason)" }
}
