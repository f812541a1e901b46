import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Reads files the tool is given, with a bound: only a regular file (a FIFO, a device such as
/// `/dev/null` or a directory is refused, so a read never waits forever on a pipe nobody
/// writes), and only up to `maximumBytes`, so a huge file is an error instead of the
/// machine's memory.
public enum FileReader {
    /// The default bound: far above any configuration, findings or key file the tool writes.
    public static let defaultMaximumBytes = 1 << 30

    /// The bytes of the regular file at `path` (symbolic links followed).
    public static func read(_ path: String, maximumBytes: Int = defaultMaximumBytes) throws(FileSystemError) -> Data {
        // O_NONBLOCK: opening a FIFO must not wait for a writer; it is refused just below.
        let descriptor = open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else { throw .system(path, .read) }
        defer { close(descriptor) }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else { throw .system(path, .read) }
        let kind = FileKind(mode: info.st_mode)
        guard kind == .regular else { throw FileSystemError(path: path, operation: .read, problem: .wrongKind(kind, expected: .regular)) }
        let size = Int(info.st_size)
        guard size <= maximumBytes else { throw FileSystemError(path: path, operation: .read, problem: .tooLarge(bytes: size, limit: maximumBytes)) }
        // Read to the end, in case the file grew since fstat, but never past the bound.
        var data = Data(count: size + 1)
        var total = 0
        while true {
            if total == data.count {
                guard data.count <= maximumBytes else {
                    throw FileSystemError(path: path, operation: .read, problem: .tooLarge(bytes: total, limit: maximumBytes))
                }
                data.count = min(data.count * 2, maximumBytes + 1)
            }
            let count = data.withUnsafeMutableBytes { buffer in
                Glibc.read(descriptor, buffer.baseAddress! + total, buffer.count - total)
            }
            if count < 0 {
                if errno == EINTR { continue }
                throw .system(path, .read)
            }
            if count == 0 { break }
            total += count
        }
        data.count = total
        return data
    }

    /// The file's text, invalid UTF-8 replaced.
    public static func text(_ path: String, maximumBytes: Int = defaultMaximumBytes) throws(FileSystemError) -> String {
        String(decoding: try read(path, maximumBytes: maximumBytes), as: UTF8.self)
    }

    /// What `path` is (symbolic links followed), or the error `stat` gave.
    public static func kind(of path: String) throws(FileSystemError) -> FileKind {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .system(path, .inspect) }
        return FileKind(mode: info.st_mode)
    }

    /// Throws unless `path` is a regular file: for files handed to a C library that opens them
    /// itself (SQLite, libmaxminddb, libGeoIP), which would wait on a FIFO or read a device.
    public static func requireRegularFile(_ path: String, operation: FileSystemError.Operation = .read) throws(FileSystemError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .system(path, operation) }
        let kind = FileKind(mode: info.st_mode)
        guard kind == .regular else { throw FileSystemError(path: path, operation: operation, problem: .wrongKind(kind, expected: .regular)) }
    }

    /// Throws unless `path` is a directory that exists.
    public static func requireDirectory(_ path: String) throws(FileSystemError) {
        var info = stat()
        guard stat(path, &info) == 0 else { throw .system(path, .read) }
        let kind = FileKind(mode: info.st_mode)
        guard kind == .directory else { throw FileSystemError(path: path, operation: .read, problem: .wrongKind(kind, expected: .directory)) }
    }
}
