import CZlib
import Foundation

/// A POSIX ustar archive of regular files, written and read in memory. Written by hand because
/// no maintained Swift tar library is available here; it does only what a bundle needs: plain
/// files with relative names, fixed owner, mode 0600 and a fixed time, so the same contents
/// give the same bytes. Reading refuses links, devices, absolute names, `..`, duplicate names,
/// data after the end marker, and archives past `ArchiveLimits`.
public enum Tar {
    public struct Entry: Sendable, Equatable {
        public var path: String
        public var data: Data

        public init(path: String, data: Data) {
            self.path = path
            self.data = data
        }
    }

    public enum Failure: Error, Equatable, CustomStringConvertible {
        case unsafePath(String)
        case nameTooLong(String)
        case damaged(offset: Int, reason: String)
        case unsupportedEntry(path: String, type: Character)
        case duplicate(String)
        case overLimit(ArchiveLimits.Exceeded)

        public var description: String {
            switch self {
            case .unsafePath(let path): "entry \"\(path)\": absolute names and '..' are refused"
            case .nameTooLong(let path): "entry \"\(path)\": name too long for ustar"
            case .damaged(let offset, let reason): "damaged archive at byte \(offset): \(reason)"
            case .unsupportedEntry(let path, let type): "entry \"\(path)\": type '\(type)' is not a regular file; bundles hold only files"
            case .duplicate(let path): "entry \"\(path)\" appears twice"
            case .overLimit(let exceeded): exceeded.description
            }
        }
    }

    /// A relative path of plain components: no leading `/`, no `.` or `..`, no empty component.
    public static func isSafe(_ path: String) -> Bool {
        guard !path.isEmpty, !path.hasPrefix("/"), !path.contains("\\"), !path.contains("\0") else { return false }
        return path.split(separator: "/", omittingEmptySubsequences: false).allSatisfy { !$0.isEmpty && $0 != "." && $0 != ".." }
    }

    public static func write(_ entries: [Entry], modificationTime: Int = 0) throws(Failure) -> Data {
        var archive = Data()
        for entry in entries {
            guard isSafe(entry.path) else { throw .unsafePath(entry.path) }
            var header = [UInt8](repeating: 0, count: 512)
            let (prefix, name) = try split(entry.path)
            put(name, at: 0, width: 100, in: &header)
            put(octal(0o600, width: 8), at: 100, width: 8, in: &header)
            put(octal(0, width: 8), at: 108, width: 8, in: &header)
            put(octal(0, width: 8), at: 116, width: 8, in: &header)
            put(octal(entry.data.count, width: 12), at: 124, width: 12, in: &header)
            put(octal(modificationTime, width: 12), at: 136, width: 12, in: &header)
            header[156] = UInt8(ascii: "0")
            put("ustar\0", at: 257, width: 6, in: &header)
            put("00", at: 263, width: 2, in: &header)
            put("root", at: 265, width: 32, in: &header)
            put("root", at: 297, width: 32, in: &header)
            put(prefix, at: 345, width: 155, in: &header)
            // The checksum is computed with its own field as spaces.
            for index in 148..<156 { header[index] = 0x20 }
            let sum = header.reduce(0) { $0 + Int($1) }
            put(octal(sum, width: 7) + "\0", at: 148, width: 8, in: &header)
            archive.append(contentsOf: header)
            archive.append(entry.data)
            archive.append(contentsOf: [UInt8](repeating: 0, count: (512 - entry.data.count % 512) % 512))
        }
        archive.append(contentsOf: [UInt8](repeating: 0, count: 1024))
        return archive
    }

    /// The files of an uncompressed archive, within `limits` (members and member size).
    public static func read(_ archive: Data, limits: ArchiveLimits = .standard) throws(Failure) -> [Entry] {
        var reader = Reader(limits: limits)
        archive.withUnsafeBytes { reader.consume($0) }
        return try reader.finish()
    }

    /// The files of a `.tar.gz`, inflated as they are parsed, so nothing beyond the files
    /// themselves is held in memory and every limit is checked as the bytes arrive: a small
    /// gzip bomb stops at `limits.maximumInflatedBytes`, never inflated whole first.
    public static func read(gzip compressed: Data, limits: ArchiveLimits = .standard) throws(ArchiveFailure) -> [Entry] {
        var reader = Reader(limits: limits)
        do {
            try Gzip.inflate(compressed, maximumBytes: limits.maximumInflatedBytes) { chunk in
                reader.consume(chunk)
                return reader.failure == nil
            }
        } catch {
            // A tar failure found first is the better explanation (a link entry, say).
            if let failure = reader.failure { throw .tar(failure) }
            throw .gzip(error)
        }
        do { return try reader.finish() } catch { throw .tar(error) }
    }

