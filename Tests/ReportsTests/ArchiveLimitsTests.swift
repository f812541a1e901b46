import CZlib
@preconcurrency import Crypto
import Foundation
import Reports
import XCTest
#if canImport(Glibc)
import Glibc
#endif

/// Reading a bundle from elsewhere is bounded: a gzip bomb, too many members, one member too
/// large or a name that climbs out of the bundle is refused, saying which limit or name.
final class ArchiveLimitsTests: XCTestCase {
    /// A gzip stream of `mebibytes` MiB of zeros, built without ever holding them: one MiB of
    /// zeros deflated with a full flush (which resets the compressor) gives the same bytes every
    /// time, so those bytes are repeated, then the stream is ended with the CRC-32 and length
    /// of the whole. zlib checks both when the stream is read to its end.
    static func zeroBomb(mebibytes: Int) throws -> Data {
        var stream = z_stream()
        XCTAssertEqual(deflateInit2_(&stream, Z_BEST_COMPRESSION, Z_DEFLATED, 15 + 16, 9, Z_DEFAULT_STRATEGY, ZLIB_VERSION, Int32(MemoryLayout<z_stream>.size)), Z_OK)
        defer { deflateEnd(&stream) }
        var zeros = [UInt8](repeating: 0, count: 1 << 20)
        func deflated(_ input: inout [UInt8], _ flush: Int32) -> [UInt8] {
            var output: [UInt8] = []
            var buffer = [UInt8](repeating: 0, count: 1 << 16)
            input.withUnsafeMutableBufferPointer { inputBuffer in
                stream.next_in = inputBuffer.baseAddress
                stream.avail_in = uInt(inputBuffer.count)
                repeat {
                    buffer.withUnsafeMutableBufferPointer { outputBuffer in
                        stream.next_out = outputBuffer.baseAddress
                        stream.avail_out = uInt(outputBuffer.count)
                        _ = deflate(&stream, flush)
                        output += outputBuffer[..<(outputBuffer.count - Int(stream.avail_out))]
                    }
                } while stream.avail_out == 0 || stream.avail_in > 0
            }
            return output
        }
        let first = deflated(&zeros, Z_FULL_FLUSH)
        let repeated = deflated(&zeros, Z_FULL_FLUSH)
        XCTAssertEqual(deflated(&zeros, Z_FULL_FLUSH), repeated, "a full flush makes each MiB deflate alike")
        var bomb = Data(first + repeated + repeated)
        for _ in 3..<mebibytes { bomb.append(contentsOf: repeated) }
        var none: [UInt8] = []
        let end = deflated(&none, Z_FINISH)
        bomb.append(contentsOf: end.dropLast(8))
        let blockCRC = zeros.withUnsafeBufferPointer { crc32(0, $0.baseAddress, uInt($0.count)) }
        var crc = crc32(0, nil, 0)
        for _ in 0..<mebibytes { crc = crc32_combine(crc, blockCRC, 1 << 20) }
        let length = UInt32(truncatingIfNeeded: mebibytes << 20)
        for value in [UInt32(crc), length] { withUnsafeBytes(of: value.littleEndian) { bomb.append(contentsOf: $0) } }
        return bomb
    }

