import Audit
import AuditPipeline
@preconcurrency import Crypto
import FileSupport
import FleetUpload
import Foundation
import History
import Logging
import Reports
import ServiceLifecycle
import UnixSignals

/// Why the daemon could not start.
public enum DaemonError: Error, CustomStringConvertible {
    case cannotPrepare(path: String, reason: String)

    public var description: String {
        switch self {
        case .cannotPrepare(let path, let reason): "\(path): \(reason)"
        }
    }
}

/// Scheduled audits, unattended: at each scheduled time it captures on the configured
/// interfaces, collects the configuration, audits, records the run in the history, writes the
/// reports, raises alerts and updates the status file. SIGHUP reloads the configuration and
/// policies (an invalid one is rejected and the old one kept); graceful shutdown (SIGTERM)
/// ends a capture window early and abandons that run, or lets a write in progress finish.
public final class AuditDaemon: Service, @unchecked Sendable {
    struct Loaded {
        var configuration: DaemonConfiguration
        var rules: AuditRules
    }

    public let configPath: String
    private let defaultPolicies: URL
    private let toolVersion: String
    private let maxRuns: Int?
    private let logger: Logger
    private let handles = CaptureHandles()
    private let lock = NSLock()
    private var loaded: Loaded
    private var status: DaemonStatus
    private var abandonRun = false
    private var runInProgress = false
    /// The key runs are signed with, read while still privileged; and the queue that sends them.
    private var uploadKey: Curve25519.Signing.PrivateKey?
    private var uploadQueue: UploadQueue?

    /// Loads and checks the configuration, policies and organization file; throws on the first
    /// error (a `PolicyError` naming file, line and key).
    public init(configPath: String, defaultPolicies: URL, toolVersion: String, maxRuns: Int? = nil, logger: Logger) throws {
        self.configPath = configPath
        self.defaultPolicies = defaultPolicies
        self.toolVersion = toolVersion
        self.maxRuns = maxRuns
        self.logger = logger
        loaded = try Self.load(configPath, defaultPolicies: defaultPolicies)
        let now = HistoryStore.timestamp(Date())
        status = DaemonStatus(
            state: "starting", pid: getpid(), config: configPath, configLoadedAt: now, startedAt: now, runsCompleted: 0, runsFailed: 0,
            runsAbandoned: 0, interfaces: [:], privileges: PrivilegeState.current())
    }

    static func load(_ path: String, defaultPolicies: URL) throws -> Loaded {
        let configuration = try DaemonConfiguration.load(file: path, defaultPolicies: defaultPolicies)
        let rules = try AuditRules.load(policyDirectory: configuration.policies, ruleOverrides: configuration.rules, organizationPath: configuration.organization)
        return Loaded(configuration: configuration, rules: rules)
    }

    public var configuration: DaemonConfiguration { lock.withLock { loaded.configuration } }

    /// Before the service runs, still privileged: creates the output directory and the history
    /// (0700/0600), opens the capture handles, then drops to the configured user.
    public func prepare() throws {
        let configuration = self.configuration
        var owned: [String] = []
        for directory in Set([configuration.reportDirectory, FilePath(configuration.database).containingDirectory.string,
                              FilePath(configuration.statusFile).containingDirectory.string] + (configuration.upload.map { [$0.spool] } ?? [])) {
            do {
                try Directories.create(directory)
            } catch {
                throw DaemonError.cannotPrepare(path: directory, reason: error.isDiskFull ? "cannot create the directory: the disk is full" : error.reason)
            }
            guard access(directory, W_OK) == 0 else {
                throw DaemonError.cannotPrepare(path: directory, reason: "the directory is not writable (\(String(cString: strerror(errno)))): check its owner, mode and mount")
            }
            owned.append(directory)
        }
        if let upload = configuration.upload {
            do {
                let key = try SigningKeys.loadPrivate(upload.signingKey)
                lock.withLock { uploadKey = key }
            } catch {
                throw DaemonError.cannotPrepare(path: upload.signingKey, reason: "cannot read the key runs are signed with: \(error)")
            }
        }
        _ = try HistoryStore(path: configuration.database)
        owned += [configuration.database, configuration.database + "-wal", configuration.database + "-shm"]
        let problems = handles.open(configuration.interfaces, filter: configuration.captureFilter, fanout: configuration.captureFanout)
        for (interface, problem) in problems.sorted(by: { $0.key < $1.key }) {
            logger.error("capture on \(interface) unavailable: \(problem); runs go on without it")
        }
        if let user = configuration.privileges.user {
            if geteuid() == 0 { try Privileges.handOver(owned, user: user, group: configuration.privileges.group) }
            let state = try Privileges.drop(to: user, group: configuration.privileges.group, keep: configuration.privileges.keepCapabilities)
            logger.notice("running as \(user) (uid \(state.uid)), capabilities kept: \(state.capabilities.isEmpty ? "none" : state.capabilities.joined(separator: ","))")
        }
        updateStatus { status in
            status.privileges = PrivilegeState.current()
            status.interfaces = self.handles.states(configuration.interfaces)
        }
    }

