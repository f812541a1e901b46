import FileSupport
import FleetUpload
import Foundation
import Reports
import Policy
import Traffic
import Yams

/// The daemon's configuration file (YAML): when to audit, what to read, where to write, whom to
/// alert and as whom to run. Unknown keys are errors naming file, line and key, as in the
/// policy files, so a typo never silently turns a feature off.
public struct DaemonConfiguration: Sendable, Equatable {
    public enum Schedule: Sendable, Equatable {
        /// Every so many seconds, the first run at start.
        case interval(Double)
        /// At the minutes the expressions name (the first run at the first of them).
        case cron([CronSchedule])
    }

    /// HTTP POST alerts: the finding as JSON, retried with exponential backoff.
    public struct HTTPTarget: Sendable, Equatable {
        public var url: URL
        public var retries: Int
        public var backoff: Double
        public var timeout: Double
        public var headers: [String: String]
    }

    public struct Alerts: Sendable, Equatable {
        /// Findings at or above this severity alert when they are new or worse than last run.
        public var minSeverity: Severity
        public var log: Bool
        /// A program and its arguments, run once per alert with the alert's JSON on stdin.
        public var command: [String]
        public var commandTimeout: Double
        public var http: HTTPTarget?
    }

    public struct Privileges: Sendable, Equatable {
        /// The user (and group) to run as once capture handles are open; nil keeps the current one.
        public var user: String?
        public var group: String?
        /// Capabilities kept after the drop, e.g. CAP_NET_RAW to reopen an interface that came back.
        public var keepCapabilities: [String]
    }

    public var file: String
    public var schedule: Schedule
    public var timeZone: TimeZone
    // What to audit.
    public var policies: URL
    public var rules: URL?
    public var organization: String?
    /// A configuration tree to read instead of the live system.
    public var root: String?
    public var geoDatabases: [String]
    public var captureFiles: [String]
    public var interfaces: [String]
    public var captureDuration: Double
    public var captureFilter: String?
    /// Worker threads for flows and detection (`capture.threads`; default the number of cores).
    public var captureThreads: Int
    /// Capture handles per interface in one PACKET_FANOUT group, each read by its own thread
    /// (`capture.fanout`; default 1).
    public var captureFanout: Int
    // Where results go.
    public var reportDirectory: String
    public var keepReports: Int
    /// Reports written beside `findings.json` in each run's directory, in each language.
    public var reportFormats: [ReportFormat]
    public var reportLanguages: [ReportLanguage]
    /// Runs kept in the history database, newest first; nil keeps every run.
    public var keepHistory: Int?
    public var database: String
    public var statusFile: String
    public var alerts: Alerts
    public var privileges: Privileges
    /// Each run signed and sent to the fleet server (spooled while it cannot be reached).
    public var upload: GatewayUpload?

    static let capabilityNumbers = ["CAP_NET_RAW": 13, "CAP_NET_ADMIN": 12, "CAP_DAC_READ_SEARCH": 2, "CAP_DAC_OVERRIDE": 1, "CAP_SYS_PTRACE": 19]

    /// Reads and checks the file. `defaultPolicies` is the shipped policies directory, used when
    /// the file names none. Relative paths are taken from the file's own directory.
    public static func load(file: String, defaultPolicies: URL) throws -> DaemonConfiguration {
        let text: String
        do {
            text = try FileReader.text(file, maximumBytes: 16 << 20)
        } catch {
            throw PolicyError(file: file, line: 0, key: "", message: "cannot read: \(error.reason)")
        }
        return try parse(text, file: file, defaultPolicies: defaultPolicies)
    }

