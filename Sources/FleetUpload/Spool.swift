import Foundation

/// Runs waiting to be sent, one signed bundle a file, on disk so that a restart or a long
/// absence of the server loses nothing. Names begin with the run's time, so the oldest is
/// sent first. A bundle the server refused for good moves to `rejected/` beside a note of why.
public struct Spool: Sendable {
    public enum Failure: Error, CustomStringConvertible, Equatable {
        case cannotWrite(path: String, reason: String)

        public var description: String {
            switch self {
            case .cannotWrite(let path, let reason): "\(path): cannot spool the run: \(reason)"
            }
        }
    }

    public struct Item: Sendable, Equatable {
        public var runID: String
        public var path: String
    }

    public let directory: String
    static let suffix = ".tar.gz"

    public init(directory: String) {
        self.directory = directory
    }

    public var rejectedDirectory: String { directory + "/rejected" }

    /// Writes the bundle of `runID` durably (temporary file, fsync, rename, fsync of the directory).
    @discardableResult
    public func add(_ bundle: Data, runID: String) throws(Failure) -> Item {
        try makeDirectory(directory)
        let path = directory + "/" + runID + Self.suffix
        try Self.writeDurably(bundle, to: path)
        return Item(runID: runID, path: path)
    }

    /// The runs waiting, oldest first.
    public func pending() -> [Item] {
        let names = (try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? []
        return names.filter { $0.hasSuffix(Self.suffix) && !$0.hasPrefix(".") }.sorted().map {
            Item(runID: String($0.dropLast(Self.suffix.count)), path: directory + "/" + $0)
        }
    }

    public func remove(_ item: Item) {
        unlink(item.path)
    }

    /// Moves a bundle the server refused for good aside, with the server's reason.
    public func reject(_ item: Item, reason: String) {
        do {
            try makeDirectory(rejectedDirectory)
            let target = rejectedDirectory + "/" + item.runID + Self.suffix
            try Self.writeDurably(Data((reason + "\n").utf8), to: rejectedDirectory + "/" + item.runID + ".reason")
            if rename(item.path, target) != 0 { unlink(item.path) }
        } catch {
            unlink(item.path)
        }
    }

    private func makeDirectory(_ path: String) throws(Failure) {
        var info = stat()
        if stat(path, &info) == 0 {
            guard info.st_mode & S_IFMT == S_IFDIR else { throw .cannotWrite(path: path, reason: "exists and is not a directory") }
            return
        }
        do {
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true, attributes: [.posixPermissions: 0o700])
        } catch {
            throw .cannotWrite(path: path, reason: (error as NSError).localizedDescription)
        }
    }

    static func writeDurably(_ data: Data, to path: String) throws(Failure) {
        let temporary = path + ".partial"
        let descriptor = open(temporary, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o600)
        guard descriptor >= 0 else { throw .cannotWrite(path: path, reason: String(cString: strerror(errno))) }
        var failure: String?
        data.withUnsafeBytes { buffer in
            var offset = 0
            while offset < buffer.count {
                let written = write(descriptor, buffer.baseAddress! + offset, buffer.count - offset)
                if written < 0 {
                    if errno == EINTR { continue }
                    failure = String(cString: strerror(errno))
                    return
                }
                offset += written
            }
        }
        if failure == nil, fsync(descriptor) != 0 { failure = String(cString: strerror(errno)) }
        close(descriptor)
        if failure == nil, rename(temporary, path) != 0 { failure = String(cString: strerror(errno)) }
        if let failure {
            unlink(temporary)
            throw .cannotWrite(path: path, reason: failure)
        }
        let directory = open((path as NSString).deletingLastPathComponent, O_RDONLY | O_DIRECTORY | O_CLOEXEC)
        if directory >= 0 {
            fsync(directory)
            close(directory)
        }
    }
}