    /// A ustar parser fed in chunks of any size. It stops at the first failure and keeps it.
    struct Reader {
        let limits: ArchiveLimits
        private(set) var entries: [Entry] = []
        private(set) var failure: Failure?
        private var seen: Set<String> = []
        private var members = 0
        private var offset = 0
        private var header: [UInt8] = []
        private var state = State.header

        private enum State {
            case header
            /// A member's bytes: `remaining` still to read, then `padding` to the next block.
            case member(path: String?, data: Data, remaining: Int, padding: Int)
            /// After the end-of-archive block: only zero bytes may follow.
            case ended
        }

        init(limits: ArchiveLimits) {
            self.limits = limits
            header.reserveCapacity(512)
        }

        mutating func consume(_ chunk: UnsafeRawBufferPointer) {
            var index = 0
            while index < chunk.count, failure == nil {
                switch state {
                case .header:
                    let take = min(512 - header.count, chunk.count - index)
                    header.append(contentsOf: UnsafeRawBufferPointer(rebasing: chunk[index..<index + take]))
                    index += take
                    if header.count == 512 {
                        do { try startMember() } catch { failure = error }
                        offset += 512
                        header.removeAll(keepingCapacity: true)
                    }
                case .member(let path, var data, var remaining, var padding):
                    let take = min(remaining + padding, chunk.count - index)
                    let dataBytes = min(take, remaining)
                    if path != nil, dataBytes > 0 { data.append(chunk.baseAddress!.assumingMemoryBound(to: UInt8.self) + index, count: dataBytes) }
                    remaining -= dataBytes
                    padding -= take - dataBytes
                    index += take
                    offset += take
                    if remaining == 0, padding == 0 {
                        if let path { entries.append(Entry(path: path, data: data)) }
                        state = .header
                    } else {
                        state = .member(path: path, data: data, remaining: remaining, padding: padding)
                    }
                case .ended:
                    // Bytes after the end marker are covered by no manifest: only padding is allowed.
                    if let nonZero = Self.firstNonZero(chunk, from: index) {
                        failure = .damaged(offset: offset + nonZero - index, reason: "data after the end-of-archive marker")
                    }
                    offset += chunk.count - index
                    index = chunk.count
                }
            }
        }

        private static let zeros = [UInt8](repeating: 0, count: 64 * 1024)

        /// The index of the first byte that is not zero, compared a block at a time (a bomb
        /// of zeros after the end marker is scanned at memcmp's speed).
        private static func firstNonZero(_ chunk: UnsafeRawBufferPointer, from start: Int) -> Int? {
            var index = start
            while index < chunk.count {
                let count = min(zeros.count, chunk.count - index)
                if zeros.withUnsafeBytes({ memcmp(chunk.baseAddress! + index, $0.baseAddress!, count) }) != 0 {
                    return (index..<index + count).first { chunk[$0] != 0 }
                }
                index += count
            }
            return nil
        }

        private mutating func startMember() throws(Failure) {
            if header.allSatisfy({ $0 == 0 }) {
                state = .ended
                return
            }
            let stored = parseOctal(header[148..<156])
            var copy = header
            for index in 148..<156 { copy[index] = 0x20 }
            guard let stored, stored == copy.reduce(0, { $0 + Int($1) }) else { throw .damaged(offset: offset, reason: "header checksum does not match") }
            guard let size = parseOctal(header[124..<136]) else { throw .damaged(offset: offset, reason: "unreadable size") }
            let name = string(header[0..<100]), prefix = string(header[345..<500])
            let path = prefix.isEmpty ? name : prefix + "/" + name
            members += 1
            guard members <= limits.maximumMembers else { throw .overLimit(.members(limit: limits.maximumMembers)) }
            let type = Character(UnicodeScalar(header[156]))
            switch type {
            case "0", "\0":
                guard isSafe(path) else { throw .unsafePath(path) }
                guard size <= limits.maximumMemberBytes else {
                    throw .overLimit(.memberBytes(path: path, bytes: size, limit: limits.maximumMemberBytes))
                }
                guard seen.insert(path).inserted else { throw .duplicate(path) }
                var data = Data()
                data.reserveCapacity(min(size, 1 << 20))
                state = .member(path: path, data: data, remaining: size, padding: (512 - size % 512) % 512)
            case "5":
                guard isSafe(path.hasSuffix("/") ? String(path.dropLast()) : path) else { throw .unsafePath(path) }
                state = .member(path: nil, data: Data(), remaining: size, padding: (512 - size % 512) % 512)
            default:
                throw .unsupportedEntry(path: path, type: type)
            }
            if case .member(let path, let data, 0, 0) = state {
                if let path { entries.append(Entry(path: path, data: data)) }
                state = .header
            }
        }

