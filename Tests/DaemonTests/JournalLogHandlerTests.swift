@testable import Daemon
import Logging
import XCTest

/// Log lines as the journal reads them: a syslog priority prefix, no timestamp of our own.
final class JournalLogHandlerTests: XCTestCase {
    func testPrioritiesFollowSyslogLevels() {
        XCTAssertEqual(JournalLogHandler.priority(.error), 3)
        XCTAssertEqual(JournalLogHandler.priority(.warning), 4)
        XCTAssertEqual(JournalLogHandler.priority(.notice), 5)
        XCTAssertEqual(JournalLogHandler.priority(.info), 6)
        XCTAssertEqual(JournalLogHandler.priority(.debug), 7)
        XCTAssertEqual(JournalLogHandler.priority(.critical), 2)
    }

    func testUnderTheJournalLinesStartWithThePriorityElseWithATimestamp() throws {
        let pipe = Pipe()
        let saved = dup(STDERR_FILENO)
        dup2(pipe.fileHandleForWriting.fileDescriptor, STDERR_FILENO)
        var logger = Logger(label: "t") { JournalLogHandler(label: $0, environment: ["JOURNAL_STREAM": "8:1234"]) }
        logger[metadataKey: "run"] = "4"
        logger.error("run not recorded")
        Logger(label: "t") { JournalLogHandler(label: $0, environment: [:]) }.notice("stopped")
        dup2(saved, STDERR_FILENO)
        close(saved)
        try pipe.fileHandleForWriting.close()
        let lines = String(decoding: pipe.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self).split(separator: "\n")
        XCTAssertEqual(lines.first, "<3>error: run not recorded run=4")
        XCTAssertTrue(lines.last?.hasSuffix(" notice: stopped") == true, "\(lines)")
        XCTAssertTrue(lines.last?.hasPrefix("20") == true, "a timestamp first off the journal: \(lines)")
    }
}
