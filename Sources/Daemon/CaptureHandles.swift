import AuditPipeline
import Capture
import Foundation

/// Live capture handles kept open across runs. They are opened at start, while the daemon still
/// has CAP_NET_RAW, so capture keeps working after it drops to an unprivileged user. A handle
/// whose interface goes away is closed and reopened at the next run (which succeeds only if the
/// daemon kept CAP_NET_RAW); the failure is reported, never fatal.
final class CaptureHandles: @unchecked Sendable {
    private let lock = NSLock()
    /// Each interface's handles: one, or the members of its fanout group.
    private var handles: [String: [PacketSource]] = [:]
    private var problems: [String: String] = [:]
    private var filter: String?
    private var fanout = 1
    private var stopping = false

    /// Opens every interface it can (`fanout` handles each, in one PACKET_FANOUT group);
    /// returns the problems by interface.
    @discardableResult
    func open(_ interfaces: [String], filter: String?, fanout: Int = 1) -> [String: String] {
        lock.withLock {
            if filter != self.filter || fanout != self.fanout { handles.removeAll() }
            self.filter = filter
            self.fanout = fanout
            for name in handles.keys where !interfaces.contains(name) { handles[name] = nil }
            problems = [:]
            for name in interfaces where handles[name] == nil {
                do {
                    handles[name] = try FanoutGroup.open(interface: name, options: LiveCaptureOptions(filter: filter), members: fanout)
                } catch {
                    problems[name] = "\(error)"
                }
            }
            return problems
        }
    }

    /// The handle for a capture window: buffered packets from between windows are dropped
    /// first, so a window holds only what arrived during it.
    func sources(for window: AuditRequest.LiveWindow) throws -> [PacketSource] {
        try lock.withLock {
            if stopping { throw CaptureError.cannotOpen(source: window.interface, reason: "the daemon is stopping") }
            guard let group = handles[window.interface] else {
                throw CaptureError.cannotOpen(source: window.interface, reason: problems[window.interface] ?? "not open")
            }
            for handle in group {
                handle.duration = window.duration
                handle.discardPending()
            }
            return group
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
            for group in handles.values { for handle in group { handle.stop() } }
        }
    }

    /// Each interface's state for the status file: "open", or why not.
    func states(_ interfaces: [String]) -> [String: String] {
        lock.withLock {
            Dictionary(uniqueKeysWithValues: interfaces.map { ($0, handles[$0] != nil ? "open" : (problems[$0] ?? "closed")) })
        }
    }
}