        /// The entries, once the input has ended; an archive cut short is an error.
        func finish() throws(Failure) -> [Entry] {
            if let failure { throw failure }
            switch state {
            case .ended: return entries
            case .header: throw .damaged(offset: offset, reason: header.isEmpty ? "no end-of-archive marker" : "the archive ends inside a header")
            case .member(let path, _, _, _): throw .damaged(offset: offset, reason: "entry \"\(path ?? "directory")\" runs past the end")
            }
        }
    }

    private static func split(_ path: String) throws(Failure) -> (prefix: String, name: String) {
        let utf8 = Array(path.utf8)
        if utf8.count <= 100 { return ("", path) }
        // Split at a slash so that the prefix fits 155 bytes and the name 100.
        for (index, byte) in utf8.enumerated().reversed() where byte == UInt8(ascii: "/") && index <= 155 && utf8.count - index - 1 <= 100 {
            return (String(decoding: utf8[..<index], as: UTF8.self), String(decoding: utf8[(index + 1)...], as: UTF8.self))
        }
        throw .nameTooLong(path)
    }

    private static func octal(_ value: Int, width: Int) -> String {
        let digits = String(value, radix: 8)
        return String(repeating: "0", count: max(0, width - 1 - digits.count)) + digits
    }

    private static func put(_ text: String, at offset: Int, width: Int, in header: inout [UInt8]) {
        for (index, byte) in text.utf8.prefix(width).enumerated() { header[offset + index] = byte }
    }

    fileprivate static func parseOctal(_ field: ArraySlice<UInt8>) -> Int? {
        let text = String(decoding: field.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? 0 : Int(text, radix: 8)
    }

    fileprivate static func string(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// gzip through the system zlib (RFC 1952), so the bundle opens with `tar xzf` anywhere.
public enum Gzip {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var reason: String
        /// Set when the data was refused for a limit rather than for damage.
        public var exceeded: ArchiveLimits.Exceeded?

        public init(reason: String, exceeded: ArchiveLimits.Exceeded? = nil) {
            self.reason = reason
            self.exceeded = exceeded
        }

        public var description: String { exceeded?.description ?? "gzip: \(reason)" }
    }

    public static func compress(_ data: Data) throws(Failure) -> Data {
        var stream = z_stream()
        // 15 window bits + 16: a gzip header and trailer, with mtime 0 so output is reproducible.
        guard deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(reason: "cannot start deflate")
        }
        defer { deflateEnd(&stream) }
        var output = Data()
        var bytes = [UInt8](data)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        bytes.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { outputBuffer in
                    stream.next_out = outputBuffer.baseAddress
                    stream.avail_out = uInt(outputBuffer.count)
                    status = deflate(&stream, Z_FINISH)
                    output.append(outputBuffer.baseAddress!, count: outputBuffer.count - Int(stream.avail_out))
                }
            } while status == Z_OK
        }
        guard status == Z_STREAM_END else { throw Failure(reason: "zlib error \(status)") }
        return output
    }

    /// The inflated bytes, at most `maximumBytes` of them (default: `ArchiveLimits.standard`).
    public static func decompress(_ data: Data, maximumBytes: Int = ArchiveLimits.standard.maximumInflatedBytes) throws(Failure) -> Data {
        var output = Data()
        try inflate(data, maximumBytes: maximumBytes) { chunk in
            output.append(chunk.baseAddress!.assumingMemoryBound(to: UInt8.self), count: chunk.count)
            return true
        }
        return output
    }

    /// Inflates `data` in 64 KiB pieces handed to `sink` as they come; `sink` returns false to
    /// stop. Past `maximumBytes` it stops with a failure naming the limit, having held no more
    /// than one piece; so a bomb costs a bounded time and no memory. The stream must be one
    /// whole gzip member with nothing after it.
    public static func inflate(_ data: Data, maximumBytes: Int, _ sink: (UnsafeRawBufferPointer) -> Bool) throws(Failure) {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(reason: "cannot start inflate")
        }
        defer { inflateEnd(&stream) }
        var bytes = [UInt8](data)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        var total = 0
        var stopped = false
        var overLimit = false
        bytes.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { outputBuffer in
                    stream.next_out = outputBuffer.baseAddress
                    stream.avail_out = uInt(outputBuffer.count)
                    status = CZlib.inflate(&stream, Z_NO_FLUSH)
                    let produced = outputBuffer.count - Int(stream.avail_out)
                    guard produced > 0 else { return }
                    if produced > maximumBytes - total {
                        overLimit = true
                        return
                    }
                    total += produced
                    if !sink(UnsafeRawBufferPointer(start: outputBuffer.baseAddress, count: produced)) { stopped = true }
                }
            } while status == Z_OK && !overLimit && !stopped && (stream.avail_in > 0 || stream.avail_out == 0)
        }
        if overLimit { throw Failure(reason: "over the limit", exceeded: .inflatedBytes(limit: maximumBytes)) }
        if stopped { throw Failure(reason: "stopped by its reader") }
        guard status == Z_STREAM_END else {
            let message = stream.msg.map { String(cString: $0) } ?? (status == Z_BUF_ERROR || status == Z_OK ? "the data ends early" : "zlib error \(status)")
            throw Failure(reason: message)
        }
        guard stream.avail_in == 0 else { throw Failure(reason: "\(stream.avail_in) bytes after the end of the gzip stream") }
    }
}

