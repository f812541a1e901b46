import Audit
import Foundation
import History
import Logging
import Policy
#if canImport(FoundationNetworking)
import FoundationNetworking
#endif

/// A finding that is new, or worse than in the previous run, at or above the alert severity.
public struct Alert: Sendable, Encodable {
    public enum Reason: String, Sendable, Encodable {
        /// The circuit had no open finding at this level last run (or is new).
        case new
        /// The circuit's severity rose since the last run.
        case worsened
    }

    public var run: Int64
    public var previousRun: Int64?
    public var reason: Reason
    public var previousSeverity: Severity?
    public var finding: Finding

    enum CodingKeys: String, CodingKey { case run, previousRun = "previous_run", reason, previousSeverity = "previous_severity", finding }

    /// The JSON a command reads on stdin and an HTTP endpoint receives.
    public func json() -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? encoder.encode(self)) ?? Data("{}".utf8)
    }

    /// The alerts a run raises against the previous one: open findings at or above
    /// `minSeverity` whose circuit was absent, below that level, or less severe before.
    public static func raised(by findings: [Finding], run: Int64, previous: [String: CircuitState]?, previousRun: Int64?, minSeverity: Severity) -> [Alert] {
        findings.filter { $0.severity >= minSeverity && $0.waiver?.active != true }.compactMap { finding in
            guard let previous else { return Alert(run: run, previousRun: nil, reason: .new, previousSeverity: nil, finding: finding) }
            guard let before = previous[finding.circuitID], !before.waived, before.severity >= minSeverity else {
                return Alert(run: run, previousRun: previousRun, reason: .new, previousSeverity: previous[finding.circuitID]?.severity, finding: finding)
            }
            guard finding.severity > before.severity else { return nil }
            return Alert(run: run, previousRun: previousRun, reason: .worsened, previousSeverity: before.severity, finding: finding)
        }
    }
}

/// Why an alert did not reach its target (after every retry).
public enum AlertError: Error, Equatable, CustomStringConvertible {
    case commandFailed(command: String, status: Int32)
    case commandTimedOut(command: String, seconds: Double)
    case cannotRun(command: String, reason: String)
    case httpFailed(url: String, attempts: Int, reason: String)

    public var description: String {
        switch self {
        case .commandFailed(let command, let status): "alert command \(command) exited with status \(status)"
        case .commandTimedOut(let command, let seconds): "alert command \(command) did not finish within \(seconds) s and was stopped"
        case .cannotRun(let command, let reason): "alert command \(command) cannot run: \(reason)"
        case .httpFailed(let url, let attempts, let reason): "alert POST to \(url) failed after \(attempts) attempt(s): \(reason)"
        }
    }
}

/// Sends alerts where the configuration says: the log, a command, an HTTP endpoint. A target
/// that fails is logged and does not stop the others or the daemon.
public struct AlertDispatcher: Sendable {
    public var configuration: DaemonConfiguration.Alerts
    public var logger: Logger

    public init(configuration: DaemonConfiguration.Alerts, logger: Logger) {
        self.configuration = configuration
        self.logger = logger
    }

    /// Delivers every alert to every target; returns the failures (already logged).
    @discardableResult
    public func send(_ alerts: [Alert]) async -> [AlertError] {
        var failures: [AlertError] = []
        for alert in alerts {
            if configuration.log {
                logger.warning("alert: \(alert.reason.rawValue) \(alert.finding.severity.rawValue) finding", metadata: [
                    "run": "\(alert.run)", "circuit": "\(alert.finding.circuitID)", "category": "\(alert.finding.category.rawValue)",
                    "rule": "\(alert.finding.rule)", "name": "\(alert.finding.circuitName)",
                    "previous_severity": "\(alert.previousSeverity?.rawValue ?? "none")",
                ])
            }
            if !configuration.command.isEmpty {
                do {
                    try await Self.runCommand(configuration.command, input: alert.json(), timeout: configuration.commandTimeout)
                } catch {
                    logger.error("\(error)")
                    failures.append(error)
                }
            }
            if let http = configuration.http {
                do {
                    try await Self.post(alert.json(), to: http, logger: logger)
                } catch {
                    logger.error("\(error)")
                    failures.append(error)
                }
            }
        }
        return failures
    }

