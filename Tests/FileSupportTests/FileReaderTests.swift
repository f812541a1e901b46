import FileSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class FileReaderTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("reader-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testAFIFOWithNoWriterIsRefusedAtOnce() throws {
        let fifo = directory + "/fifo"
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let start = Date()
        XCTAssertThrowsError(try FileReader.read(fifo)) { error in
            XCTAssertEqual("\(error)", "\(fifo): cannot read: it is a FIFO (named pipe), not a regular file")
        }
        XCTAssertLessThan(Date().timeIntervalSince(start), 5)
        XCTAssertThrowsError(try FileReader.requireRegularFile(fifo))
    }

    func testDevicesAndDirectoriesAreRefused() throws {
        XCTAssertThrowsError(try FileReader.read("/dev/null")) { error in
            XCTAssertEqual((error as! FileSystemError).problem, .wrongKind(.characterDevice, expected: .regular))
        }
        XCTAssertThrowsError(try FileReader.read(directory)) { error in
            XCTAssertEqual("\(error)", "\(directory): cannot read: it is a directory, not a regular file")
        }
        XCTAssertThrowsError(try FileReader.requireDirectory("/dev/null")) { error in
            XCTAssertEqual("\(error)", "/dev/null: cannot read: it is a character device, not a directory")
        }
    }

    func testAFileOverTheBoundIsAnErrorSayingTheBound() throws {
        let path = directory + "/big"
        FileManager.default.createFile(atPath: path, contents: Data(count: 2000))
        XCTAssertEqual(try FileReader.read(path, maximumBytes: 2000).count, 2000)
        XCTAssertThrowsError(try FileReader.read(path, maximumBytes: 1999)) { error in
            XCTAssertEqual((error as! FileSystemError).problem, .tooLarge(bytes: 2000, limit: 1999))
        }
    }

    func testAMissingFileNamesThePathAndErrno() throws {
        XCTAssertThrowsError(try FileReader.read(directory + "/none")) { error in
            XCTAssertEqual("\(error)", "\(directory)/none: cannot read: No such file or directory")
        }
    }

    func testPathsSplitWithoutTrappingOnShortOrOddForms() {
        XCTAssertEqual(FilePath("k").containingDirectory, ".")
        XCTAssertEqual(FilePath("审").fileName, "审")
        XCTAssertEqual(FilePath("/").containingDirectory, "/")
        XCTAssertEqual(FilePath("/").fileName, "/")
        XCTAssertEqual(FilePath("./x").containingDirectory, ".")
        XCTAssertEqual(FilePath("a/b/").fileName, "b")
        XCTAssertEqual(FilePath("/etc/wireguard/wg0.conf").fileStem, "wg0")
        XCTAssertEqual(FilePath("x").fileStem, "x")
        XCTAssertEqual(FilePath("/a/b").resolving("c"), "/a/b/c")
        XCTAssertEqual(FilePath("/a/b").resolving("/c"), "/c")
        XCTAssertEqual(FilePath("/a/b/../c").absolute, "/a/c")
        XCTAssertTrue(FilePath("k").absolute.isAbsolute)
    }
}
