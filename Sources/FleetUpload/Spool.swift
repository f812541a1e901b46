import FileSupport
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
        do { try Directories.create(path) } catch { throw .cannotWrite(path: path, reason: error.reason) }
    }

    /// Temporary file beside, fsync, rename, directory fsync: a crash leaves the old spool or the new one.
    static func writeDurably(_ data: Data, to path: String) throws(Failure) {
        do { try AtomicFile.write(data, to: path) } catch { throw .cannotWrite(path: path, reason: error.reason) }
    }
}