    /// Runs `command` with `input` on its stdin; stops it after `timeout` seconds.
    static func runCommand(_ command: [String], input: Data, timeout: Double) async throws(AlertError) {
        let name = command.joined(separator: " ")
        let process = Process()
        process.executableURL = URL(fileURLWithPath: command[0])
        process.arguments = Array(command.dropFirst())
        let stdin = Pipe()
        process.standardInput = stdin
        process.standardOutput = FileHandle.nullDevice
        process.standardError = FileHandle.standardError
        do {
            try process.run()
        } catch {
            throw .cannotRun(command: name, reason: (error as NSError).localizedDescription)
        }
        // A command that does not read its input must not block us: write, then close.
        signal(SIGPIPE, SIG_IGN)
        try? stdin.fileHandleForWriting.write(contentsOf: input)
        try? stdin.fileHandleForWriting.close()
        let deadline = Date().addingTimeInterval(timeout)
        while process.isRunning {
            if Date() >= deadline {
                process.terminate()
                try? await Task.sleep(for: .milliseconds(200))
                if process.isRunning { kill(process.processIdentifier, SIGKILL) }
                process.waitUntilExit()
                throw .commandTimedOut(command: name, seconds: timeout)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        process.waitUntilExit()
        guard process.terminationReason == .exit, process.terminationStatus == 0 else {
            throw .commandFailed(command: name, status: process.terminationStatus)
        }
    }

    /// One session for the daemon's life: no cookies or cache, no proxy from the environment.
    /// (Invalidating a session per alert hangs in FoundationNetworking on Linux.)
    private static let session: URLSession = {
        let configuration = URLSessionConfiguration.ephemeral
        configuration.connectionProxyDictionary = [:]
        return URLSession(configuration: configuration)
    }()

    /// POSTs `body` as JSON; retries network errors and 5xx/429 answers with exponential
    /// backoff (backoff, 2×backoff, 4×backoff...).
    static func post(_ body: Data, to target: DaemonConfiguration.HTTPTarget, logger: Logger) async throws(AlertError) {
        var request = URLRequest(url: target.url, timeoutInterval: target.timeout)
        request.httpMethod = "POST"
        request.setValue("application/json", forHTTPHeaderField: "Content-Type")
        request.setValue("circuit-audit", forHTTPHeaderField: "User-Agent")
        for (name, value) in target.headers { request.setValue(value, forHTTPHeaderField: name) }
        let session = Self.session
        var reason = ""
        let attempts = target.retries + 1
        for attempt in 1...attempts {
            do {
                let (_, response) = try await session.upload(for: request, from: body)
                let status = (response as? HTTPURLResponse)?.statusCode ?? 0
                if (200..<300).contains(status) { return }
                reason = "HTTP status \(status)"
                // A 4xx other than 408/429 will not get better by asking again.
                if (400..<500).contains(status) && status != 408 && status != 429 {
                    throw AlertError.httpFailed(url: target.url.absoluteString, attempts: attempt, reason: reason)
                }
            } catch let error as AlertError {
                throw error
            } catch {
                reason = (error as NSError).localizedDescription
            }
            if attempt < attempts {
                let delay = target.backoff * pow(2, Double(attempt - 1))
                logger.notice("alert POST to \(target.url.absoluteString) failed (\(reason)); retrying in \(delay) s")
                try? await Task.sleep(for: .seconds(delay))
            }
        }
        throw .httpFailed(url: target.url.absoluteString, attempts: attempts, reason: reason)
    }
}
