import Audit
import FileSupport
import Foundation
import Reports

/// Why a run's reports could not be written.
public enum ReportArchiveError: Error, CustomStringConvertible {
    case cannotWrite(path: String, reason: String)
    case diskFull(path: String)

    public var description: String {
        switch self {
        case .cannotWrite(let path, let reason): "\(path): cannot write the run's reports: \(reason)"
        case .diskFull(let path): "\(path): the disk is full: the run's reports were not written (earlier reports are intact)"
        }
    }
}

/// Each run's reports in a directory of their own (`run-000042-20261124T091500Z/`), the last
/// `keep` kept: always `findings.json`, then the configured report formats in each language,
/// written by the `Reports` target exactly as `circuit-audit report` writes them. A run's
/// directory is written under a temporary name and renamed into place, so a reader (or a
/// crash) never meets a half-written one.
public struct ReportArchive: Sendable {
    public var directory: String
    public var keep: Int
    public var formats: [ReportFormat]
    public var languages: [ReportLanguage]

    public init(directory: String, keep: Int, formats: [ReportFormat], languages: [ReportLanguage] = [.en]) {
        self.directory = directory
        self.keep = keep
        self.formats = formats
        self.languages = languages
    }

    static let prefix = "run-"

    /// Writes the run's reports and prunes the oldest beyond `keep`; returns the run's directory.
    public func write(_ result: AuditResult, run: Int64, at date: Date) throws(ReportArchiveError) -> String {
        let manager = FileManager.default
        let formatter = DateFormatter()
        formatter.locale = Locale(identifier: "en_US_POSIX")
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.dateFormat = "yyyyMMdd'T'HHmmss'Z'"
        let name = Self.prefix + String(format: "%06lld", run) + "-" + formatter.string(from: date)
        let base = FilePath(directory)
        let final = base.appending(name).string
        let partial = base.appending(".partial-" + name).string
        do {
            try Directories.create(directory)
            try? manager.removeItem(atPath: partial)
            try Directories.create(partial)
            _ = try result.write(to: partial)
            if !formats.isEmpty { _ = try Reports.write(formats, languages: languages, result: result, to: partial + "/") }
            if rename(partial, final) != 0 { throw FileSystemError(path: final, operation: .write, problem: .system(errno: errno)) }
            try Directories.sync(directory, reportingAs: final)
        } catch {
            try? manager.removeItem(atPath: partial)
            throw Self.classify(error, path: final)
        }
        prune()
        return final
    }

    /// Removes run directories beyond the newest `keep`, and partial ones a crash left.
    public func prune() {
        let manager = FileManager.default
        guard let names = try? manager.contentsOfDirectory(atPath: directory) else { return }
        let runs = names.filter { $0.hasPrefix(Self.prefix) }.sorted()
        for name in runs.dropLast(keep) { try? manager.removeItem(atPath: FilePath(directory).appending(name).string) }
        for name in names where name.hasPrefix(".partial-") { try? manager.removeItem(atPath: FilePath(directory).appending(name).string) }
    }

    /// The run directories kept, oldest first.
    public func runs() -> [String] {
        ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []).filter { $0.hasPrefix(Self.prefix) }.sorted()
    }

    static func classify(_ error: Error, path: String) -> ReportArchiveError {
        if let failure = error as? FileSystemError {
            return failure.isDiskFull || diskIsFull(path) ? .diskFull(path: path) : .cannotWrite(path: path, reason: failure.reason)
        }
        if case .cannotWrite(_, let reason)? = error as? ReportError {
            return diskIsFull(path) ? .diskFull(path: path) : .cannotWrite(path: path, reason: reason)
        }
        let nsError = error as NSError
        let posix = (nsError.domain == NSPOSIXErrorDomain ? nsError.code : (nsError.userInfo[NSUnderlyingErrorKey] as? NSError)?.code) ?? 0
        if posix == Int(ENOSPC) || nsError.code == CocoaError.fileWriteOutOfSpace.rawValue || diskIsFull(path) { return .diskFull(path: path) }
        if posix != 0 { return .cannotWrite(path: path, reason: String(cString: strerror(Int32(posix)))) }
        if access(FilePath(path).containingDirectory.string, W_OK) != 0 { return .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        return .cannotWrite(path: path, reason: nsError.localizedDescription)
    }

    static func diskIsFull(_ path: String) -> Bool {
        var info = statvfs()
        // The nearest directory that exists: the file system the write would have gone to.
        var directory = FilePath(path).absolute.removingLastComponent()
        while !directory.isEmpty, !FileManager.default.fileExists(atPath: directory.string), directory.removeLastComponent() {}
        guard statvfs(directory.isEmpty ? "/" : directory.string, &info) == 0 else { return false }
        return info.f_bavail < 2
    }
}
