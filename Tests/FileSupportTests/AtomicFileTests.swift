import FileSupport
import Foundation
import XCTest
#if canImport(Glibc)
import Glibc
#endif

final class AtomicFileTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("atomic-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    private func mode(_ path: String) throws -> Int {
        (try FileManager.default.attributesOfItem(atPath: path)[.posixPermissions] as! NSNumber).intValue
    }

    private func entries() throws -> [String] { try FileManager.default.contentsOfDirectory(atPath: directory).sorted() }

    private func inDirectory<T>(_ body: () throws -> T) rethrows -> T {
        let previous = FileManager.default.currentDirectoryPath
        chdir(directory)
        defer { chdir(previous) }
        return try body()
    }

    func testOneCharacterRelativePathIsWrittenInTheCurrentDirectory() throws {
        try inDirectory {
            try AtomicFile.write(Data("k".utf8), to: "k")
            try AtomicFile.write(Data("审".utf8), to: "审")
        }
        XCTAssertEqual(try String(contentsOfFile: directory + "/k", encoding: .utf8), "k")
        XCTAssertEqual(try String(contentsOfFile: directory + "/审", encoding: .utf8), "审")
        XCTAssertEqual(try entries(), ["k", "审"], "no temporary file is left")
    }

    func testReplacedFileIs0600WithTheNewContentsWhateverItsOldMode() throws {
        let path = directory + "/report.md"
        FileManager.default.createFile(atPath: path, contents: Data("old".utf8), attributes: [.posixPermissions: 0o644])
        try AtomicFile.write(Data("new".utf8), to: path)
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "new")
        XCTAssertEqual(try mode(path), 0o600)
    }

    func testMissingParentsAreCreated0700() throws {
        let path = directory + "/a/b/c/file"
        try AtomicFile.write(Data("x".utf8), to: path)
        for sub in ["/a", "/a/b", "/a/b/c"] { XCTAssertEqual(try mode(directory + sub), 0o700, sub) }
        XCTAssertEqual(try mode(path), 0o600)
    }

    func testPathsNamingADirectoryAreRefused() throws {
        for path in [directory + "/new/", directory + "/.", directory + "/..", ".", "..", "/"] {
            XCTAssertThrowsError(try AtomicFile.write(Data(), to: path), path) { error in
                XCTAssertEqual((error as! FileSystemError).problem, .namesADirectory)
                XCTAssertTrue("\(error)".hasPrefix(path + ": cannot write: "), "\(error)")
            }
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/new"))
    }

    func testAnExistingDirectoryFIFOOrDeviceIsRefusedNotReplaced() throws {
        try FileManager.default.createDirectory(atPath: directory + "/dir", withIntermediateDirectories: false)
        XCTAssertEqual(mkfifo(directory + "/fifo", 0o600), 0)
        for (path, kind) in [(directory + "/dir", FileKind.directory), (directory + "/fifo", .fifo), ("/dev/null", .characterDevice)] {
            XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: path), path) { error in
                XCTAssertEqual((error as! FileSystemError).problem, .wrongKind(kind, expected: .regular))
            }
        }
        XCTAssertEqual(try FileReader.kind(of: "/dev/null"), .characterDevice, "/dev/null is still the device")
        XCTAssertEqual(try entries(), ["dir", "fifo"])
    }

    func testASymbolicLinkIsFollowedAndKept() throws {
        let target = directory + "/target", link = directory + "/link"
        FileManager.default.createFile(atPath: target, contents: Data("old".utf8))
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: "target")
        try AtomicFile.write(Data("new".utf8), to: link)
        XCTAssertEqual(try FileManager.default.destinationOfSymbolicLink(atPath: link), "target")
        XCTAssertEqual(try String(contentsOfFile: target, encoding: .utf8), "new")
    }

    func testADanglingLinkCreatesTheFileItNames() throws {
        let link = directory + "/dangling"
        try FileManager.default.createSymbolicLink(atPath: link, withDestinationPath: directory + "/made")
        try AtomicFile.write(Data("x".utf8), to: link)
        XCTAssertEqual(try String(contentsOfFile: directory + "/made", encoding: .utf8), "x")
    }

    func testALinkLoopIsAnErrorNotAHang() throws {
        try FileManager.default.createSymbolicLink(atPath: directory + "/a", withDestinationPath: "b")
        try FileManager.default.createSymbolicLink(atPath: directory + "/b", withDestinationPath: "a")
        XCTAssertThrowsError(try AtomicFile.write(Data(), to: directory + "/a")) { error in
            XCTAssertEqual((error as! FileSystemError).errorNumber, ELOOP)
        }
    }

    func testNamesOf255BytesAreWrittenAndLongerOnesNameThePathAndTheReason() throws {
        let longest = directory + "/" + String(repeating: "a", count: 255)
        try AtomicFile.write(Data("x".utf8), to: longest)
        XCTAssertTrue(FileManager.default.fileExists(atPath: longest))
        let tooLong = directory + "/" + String(repeating: "b", count: 256)
        XCTAssertThrowsError(try AtomicFile.write(Data("x".utf8), to: tooLong)) { error in
            XCTAssertEqual("\(error)", "\(tooLong): cannot write: File name too long")
        }
        XCTAssertEqual(try entries(), [String(repeating: "a", count: 255)])
    }

    func testAParentThatIsAFileIsAnErrorNamingTheFileWritten() throws {
        FileManager.default.createFile(atPath: directory + "/file", contents: Data())
        XCTAssertThrowsError(try AtomicFile.write(Data(), to: directory + "/file/x")) { error in
            let failure = error as! FileSystemError
            XCTAssertEqual(failure.path, directory + "/file/x")
            XCTAssertEqual(failure.errorNumber, ENOTDIR)
        }
    }

    func testAFailedWriteRemovesItsTemporaryFileAndKeepsTheOldContents() throws {
        let path = directory + "/key"
        FileManager.default.createFile(atPath: path, contents: Data("kept".utf8))
        XCTAssertThrowsError(try AtomicFile.write(Data("lost".utf8), to: path, overwrite: false)) { error in
            XCTAssertEqual((error as! FileSystemError).errorNumber, EEXIST)
        }
        XCTAssertEqual(try String(contentsOfFile: path, encoding: .utf8), "kept")
        XCTAssertEqual(try entries(), ["key"])
    }

    func testNoOverwriteCreatesANewFile() throws {
        try AtomicFile.write(Data("x".utf8), to: directory + "/fresh", overwrite: false)
        XCTAssertEqual(try mode(directory + "/fresh"), 0o600)
        XCTAssertEqual(try entries(), ["fresh"])
    }

    func testAFullDiskIsSaidSo() throws {
        let error = FileSystemError(path: "/x", operation: .write, problem: .system(errno: ENOSPC))
        XCTAssertTrue(error.isDiskFull)
        XCTAssertEqual(error.description, "/x: cannot write: No space left on device")
    }
}
