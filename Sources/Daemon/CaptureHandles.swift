import AuditPipeline
import Capture
import Foundation

/// Live capture handles kept open across runs. They are opened at start, while the daemon still
/// has CAP_NET_RAW, so capture keeps working after it drops to an unprivileged user. A handle
/// whose interface goes away is closed and reopened at the next run (which succeeds only if the
/// daemon kept CAP_NET_RAW); the failure is reported, never fatal.
final class CaptureHandles: @unchecked Sendable {
    private let lock = NSLock()
    private var handles: [String: PacketSource] = [:]
    private var problems: [String: String] = [:]
    private var filter: String?
    private var stopping = false

    /// Opens every interface it can; returns the problems by interface.
    @discardableResult
    func open(_ interfaces: [String], filter: String?) -> [String: String] {
        lock.withLock {
            if filter != self.filter { handles.removeAll() }
            self.filter = filter
            for name in handles.keys where !interfaces.contains(name) { handles[name] = nil }
            problems = [:]
            for name in interfaces where handles[name] == nil {
                do {
                    handles[name] = try PacketSource.open(interface: name, options: LiveCaptureOptions(filter: filter))
                } catch {
                    problems[name] = "\(error)"
                }
            }
            return problems
        }
    }

    /// The handle for a capture window: buffered packets from between windows are dropped
    /// first, so a window holds only what arrived during it.
    func source(for window: AuditRequest.LiveWindow) throws -> PacketSource {
        try lock.withLock {
            if stopping { throw CaptureError.cannotOpen(source: window.interface, reason: "the daemon is stopping") }
            guard let handle = handles[window.interface] else {
                throw CaptureError.cannotOpen(source: window.interface, reason: problems[window.interface] ?? "not open")
            }
            handle.duration = window.duration
            handle.discardPending()
            return handle
        }
    }

    /// Forgets handles whose capture failed, so the next run opens them again.
    func discard(_ interfaces: [String]) {
        lock.withLock { for name in interfaces { handles[name] = nil } }
    }

    /// Ends every capture window in progress and refuses new ones (graceful shutdown).
    func stopAll() {
        lock.withLock {
            stopping = true
            for handle in handles.values { handle.stop() }
        }
    }

    /// Each interface's state for the status file: "open", or why not.
    func states(_ interfaces: [String]) -> [String: String] {
        lock.withLock {
            Dictionary(uniqueKeysWithValues: interfaces.map { ($0, handles[$0] != nil ? "open" : (problems[$0] ?? "closed")) })
        }
    }
}
