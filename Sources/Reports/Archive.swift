import CZlib
import Foundation

/// A POSIX ustar archive of regular files, written and read in memory. Written by hand because
/// no maintained Swift tar library is available here; it does only what a bundle needs: plain
/// files with relative names, fixed owner, mode 0600 and a fixed time, so the same contents
/// give the same bytes. Reading refuses links, devices, absolute names and `..`.
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

        public var description: String {
            switch self {
            case .unsafePath(let path): "entry \"\(path)\": absolute names and '..' are refused"
            case .nameTooLong(let path): "entry \"\(path)\": name too long for ustar"
            case .damaged(let offset, let reason): "damaged archive at byte \(offset): \(reason)"
            case .unsupportedEntry(let path, let type): "entry \"\(path)\": type '\(type)' is not a regular file; bundles hold only files"
            case .duplicate(let path): "entry \"\(path)\" appears twice"
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

    public static func read(_ archive: Data) throws(Failure) -> [Entry] {
        let bytes = [UInt8](archive)
        var entries: [Entry] = []
        var seen: Set<String> = []
        var offset = 0
        while offset + 512 <= bytes.count {
            let header = Array(bytes[offset..<offset + 512])
            if header.allSatisfy({ $0 == 0 }) { return entries }
            let stored = parseOctal(header[148..<156])
            var copy = header
            for index in 148..<156 { copy[index] = 0x20 }
            guard let stored, stored == copy.reduce(0, { $0 + Int($1) }) else { throw .damaged(offset: offset, reason: "header checksum does not match") }
            guard let size = parseOctal(header[124..<136]) else { throw .damaged(offset: offset, reason: "unreadable size") }
            let name = string(header[0..<100]), prefix = string(header[345..<500])
            let path = prefix.isEmpty ? name : prefix + "/" + name
            let type = Character(UnicodeScalar(header[156]))
            let start = offset + 512
            guard start + size <= bytes.count else { throw .damaged(offset: offset, reason: "entry \"\(path)\" runs past the end") }
            switch type {
            case "0", "\0":
                guard isSafe(path) else { throw .unsafePath(path) }
                guard seen.insert(path).inserted else { throw .duplicate(path) }
                entries.append(Entry(path: path, data: Data(bytes[start..<start + size])))
            case "5":
                guard isSafe(path.hasSuffix("/") ? String(path.dropLast()) : path) else { throw .unsafePath(path) }
            default:
                throw .unsupportedEntry(path: path, type: type)
            }
            offset = start + (size + 511) / 512 * 512
        }
        throw .damaged(offset: offset, reason: "no end-of-archive marker")
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

    private static func parseOctal(_ field: ArraySlice<UInt8>) -> Int? {
        let text = String(decoding: field.prefix { $0 != 0 }, as: UTF8.self).trimmingCharacters(in: .whitespaces)
        return text.isEmpty ? 0 : Int(text, radix: 8)
    }

    private static func string(_ field: ArraySlice<UInt8>) -> String {
        String(decoding: field.prefix { $0 != 0 }, as: UTF8.self)
    }
}

/// gzip through the system zlib (RFC 1952), so the bundle opens with `tar xzf` anywhere.
public enum Gzip {
    public struct Failure: Error, Equatable, CustomStringConvertible {
        public var reason: String
        public var description: String { "gzip: \(reason)" }
    }

    public static func compress(_ data: Data) throws(Failure) -> Data {
        var stream = z_stream()
        // 15 window bits + 16: a gzip header and trailer, with mtime 0 so output is reproducible.
        guard deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(reason: "cannot start deflate")
        }
        defer { deflateEnd(&stream) }
        return try run(&stream, data, finish: Z_FINISH) { deflate($0, $1) }
    }

    public static func decompress(_ data: Data) throws(Failure) -> Data {
        var stream = z_stream()
        guard inflateInit2_(&stream, 15 + 16, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)) == Z_OK else {
            throw Failure(reason: "cannot start inflate")
        }
        defer { inflateEnd(&stream) }
        return try run(&stream, data, finish: Z_NO_FLUSH) { inflate($0, $1) }
    }

    private static func run(_ stream: inout z_stream, _ input: Data, finish: Int32,
                            _ step: (UnsafeMutablePointer<z_stream>, Int32) -> Int32) throws(Failure) -> Data {
        var output = Data()
        var bytes = [UInt8](input)
        var chunk = [UInt8](repeating: 0, count: 64 * 1024)
        var status: Int32 = Z_OK
        bytes.withUnsafeMutableBufferPointer { inputBuffer in
            stream.next_in = inputBuffer.baseAddress
            stream.avail_in = uInt(inputBuffer.count)
            repeat {
                chunk.withUnsafeMutableBufferPointer { outputBuffer in
                    stream.next_out = outputBuffer.baseAddress
                    stream.avail_out = uInt(outputBuffer.count)
                    status = step(&stream, finish)
                    output.append(outputBuffer.baseAddress!, count: outputBuffer.count - Int(stream.avail_out))
                }
            } while status == Z_OK && (stream.avail_in > 0 || stream.avail_out == 0 || finish == Z_FINISH)
        }
        guard status == Z_STREAM_END else {
            let message = stream.msg.map { String(cString: $0) } ?? (status == Z_BUF_ERROR || status == Z_OK ? "the data ends early" : "zlib error \(status)")
            throw Failure(reason: message)
        }
        return output
    }
}