    public func run() async throws {
        var uploader: FleetUploader?
        if let upload = configuration.upload {
            let made = try FleetUploader(configuration: upload.server, logger: logger)
            uploader = made
            lock.withLock { uploadQueue = UploadQueue(spool: Spool(directory: upload.spool), uploader: made, logger: logger) }
        }
        let queue = lock.withLock { uploadQueue }
        await withTaskGroup(of: Void.self) { group in
            group.addTask { await self.watchReloads() }
            // Runs spooled before a restart go first.
            if let queue { group.addTask { await queue.run() } }
            await self.scheduleLoop()
            group.cancelAll()
        }
        // A last attempt for the run just made (a one-shot timer stops right after it); what is
        // not sent stays spooled for the next start.
        if let queue {
            let last = await queue.uploader.drain(queue.spool)
            if let reason = last.unavailable {
                logger.warning("fleet server unavailable at stop: \(last.left) run(s) stay spooled in \(queue.spool.directory): \(reason)")
            }
        }
        await uploader?.shutdown()
    }

    // MARK: - Schedule

    private func scheduleLoop() async {
        var completed = 0
        var next = firstRun(after: Date())
        while !Task.isShuttingDownGracefully && !Task.isCancelled {
            guard let due = next else {
                logger.error("the schedule never fires again; stopping")
                break
            }
            updateStatus { $0.state = "idle"; $0.nextRunAt = HistoryStore.timestamp(due) }
            let delay = due.timeIntervalSinceNow
            if delay > 0 {
                do {
                    try await cancelWhenGracefulShutdown { try await Task.sleep(for: .seconds(delay)) }
                } catch {
                    break
                }
            }
            if Task.isShuttingDownGracefully || Task.isCancelled { break }
            let started = Date()
            await performRun(startedAt: started)
            completed += 1
            if let maxRuns, completed >= maxRuns { break }
            let configuration = self.configuration
            next = configuration.nextRun(after: started)
            // A run longer than the interval: the next starts now, missed ones are not caught up.
            if let due = next, due < Date() {
                if case .interval = configuration.schedule { next = Date() } else { next = configuration.nextRun(after: Date()) }
            }
        }
        updateStatus { $0.state = "stopped"; $0.nextRunAt = nil }
        logger.notice("stopped after \(completed) run(s)")
    }

    private func firstRun(after date: Date) -> Date? {
        let configuration = self.configuration
        if case .interval = configuration.schedule { return date }
        return configuration.nextRun(after: date)
    }

    // MARK: - One run