/// How much of an archive from elsewhere a reader accepts, so a small hostile bundle cannot
/// take the machine's memory or time: `verify` and a server ingesting bundles read within
/// these bounds, and say which one was passed. The defaults are far above any real bundle
/// (the demo's is about 60 KiB inflated, 70 members) yet cost at most about one GiB.
public struct ArchiveLimits: Sendable, Equatable {
    /// Bytes the gzip stream may inflate to (the whole tar, headers and padding included).
    public var maximumInflatedBytes: Int
    /// Tar members (files and directories).
    public var maximumMembers: Int
    /// Bytes of one file.
    public var maximumMemberBytes: Int

    /// 1 GiB inflated, 100,000 members, 512 MiB per file.
    public static let standard = ArchiveLimits()

    public init(maximumInflatedBytes: Int = 1 << 30, maximumMembers: Int = 100_000, maximumMemberBytes: Int = 512 << 20) {
        self.maximumInflatedBytes = maximumInflatedBytes
        self.maximumMembers = maximumMembers
        self.maximumMemberBytes = maximumMemberBytes
    }

    /// Which limit an archive passed.
    public enum Exceeded: Error, Sendable, Equatable, CustomStringConvertible {
        case inflatedBytes(limit: Int)
        case members(limit: Int)
        case memberBytes(path: String, bytes: Int, limit: Int)

        public var description: String {
            switch self {
            case .inflatedBytes(let limit): "it inflates to more than \(limit) bytes (the limit on inflated size, maximumInflatedBytes); refused as a possible gzip bomb"
            case .members(let limit): "it has more than \(limit) members (the limit on members, maximumMembers)"
            case .memberBytes(let path, let bytes, let limit): "entry \"\(path)\" is \(bytes) bytes, more than \(limit) (the limit on one member, maximumMemberBytes)"
            }
        }
    }
}

/// Why a `.tar.gz` could not be read: its gzip layer, its tar layer, or a limit.
public enum ArchiveFailure: Error, Equatable, CustomStringConvertible {
    case gzip(Gzip.Failure)
    case tar(Tar.Failure)

    /// The limit passed, when that is why the archive was refused.
    public var exceeded: ArchiveLimits.Exceeded? {
        switch self {
        case .gzip(let failure): failure.exceeded
        case .tar(.overLimit(let exceeded)): exceeded
        case .tar: nil
        }
    }

    public var description: String {
        switch self {
        case .gzip(let failure): failure.description
        case .tar(let failure): failure.description
        }
    }
}
