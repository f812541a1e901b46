import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// The one way the tool writes a file: into a temporary file in the same directory, flushed
/// to disk (`fsync`), renamed over the destination, and the directory flushed, so a reader (or a
/// crash, or a full disk) sees the old file or the new one, never half of one. On any failure
/// the temporary file is removed and the destination is untouched.
///
/// The destination must be a regular file or not exist: a directory, a FIFO or a device
/// (`/dev/null`) is refused rather than replaced. A symbolic link is followed, so the file it
/// names is replaced and the link kept. Missing parent directories are created with
/// `directoryMode`.
public enum AtomicFile {
    /// Writes `data` to `path` with `mode` (0600 unless told). With `overwrite: false` an
    /// existing file is an error (`EEXIST`), decided atomically by the file system.
    public static func write(_ data: Data, to path: String, mode: mode_t = 0o600, directoryMode: mode_t = 0o700,
                             overwrite: Bool = true) throws(FileSystemError) {
        let destination = try writableDestination(path)
        let directory = destination.containingDirectory
        try Directories.create(directory.string, mode: directoryMode, reportingAs: path)

        // A short name of our own, so a 255-byte destination name still has room for it.
        var template = Array(directory.appending(".circuit-audit-XXXXXX").string.utf8CString)
        let descriptor = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
        guard descriptor >= 0 else { throw .system(path, .write) }
        _ = fcntl(descriptor, F_SETFD, FD_CLOEXEC)
        let temporary = String(decoding: template.dropLast().map { UInt8(bitPattern: $0) }, as: UTF8.self)
        var isOpen = true
        func fail(_ code: Int32) -> FileSystemError {
            if isOpen { close(descriptor) }
            unlink(temporary)
            return .system(path, .write, code)
        }

        guard fchmod(descriptor, mode) == 0 else { throw fail(errno) }
        let written: Int32? = data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let count = Glibc.write(descriptor, buffer.baseAddress! + offset, min(buffer.count - offset, 1 << 30))
                if count < 0 {
                    if errno == EINTR { continue }
                    return errno
                }
                if count == 0 { return ENOSPC }
                offset += count
            }
            return nil
        }
        if let written { throw fail(written) }
        guard fsync(descriptor) == 0 else { throw fail(errno) }
        isOpen = false
        guard close(descriptor) == 0 else { throw fail(errno) }
        if overwrite {
            guard rename(temporary, destination.string) == 0 else { throw fail(errno) }
        } else {
            // link(2) fails with EEXIST when the destination exists: no window to lose a file in.
            guard link(temporary, destination.string) == 0 else { throw fail(errno) }
            unlink(temporary)
        }
        try Directories.sync(directory.string, reportingAs: path)
    }

    /// The file to replace: `path`, or what its symbolic links lead to. Refuses paths that
    /// name a directory and destinations that are not regular files.
    static func writableDestination(_ path: String) throws(FileSystemError) -> FilePath {
        guard !path.isEmpty else { throw FileSystemError(path: path, operation: .write, problem: .system(errno: ENOENT)) }
        var destination = FilePath(path)
        if path.hasSuffix("/") || destination.lastComponent.map({ $0.kind != .regular }) ?? true {
            throw FileSystemError(path: path, operation: .write, problem: .namesADirectory)
        }
        for _ in 0..<40 {
            var info = stat()
            if lstat(destination.string, &info) != 0 {
                if errno == ENOENT { return destination }
                throw .system(path, .write)
            }
            let kind = FileKind(mode: info.st_mode)
            switch kind {
            case .regular:
                return destination
            case .symbolicLink:
                var buffer = [CChar](repeating: 0, count: Int(PATH_MAX) + 1)
                let count = readlink(destination.string, &buffer, buffer.count - 1)
                guard count >= 0 else { throw .system(path, .write) }
                let target = FilePath(String(decoding: buffer[..<count].map { UInt8(bitPattern: $0) }, as: UTF8.self))
                destination = destination.removingLastComponent().pushing(target)
            default:
                throw FileSystemError(path: path, operation: .write, problem: .wrongKind(kind, expected: .regular))
            }
        }
        throw .system(path, .write, ELOOP)
    }
}

/// Directories as the tool makes them: every missing one on the way created with the mode
/// asked (0700 for audit data), existing ones left as they are.
public enum Directories {
    /// Creates `path` and any missing parent. An existing directory is fine; anything else in
    /// the way (a file, a FIFO) is an error naming it. `reportingAs` is the path the caller's
    /// message names (the file being written), when it is not the directory itself.
    public static func create(_ path: String, mode: mode_t = 0o700, reportingAs reported: String? = nil) throws(FileSystemError) {
        let named = reported ?? path
        func failure(_ directory: FilePath, _ problem: FileSystemError.Problem) -> FileSystemError {
            FileSystemError(path: named, operation: .createDirectory, problem: problem, directory: directory.string)
        }
        let target = FilePath(path)
        var missing: [FilePath] = []
        var current = target
        while !current.isEmpty {
            var info = stat()
            if stat(current.string, &info) == 0 {
                let kind = FileKind(mode: info.st_mode)
                guard kind == .directory else { throw failure(current, .wrongKind(kind, expected: .directory)) }
                break
            }
            guard errno == ENOENT else { throw failure(current, .system(errno: errno)) }
            // A symbolic link to nothing: mkdir would say it exists, and writing in it would fail.
            if lstat(current.string, &info) == 0 { throw failure(current, .wrongKind(.symbolicLink, expected: .directory)) }
            missing.append(current)
            guard current.removeLastComponent() else { break }
        }
        for directory in missing.reversed() {
            if mkdir(directory.string, mode) != 0 {
                if errno == EEXIST { continue }
                throw failure(directory, .system(errno: errno))
            }
            // mkdir's mode passes through the umask; audit data's directories are exactly `mode`.
            chmod(directory.string, mode)
        }
    }

    /// Flushes a directory's entries (a rename in it) to disk. File systems that cannot sync a
    /// directory (EINVAL) are fine; an I/O error is not.
    public static func sync(_ path: String, reportingAs reported: String? = nil) throws(FileSystemError) {
        let descriptor = open(path, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        guard descriptor >= 0 else { return }
        defer { close(descriptor) }
        if fsync(descriptor) != 0, errno != EINVAL, errno != EROFS {
            throw .system(reported ?? path, .write)
        }
    }
}