    /// One scheduled audit. Failures are logged and counted; the daemon goes on.
    func performRun(startedAt started: Date) async {
        let current = lock.withLock { loaded }
        let configuration = current.configuration
        handles.open(configuration.interfaces, filter: configuration.captureFilter, fanout: configuration.captureFanout)
        let interfaceStates = handles.states(configuration.interfaces)
        var warnings: [String] = []
        for interface in configuration.interfaces where interfaceStates[interface] != "open" {
            let message = "\(interface): capture skipped this run: \(interfaceStates[interface] ?? "closed")"
            logger.error("\(message)")
            warnings.append(message)
        }
        let windows = configuration.interfaces.filter { interfaceStates[$0] == "open" }.map {
            AuditRequest.LiveWindow(interface: $0, duration: configuration.captureDuration, filter: configuration.captureFilter,
                                    fanout: configuration.captureFanout)
        }
        updateStatus { $0.state = "running"; $0.interfaces = interfaceStates }
        let request = AuditRequest(
            policyDirectory: configuration.policies, ruleOverrides: configuration.rules, organizationPath: configuration.organization,
            rootPath: configuration.root, captureFiles: configuration.captureFiles, liveWindows: windows,
            geoDatabases: configuration.geoDatabases, asOf: .today, toolVersion: toolVersion, threads: configuration.captureThreads)
        lock.withLock {
            abandonRun = false
            runInProgress = true
        }
        let handles = self.handles
        let rules = current.rules
        let outcome = await withGracefulShutdownHandler {
            await Self.onThread { () -> Result<AuditOutcome, Error> in
                Result { try AuditPipeline.run(request, rules: rules, openLive: { try handles.sources(for: $0) }, now: started) }
            }
        } onGracefulShutdown: {
            self.lock.withLock { self.abandonRun = true }
            // A window may be just about to start as the signal comes: stop until the run returns.
            Thread.detachNewThread {
                repeat {
                    handles.stopAll()
                    usleep(50_000)
                } while self.lock.withLock({ self.runInProgress })
            }
        }
        lock.withLock { runInProgress = false }
        if lock.withLock({ abandonRun }) {
            logger.notice("shutdown requested before the run was written: run abandoned, nothing recorded")
            updateStatus { $0.runsAbandoned += 1 }
            return
        }
        let audit: AuditOutcome
        switch outcome {
        case .success(let value): audit = value
        case .failure(let error): return fail("the audit could not run: \(error)")
        }
        if !audit.failedInterfaces.isEmpty {
            handles.discard(audit.failedInterfaces)
            for warning in audit.captureWarnings {
                logger.error("capture failed: \(warning); the interface is reopened at the next run")
            }
        }
        warnings += audit.captureWarnings
        // The write: history in one transaction, then the reports, then alerts.
        do {
            let store = try HistoryStore(path: configuration.database)
            let previous = try store.runs(limit: 1).last
            let previousCircuits = try previous.map { try store.circuits(run: $0.id) }
            let finished = Date()
            let runID = try store.record(audit.result, startedAt: started, finishedAt: finished, trigger: "schedule")
            if let keep = configuration.keepHistory { try store.prune(keepingNewest: keep) }
            let archive = ReportArchive(directory: configuration.reportDirectory, keep: configuration.keepReports,
                                        formats: configuration.reportFormats, languages: configuration.reportLanguages)
            let reports = try archive.write(audit.result, run: runID, at: started)
            sendToFleet(reports, configuration: configuration, runID: runID, startedAt: started)
            let alerts = Alert.raised(by: audit.result.findings, run: runID, previous: previousCircuits, previousRun: previous?.id,
                                      minSeverity: configuration.alerts.minSeverity)
            let open = audit.result.findings.filter { $0.waiver?.active != true }
            logger.info("run \(runID) recorded: \(audit.result.circuits.count) circuits, \(open.count) open findings, \(alerts.count) alert(s); reports in \(reports)")
            await AlertDispatcher(configuration: configuration.alerts, logger: logger).send(alerts)
            updateStatus { status in
                status.runsCompleted += 1
                status.lastRun = DaemonStatus.LastRun(
                    id: runID, startedAt: HistoryStore.timestamp(started), finishedAt: HistoryStore.timestamp(finished),
                    circuits: audit.result.circuits.count, openFindings: open.count, maxSeverity: open.map(\.severity).max()?.rawValue,
                    reports: reports, alerts: alerts.count, warnings: warnings)
                status.interfaces = handles.states(configuration.interfaces)
            }
        } catch {
            fail("run not recorded: \(error)")
        }
    }