    public static func parse(_ text: String, file: String, defaultPolicies: URL) throws -> DaemonConfiguration {
        let reader = NodeReader(file: file)
        let root = try NodeReader.compose(text, file: file)
        let top = try reader.mapping(root, "", allowed: ["schedule", "audit", "capture", "output", "alerts", "privileges", "upload"], required: ["schedule", "output"])
        let base = FilePath(file).absolute.containingDirectory
        func path(_ node: Node?, _ key: String) throws -> String? {
            guard let text = try reader.optionalString(node, key) else { return nil }
            return base.resolving(text).lexicallyNormalized().string
        }
        func number(_ node: Node?, _ key: String, default value: Double, minimum: Double) throws -> Double {
            guard let node else { return value }
            guard let number = node.scalar.flatMap({ Double($0.string) }), number.isFinite else { throw reader.error(node, key, "must be a number") }
            guard number >= minimum else { throw reader.error(node, key, "must be at least \(minimum)") }
            return number
        }
        func integer(_ node: Node?, _ key: String, default value: Int, minimum: Int) throws -> Int {
            guard let node else { return value }
            let number = try reader.int(node, key)
            guard number >= minimum else { throw reader.error(node, key, "must be at least \(minimum)") }
            return number
        }

        // schedule
        let scheduleNode = top["schedule"]!
        let schedule = try reader.mapping(scheduleNode, "schedule", allowed: ["interval", "cron", "timezone"])
        let parsedSchedule: Schedule
        switch (schedule["interval"], schedule["cron"]) {
        case (let interval?, nil):
            parsedSchedule = .interval(try number(interval, "schedule.interval", default: 0, minimum: 0.01))
        case (nil, let cron?):
            let texts = cron.sequence != nil ? try reader.strings(cron, "schedule.cron") : [try reader.string(cron, "schedule.cron")]
            guard !texts.isEmpty else { throw reader.error(cron, "schedule.cron", "must name at least one expression") }
            var expressions: [CronSchedule] = []
            for (index, text) in texts.enumerated() {
                do {
                    expressions.append(try CronSchedule(text))
                } catch {
                    throw reader.error(cron.sequence?[index] ?? cron, cron.sequence == nil ? "schedule.cron" : "schedule.cron[\(index)]", error.message)
                }
            }
            parsedSchedule = .cron(expressions)
        case (.some, .some):
            throw reader.error(scheduleNode, "schedule", "give either interval or cron, not both")
        case (nil, nil):
            throw reader.error(scheduleNode, "schedule", "give interval (seconds) or cron (5-field expressions)")
        }
        var timeZone = TimeZone(identifier: "UTC")!
        if let zoneNode = schedule["timezone"] {
            let name = try reader.string(zoneNode, "schedule.timezone")
            guard let zone = TimeZone(identifier: name) else { throw reader.error(zoneNode, "schedule.timezone", "unknown time zone '\(name)'") }
            timeZone = zone
        }

        // audit
        let audit = try top["audit"].map { try reader.mapping($0, "audit", allowed: ["policies", "rules", "organization", "root", "geo_databases", "captures"]) }
        let policies = try path(audit?["policies"], "audit.policies").map(URL.init(fileURLWithPath:)) ?? defaultPolicies
        let rules = try path(audit?["rules"], "audit.rules").map(URL.init(fileURLWithPath:))
        let geo = try reader.strings(audit?["geo_databases"], "audit.geo_databases").map { base.resolving($0).string }
        let captures = try reader.strings(audit?["captures"], "audit.captures").map { base.resolving($0).string }

        // capture
        let capture = try top["capture"].map { try reader.mapping($0, "capture", allowed: ["interfaces", "duration", "filter", "threads", "fanout"]) }
        let interfaces = try reader.strings(capture?["interfaces"], "capture.interfaces")
        let duration = try number(capture?["duration"], "capture.duration", default: 60, minimum: 0.1)

        // output
        let output = try reader.mapping(top["output"]!, "output", allowed: ["directory", "keep", "keep_history", "formats", "languages", "database", "status"],
                                        required: ["directory"])
        let directory = try path(output["directory"], "output.directory")!
        let formats = try reader.strings(output["formats"], "output.formats").enumerated().map { index, name in
            guard let format = ReportFormat(rawValue: name) else {
                throw reader.error(output["formats"]?.sequence?[index], "output.formats[\(index)]",
                                   "unknown report format '\(name)' (available: \(ReportFormat.allCases.map(\.rawValue).joined(separator: ", ")); findings.json is always written)")
            }
            return format
        }
        let languageNames = output["languages"] == nil ? ["en"] : try reader.strings(output["languages"], "output.languages")
        let languages = try languageNames.enumerated().map { index, name in
            guard let language = ReportLanguage(rawValue: name) else {
                throw reader.error(output["languages"]?.sequence?[index], "output.languages[\(index)]",
                                   "unknown language '\(name)' (available: \(ReportLanguage.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            return language
        }

        // alerts
        let alertsNode = try top["alerts"].map { try reader.mapping($0, "alerts", allowed: ["min_severity", "log", "command", "command_timeout", "http"]) }
        var minSeverity = Severity.high
        if let node = alertsNode?["min_severity"] {
            let text = try reader.string(node, "alerts.min_severity")
            guard let severity = Severity(rawValue: text.uppercased()) else {
                throw reader.error(node, "alerts.min_severity", "must be one of \(Severity.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            minSeverity = severity
        }
        var command: [String] = []
        if let node = alertsNode?["command"] {
            command = node.sequence != nil ? try reader.strings(node, "alerts.command") : [try reader.string(node, "alerts.command")]
            guard let program = command.first, program.hasPrefix("/") else { throw reader.error(node, "alerts.command", "the program must be an absolute path") }
        }
        var http: HTTPTarget?
        if let node = alertsNode?["http"] {
            let mapping = try reader.mapping(node, "alerts.http", allowed: ["url", "retries", "backoff", "timeout", "headers"], required: ["url"])
            let text = try reader.string(mapping["url"], "alerts.http.url")
            guard let url = URL(string: text), ["http", "https"].contains(url.scheme?.lowercased() ?? ""), url.host != nil else {
                throw reader.error(mapping["url"], "alerts.http.url", "must be an http:// or https:// URL with a host")
            }
            var headers: [String: String] = [:]
            if let headerNode = mapping["headers"] {
                guard let pairs = headerNode.mapping else { throw reader.error(headerNode, "alerts.http.headers", "must be a mapping of header names to values") }
                for (key, value) in pairs {
                    let name = try reader.string(key, "alerts.http.headers")
                    headers[name] = try reader.string(value, "alerts.http.headers.\(name)")
                }
            }
            http = HTTPTarget(url: url, retries: try integer(mapping["retries"], "alerts.http.retries", default: 5, minimum: 0),
                              backoff: try number(mapping["backoff"], "alerts.http.backoff", default: 1, minimum: 0),
                              timeout: try number(mapping["timeout"], "alerts.http.timeout", default: 10, minimum: 0.1), headers: headers)
        }

        // privileges
        let privilegeNode = try top["privileges"].map { try reader.mapping($0, "privileges", allowed: ["user", "group", "keep_capabilities"]) }
        let keep = try reader.strings(privilegeNode?["keep_capabilities"], "privileges.keep_capabilities").map { $0.uppercased() }
        for (index, name) in keep.enumerated() where capabilityNumbers[name] == nil {
            throw reader.error(privilegeNode?["keep_capabilities"]?.sequence?[index], "privileges.keep_capabilities[\(index)]",
                               "unknown capability '\(name)' (allowed: \(capabilityNumbers.keys.sorted().joined(separator: ", ")))")
        }

        // upload
        var upload: GatewayUpload?
        if let node = top["upload"] {
            let mapping = try reader.mapping(node, "upload", allowed: ["server", "ca", "signing_key", "gateway", "spool", "pseudonymize_key", "timeout", "max_backoff"],
                                             required: ["server", "signing_key"])
            let text = try reader.string(mapping["server"], "upload.server")
            guard let url = URL(string: text), let scheme = url.scheme?.lowercased(), ["http", "https"].contains(scheme), let host = url.host else {
                throw reader.error(mapping["server"], "upload.server", "must be an https:// URL with a host (http:// only to a loopback address)")
            }
            guard scheme == "https" || ["127.0.0.1", "::1", "localhost"].contains(host) else {
                throw reader.error(mapping["server"], "upload.server", "runs leave the gateway over https only; http:// is allowed to a loopback address")
            }
            let gateway = try reader.optionalString(mapping["gateway"], "upload.gateway") ?? ProcessInfo.processInfo.hostName
            guard !gateway.isEmpty, gateway.unicodeScalars.allSatisfy({ CharacterSet.alphanumerics.contains($0) && $0.isASCII || "._-".unicodeScalars.contains($0) }) else {
                throw reader.error(mapping["gateway"], "upload.gateway", "must be letters, digits, '.', '_' or '-' (the name it was enrolled under)")
            }
            upload = GatewayUpload(
                server: UploadConfiguration(server: url, caFile: try path(mapping["ca"], "upload.ca"),
                                            timeout: try number(mapping["timeout"], "upload.timeout", default: 60, minimum: 1),
                                            maxBackoff: try number(mapping["max_backoff"], "upload.max_backoff", default: 600, minimum: 1)),
                gateway: gateway, signingKey: try path(mapping["signing_key"], "upload.signing_key")!,
                spool: try path(mapping["spool"], "upload.spool") ?? directory + "/spool",
                pseudonymizeKey: try path(mapping["pseudonymize_key"], "upload.pseudonymize_key"),
                organization: try path(audit?["organization"], "audit.organization"))
        }

        return DaemonConfiguration(
            file: file, schedule: parsedSchedule, timeZone: timeZone, policies: policies, rules: rules,
            organization: try path(audit?["organization"], "audit.organization"), root: try path(audit?["root"], "audit.root"),
            geoDatabases: geo, captureFiles: captures, interfaces: interfaces, captureDuration: duration,
            captureFilter: try reader.optionalString(capture?["filter"], "capture.filter"),
            captureThreads: try integer(capture?["threads"], "capture.threads", default: TrafficAnalyzer.availableProcessors, minimum: 1),
            captureFanout: try integer(capture?["fanout"], "capture.fanout", default: 1, minimum: 1),
            reportDirectory: directory, keepReports: try integer(output["keep"], "output.keep", default: 30, minimum: 1), reportFormats: formats, reportLanguages: languages,
            keepHistory: try output["keep_history"].map { try integer($0, "output.keep_history", default: 0, minimum: 1) },
            database: try path(output["database"], "output.database") ?? FilePath(directory).appending("history.sqlite").string,
            statusFile: try path(output["status"], "output.status") ?? FilePath(directory).appending("status.json").string,
            alerts: Alerts(minSeverity: minSeverity, log: try reader.bool(alertsNode?["log"], "alerts.log", default: true), command: command,
                           commandTimeout: try number(alertsNode?["command_timeout"], "alerts.command_timeout", default: 30, minimum: 0.1), http: http),
            privileges: Privileges(user: try reader.optionalString(privilegeNode?["user"], "privileges.user"),
                                   group: try reader.optionalString(privilegeNode?["group"], "privileges.group"), keepCapabilities: keep),
            upload: upload)
    }

    /// The next time a run is due after `date` (the previous run's start, or the daemon's start).
    public func nextRun(after date: Date) -> Date? {
        switch schedule {
        case .interval(let seconds): date.addingTimeInterval(seconds)
        case .cron(let expressions): expressions.compactMap { $0.next(after: date, in: timeZone) }.min()
        }
    }
}