    /// An archive with one empty file of each name, the header written by hand so any name —
    /// `..`, absolute — can be tried; `prefix` fills ustar's prefix field.
    static func archive(named names: [(prefix: String, name: String)]) -> Data {
        var archive = Data()
        for (prefix, name) in names {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, _ offset: Int) { for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte } }
            put(name, 0); put("0000600", 100); put("0000000", 108); put("0000000", 116); put("00000000000", 124); put("00000000000", 136)
            header[156] = UInt8(ascii: "0")
            put("ustar", 257); put("00", 263); put(prefix, 345)
            for index in 148..<156 { header[index] = 0x20 }
            let sum = String(header.reduce(0) { $0 + Int($1) }, radix: 8)
            put(String(repeating: "0", count: 6 - sum.count) + sum + "\0 ", 148)
            archive.append(contentsOf: header)
        }
        archive.append(Data(count: 1024))
        return archive
    }

    private func peakResidentBytes() -> Int {
        var usage = rusage()
        getrusage(RUSAGE_SELF.rawValue, &usage)
        return usage.ru_maxrss * 1024
    }

    func testTheBombBuilderMakesAValidGzipOfZeros() throws {
        let small = try Self.zeroBomb(mebibytes: 8)
        let inflated = try Gzip.decompress(small, maximumBytes: 16 << 20)
        XCTAssertEqual(inflated.count, 8 << 20, "zlib accepted the CRC and length: the stream is whole")
        XCTAssertTrue(inflated.allSatisfy { $0 == 0 })
    }

    func testATenMegabyteBombOfTenGigabytesIsRefusedAtTheInflatedLimitWithoutTakingMemory() throws {
        let bomb = try Self.zeroBomb(mebibytes: 10 * 1024)
        XCTAssertLessThan(bomb.count, 12 << 20, "about 10 MB on the wire")
        XCTAssertGreaterThan(bomb.count, 9 << 20)
        let before = peakResidentBytes()
        XCTAssertThrowsError(try EvidenceBundle.verify(bomb, publicKey: Curve25519.Signing.PrivateKey().publicKey, path: "bomb.tar.gz")) { error in
            XCTAssertEqual(error as? ReportError, .bundleOverLimit(path: "bomb.tar.gz", exceeded: .inflatedBytes(limit: 1 << 30)))
            XCTAssertEqual("\(error)", "bomb.tar.gz: bundle refused: it inflates to more than 1073741824 bytes (the limit on inflated size, maximumInflatedBytes); refused as a possible gzip bomb")
        }
        let grown = peakResidentBytes() - before
        XCTAssertLessThan(grown, 64 << 20, "the bomb was inflated piece by piece, not into memory (peak grew \(grown) bytes)")
        // A stricter reader (a server) stops sooner, and so does plain decompression.
        XCTAssertThrowsError(try Tar.read(gzip: bomb, limits: ArchiveLimits(maximumInflatedBytes: 8 << 20))) { error in
            XCTAssertEqual((error as? ArchiveFailure)?.exceeded, .inflatedBytes(limit: 8 << 20))
        }
        XCTAssertThrowsError(try Gzip.decompress(bomb, maximumBytes: 8 << 20)) { error in
            XCTAssertEqual((error as? Gzip.Failure)?.exceeded, .inflatedBytes(limit: 8 << 20))
        }
    }

    func testATarOf100001MembersIsRefusedAtTheMemberLimit() throws {
        let names = (0...100_000).map { (prefix: "", name: "f\($0)") }
        let bundle = try Gzip.compress(Self.archive(named: names))
        XCTAssertThrowsError(try EvidenceBundle.verify(bundle, publicKey: Curve25519.Signing.PrivateKey().publicKey, path: "many.tar.gz")) { error in
            XCTAssertEqual(error as? ReportError, .bundleOverLimit(path: "many.tar.gz", exceeded: .members(limit: 100_000)))
            XCTAssertTrue("\(error)".contains("more than 100000 members (the limit on members, maximumMembers)"), "\(error)")
        }
    }

    func testTheMemberLimitAllowsExactlyItsCount() throws {
        let limits = ArchiveLimits(maximumMembers: 10)
        let ten = Self.archive(named: (0..<10).map { (prefix: "", name: "f\($0)") })
        XCTAssertEqual(try Tar.read(ten, limits: limits).count, 10)
        let eleven = Self.archive(named: (0..<11).map { (prefix: "", name: "f\($0)") })
        XCTAssertThrowsError(try Tar.read(eleven, limits: limits)) { error in
            XCTAssertEqual(error as? Tar.Failure, .overLimit(.members(limit: 10)))
        }
    }

    func testAMemberOverTheSizeLimitIsRefusedBeforeItsBytesAreRead() throws {
        let archive = try Tar.write([Tar.Entry(path: "reports/big.html", data: Data(count: 1001)), Tar.Entry(path: "small", data: Data(count: 1000))])
        let limits = ArchiveLimits(maximumMemberBytes: 1000)
        XCTAssertThrowsError(try Tar.read(gzip: try Gzip.compress(archive), limits: limits)) { error in
            XCTAssertEqual(error as? ArchiveFailure, .tar(.overLimit(.memberBytes(path: "reports/big.html", bytes: 1001, limit: 1000))))
        }
        XCTAssertEqual(try Tar.read(archive, limits: ArchiveLimits(maximumMemberBytes: 1001)).count, 2)
    }

    func testNamesThatAreAbsoluteOrClimbWithDotDotAreRefusedInNameAndPrefix() throws {
        let key = Curve25519.Signing.PrivateKey().publicKey
        for (prefix, name, path) in [("", "../escape", "../escape"), ("", "/etc/passwd", "/etc/passwd"), ("", "a/../../b", "a/../../b"),
                                     ("..", "x", "../x"), ("/etc", "cron.d", "/etc/cron.d"), ("a/..", "b", "a/../b"), ("", "./x", "./x")] {
            let bundle = try Gzip.compress(Self.archive(named: [(prefix: "", name: "MANIFEST.json"), (prefix: prefix, name: name)]))
            XCTAssertThrowsError(try Tar.read(gzip: bundle), path) { error in
                XCTAssertEqual(error as? ArchiveFailure, .tar(.unsafePath(path)))
            }
            XCTAssertThrowsError(try EvidenceBundle.verify(bundle, publicKey: key, path: "t.tar.gz"), path) { error in
                XCTAssertEqual("\(error)", "t.tar.gz: not a readable evidence bundle: entry \"\(path)\": absolute names and '..' are refused")
            }
        }
    }

    func testBytesHiddenAfterTheEndMarkerOrAfterTheGzipStreamAreRefused() throws {
        var archive = try Tar.write([Tar.Entry(path: "a", data: Data("x".utf8))])
        archive.append(Data("hidden".utf8))
        XCTAssertThrowsError(try Tar.read(gzip: try Gzip.compress(archive))) { error in
            XCTAssertEqual(error as? ArchiveFailure, .tar(.damaged(offset: 2048, reason: "data after the end-of-archive marker")))
        }
        let trailing = try Gzip.compress(try Tar.write([Tar.Entry(path: "a", data: Data())])) + Data("junk".utf8)
        XCTAssertThrowsError(try Tar.read(gzip: trailing)) { error in
            XCTAssertEqual(error as? ArchiveFailure, .gzip(Gzip.Failure(reason: "4 bytes after the end of the gzip stream")))
        }
    }

    func testAnArchiveReadInPiecesOfAnySizeGivesTheSameFiles() throws {
        let entries = [Tar.Entry(path: "a/b.json", data: Data((0..<3000).map { UInt8($0 % 251) })), Tar.Entry(path: "empty", data: Data()),
                       Tar.Entry(path: "c", data: Data(repeating: 9, count: 512))]
        let archive = try Tar.write(entries)
        XCTAssertEqual(try Tar.read(archive), entries)
        XCTAssertEqual(try Tar.read(gzip: try Gzip.compress(archive)), entries)
        XCTAssertThrowsError(try Tar.read(archive.prefix(1500))) { error in
            XCTAssertEqual(error as? Tar.Failure, .damaged(offset: 1500, reason: "entry \"a/b.json\" runs past the end"))
        }
    }
}
