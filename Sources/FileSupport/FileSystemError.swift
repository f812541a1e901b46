#if canImport(Glibc)
import Glibc
#endif

/// Why a file could not be read or written: the path, what was being done, and the reason the
/// system gave (its errno) or the file's own problem (a FIFO where a file is expected, too
/// large). One type for every file operation, so every message names the path the same way.
public struct FileSystemError: Error, Equatable, Sendable, CustomStringConvertible {
    public enum Operation: String, Sendable {
        case inspect = "cannot look at"
        case read = "cannot read"
        case write = "cannot write"
        case createDirectory = "cannot create the directory"
    }

    public enum Problem: Equatable, Sendable {
        /// The system call failed with this errno.
        case system(errno: Int32)
        /// The path exists but is not what the operation needs (a directory, a FIFO, a device...).
        case wrongKind(FileKind, expected: FileKind)
        /// The file is larger than the reader's bound.
        case tooLarge(bytes: Int, limit: Int)
        /// The path ends in `/` or is `.` or `..`: it names a directory, not a file to write.
        case namesADirectory
    }

    public var path: String
    public var operation: Operation
    public var problem: Problem
    /// The directory on the way that could not be made, when it is not `path` itself (the
    /// missing parent of a file being written, say).
    public var directory: String?

    public init(path: String, operation: Operation, problem: Problem, directory: String? = nil) {
        self.path = path
        self.operation = operation
        self.problem = problem
        self.directory = directory
    }

    static func system(_ path: String, _ operation: Operation, _ code: Int32 = Glibc.errno) -> FileSystemError {
        FileSystemError(path: path, operation: operation, problem: .system(errno: code))
    }

    /// The reason alone, for messages that already name the path (and the directory that
    /// could not be made, when that is another).
    public var reason: String {
        guard let directory, directory != path else { return problemText }
        return "cannot create the directory \(directory): \(problemText)"
    }

    private var problemText: String {
        switch problem {
        case .system(let code): String(cString: strerror(code))
        case .wrongKind(.directory, expected: _): "it is a directory, not a regular file"
        case .wrongKind(let kind, expected: .directory): "it is \(kind.withArticle), not a directory"
        case .wrongKind(let kind, expected: _): "it is \(kind.withArticle), not a regular file"
        case .tooLarge(let bytes, let limit): "it is larger (\(bytes) bytes) than the \(limit) bytes this reads"
        case .namesADirectory: "the path names a directory (it ends in '/' or is '.' or '..'); give a file name"
        }
    }

    /// Whether the file system is out of space (or quota): callers say so rather than a bare errno.
    public var isDiskFull: Bool {
        if case .system(let code) = problem { return code == ENOSPC || code == EDQUOT }
        return false
    }

    /// The errno the system gave, when it was a system call that failed.
    public var errorNumber: Int32? {
        if case .system(let code) = problem { return code }
        return nil
    }

    public var description: String {
        if let directory, directory != path { return "\(path): \(reason)" }
        return "\(path): \(operation.rawValue): \(reason)"
    }
}

/// What a path is, from `stat`'s file type.
public enum FileKind: String, Sendable {
    case regular = "regular file"
    case directory
    case symbolicLink = "symbolic link"
    case fifo = "FIFO (named pipe)"
    case characterDevice = "character device"
    case blockDevice = "block device"
    case socket
    case unknown = "special file"

    public init(mode: mode_t) {
        switch mode & S_IFMT {
        case S_IFREG: self = .regular
        case S_IFDIR: self = .directory
        case S_IFLNK: self = .symbolicLink
        case S_IFIFO: self = .fifo
        case S_IFCHR: self = .characterDevice
        case S_IFBLK: self = .blockDevice
        case S_IFSOCK: self = .socket
        default: self = .unknown
        }
    }

    var withArticle: String {
        switch self {
        case .regular, .directory, .symbolicLink, .unknown, .socket: "a \(rawValue)"
        case .fifo: "a FIFO (named pipe)"
        case .characterDevice, .blockDevice: "a \(rawValue)"
        }
    }
}
