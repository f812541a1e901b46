import CPrivileges
import Foundation

/// Why the daemon would not go on with the privileges it has.
public enum PrivilegeError: Error, Equatable, CustomStringConvertible {
    case unknownUser(String)
    case unknownGroup(String)
    case notRoot(user: String)
    case dropFailed(step: String, reason: String)
    case couldRegainRoot(user: String)

    public var description: String {
        switch self {
        case .unknownUser(let name): "privileges.user: no user '\(name)' on this system (create it, e.g. useradd --system \(name))"
        case .unknownGroup(let name): "privileges.group: no group '\(name)' on this system"
        case .notRoot(let user): "privileges.user is '\(user)' but the daemon was not started as root: start it as root (it drops to \(user) once capture handles are open) or remove privileges.user"
        case .dropFailed(let step, let reason): "dropping privileges failed at \(step): \(reason)"
        case .couldRegainRoot(let user): "after dropping to \(user) the process could still become root: refusing to run"
        }
    }
}

/// What the process runs as after `drop`: recorded in the status file.
public struct PrivilegeState: Sendable, Codable, Equatable {
    public var uid: UInt32
    public var gid: UInt32
    public var user: String?
    /// The effective capabilities left, by name (numbers for unnamed ones).
    public var capabilities: [String]
    public var canRegainRoot: Bool

    enum CodingKeys: String, CodingKey { case uid, gid, user, capabilities, canRegainRoot = "can_regain_root" }

    public static func current() -> PrivilegeState {
        let mask = ca_effective_capabilities()
        var names: [String] = []
        if mask != UInt64.max {
            for bit in 0..<64 where mask & (1 << UInt64(bit)) != 0 {
                names.append(DaemonConfiguration.capabilityNumbers.first { $0.value == bit }?.key ?? "cap_\(bit)")
            }
        }
        let uid = getuid()
        return PrivilegeState(uid: uid, gid: getgid(), user: getpwuid(uid).map { String(cString: $0.pointee.pw_name) },
                              capabilities: names.count > 8 ? ["(\(names.count) capabilities)"] : names, canRegainRoot: uid == 0 || geteuid() == 0 || ca_can_regain_root() == 1)
    }
}

/// Least privilege: capture handles are opened as root (CAP_NET_RAW), then the process becomes
/// an ordinary user with no supplementary groups and only the capabilities the configuration
/// keeps, and checks it cannot become root again.
public enum Privileges {
    /// The uid and gid of `user` (and `group`, else the user's own group).
    public static func lookup(user: String, group: String?) throws(PrivilegeError) -> (uid: uid_t, gid: gid_t, home: String) {
        guard let entry = getpwnam(user) else { throw .unknownUser(user) }
        var gid = entry.pointee.pw_gid
        if let group {
            guard let groupEntry = getgrnam(group) else { throw .unknownGroup(group) }
            gid = groupEntry.pointee.gr_gid
        }
        return (entry.pointee.pw_uid, gid, String(cString: entry.pointee.pw_dir))
    }

    /// Gives `paths` (directories and files the daemon writes) to the user it will run as.
    public static func handOver(_ paths: [String], user: String, group: String?) throws(PrivilegeError) {
        let ids = try lookup(user: user, group: group)
        for path in paths where FileManager.default.fileExists(atPath: path) {
            if chown(path, ids.uid, ids.gid) != 0 {
                throw .dropFailed(step: "chown \(path)", reason: String(cString: strerror(errno)))
            }
        }
    }

    /// Becomes `user`; keeps only `keep` capabilities. Irreversible by design.
    public static func drop(to user: String, group: String?, keep: [String]) throws(PrivilegeError) -> PrivilegeState {
        let ids = try lookup(user: user, group: group)
        guard geteuid() == 0 else {
            if getuid() == ids.uid { return PrivilegeState.current() }
            throw .notRoot(user: user)
        }
        var mask: UInt64 = 0
        for name in keep { if let bit = DaemonConfiguration.capabilityNumbers[name] { mask |= 1 << UInt64(bit) } }
        var step: UnsafePointer<CChar>?
        let status = ca_drop_privileges(ids.uid, ids.gid, mask, &step)
        guard status == 0 else {
            throw .dropFailed(step: step.map { String(cString: $0) } ?? "?", reason: String(cString: strerror(status)))
        }
        setenv("HOME", ids.home, 1)
        setenv("USER", user, 1)
        let state = PrivilegeState.current()
        guard !state.canRegainRoot, state.uid == ids.uid, everyThreadDropped(uid: ids.uid, keep: mask) else { throw .couldRegainRoot(user: user) }
        return state
    }

    /// Capabilities are per thread: checks every thread of the process (from /proc) runs as
    /// `uid` with no permitted capability beyond `keep`.
    static func everyThreadDropped(uid: uid_t, keep: UInt64) -> Bool {
        guard let tasks = try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/task") else { return true }
        for task in tasks {
            guard let status = try? String(contentsOfFile: "/proc/self/task/\(task)/status", encoding: .utf8) else { continue }
            for line in status.split(separator: "\n") {
                let fields = line.split(whereSeparator: { $0 == "\t" || $0 == " " })
                if fields.first == "Uid:", fields.dropFirst().contains(where: { UInt32($0) != uid }) { return false }
                if fields.first == "CapPrm:", let mask = fields.dropFirst().first.flatMap({ UInt64($0, radix: 16) }), mask & ~keep != 0 { return false }
            }
        }
        return true
    }
}