    /// Signs the run's directory as a bundle and spools it for the fleet server; a failure here
    /// is logged and never costs the run (it is already recorded and reported on the gateway).
    private func sendToFleet(_ runDirectory: String, configuration: DaemonConfiguration, runID: Int64, startedAt: Date) {
        guard let upload = configuration.upload else { return }
        let (key, queue) = lock.withLock { (uploadKey, uploadQueue) }
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let id = formatter.string(from: startedAt) + "-" + String(format: "%06lld", runID)
        do {
            let item = try upload.spoolRun(auditDirectory: runDirectory, runID: id, trigger: "schedule", nextRunDue: configuration.nextRun(after: startedAt),
                                           toolVersion: toolVersion, key: key)
            logger.info("run \(id) spooled for \(upload.server.server.absoluteString) (\(item.path))")
            queue?.wake()
        } catch {
            logger.error("run \(id) not spooled for the fleet server: \(error)")
        }
    }

    private func fail(_ message: String) {
        logger.error("\(message)")
        updateStatus { status in
            status.runsFailed += 1
            status.lastError = DaemonStatus.Event(at: HistoryStore.timestamp(Date()), message: message)
        }
    }

    /// The audit is synchronous and can block for a whole capture window: it runs on a thread of
    /// its own so the cooperative pool stays free for signals and timers.
    static func onThread<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await AuditWorker.shared.run(body)
    }

    // MARK: - Reload

    private func watchReloads() async {
        for await _ in await UnixSignalsSequence(trapping: .sighup) {
            reload()
        }
    }

    /// Reads the configuration and policies again; keeps the old ones if either is invalid.
    public func reload() {
        let now = HistoryStore.timestamp(Date())
        do {
            let fresh = try Self.load(configPath, defaultPolicies: defaultPolicies)
            let old = lock.withLock {
                let old = loaded.configuration
                loaded = fresh
                return old
            }
            if old.privileges != fresh.configuration.privileges {
                logger.warning("privileges changed in \(configPath): they take effect at the next restart")
            }
            let problems = handles.open(fresh.configuration.interfaces, filter: fresh.configuration.captureFilter,
                                        fanout: fresh.configuration.captureFanout)
            for (interface, problem) in problems.sorted(by: { $0.key < $1.key }) {
                logger.error("capture on \(interface) unavailable after reload: \(problem)")
            }
            logger.notice("configuration and policies reloaded from \(configPath)")
            updateStatus { status in
                status.configLoadedAt = now
                status.lastReload = DaemonStatus.Event(at: now, message: "reloaded")
                status.interfaces = self.handles.states(fresh.configuration.interfaces)
            }
        } catch {
            logger.error("reload rejected, the previous configuration stays in force: \(error)")
            updateStatus { $0.lastReload = DaemonStatus.Event(at: now, message: "rejected: \(error)") }
        }
    }

    // MARK: - Status

    public var currentStatus: DaemonStatus { lock.withLock { status } }

    private func updateStatus(_ change: (inout DaemonStatus) -> Void) {
        let (snapshot, path) = lock.withLock {
            change(&status)
            return (status, loaded.configuration.statusFile)
        }
        do {
            try snapshot.write(to: path)
        } catch {
            logger.error("\(error)")
        }
    }
}

/// One long-lived thread for every audit. A new thread per run would let glibc hand each run a
/// different malloc arena, and resident memory would creep up run after run (measured: +11 MiB
/// over 300 runs with a thread per run, flat with this one).
final class AuditWorker: @unchecked Sendable {
    static let shared = AuditWorker()

    private let condition = NSCondition()
    private var jobs: [() -> Void] = []

    private init() {
        let thread = Thread { [unowned self] in self.loop() }
        thread.name = "audit"
        thread.stackSize = 8 << 20
        thread.start()
    }

    private func loop() {
        while true {
            condition.lock()
            while jobs.isEmpty { condition.wait() }
            let job = jobs.removeFirst()
            condition.unlock()
            job()
        }
    }

    func run<T: Sendable>(_ body: @escaping @Sendable () -> T) async -> T {
        await withCheckedContinuation { continuation in
            condition.lock()
            jobs.append { continuation.resume(returning: body()) }
            condition.signal()
            condition.unlock()
        }
    }
}
