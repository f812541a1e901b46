import Daemon
import Foundation
import Reports
import TestSupport
import XCTest

final class ReportArchiveTests: XCTestCase {
    private var directory: String!

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "report-archive-\(UUID().uuidString)"
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testEachRunGetsFindingsAndEveryConfiguredReportInEveryLanguage() throws {
        let archive = ReportArchive(directory: directory, keep: 5, formats: [.html, .csv], languages: [.en, .zh])
        let run = try archive.write(try DemoAudit.result(), run: 7, at: Date(timeIntervalSince1970: 1_795_000_000))
        let files = try FileManager.default.contentsOfDirectory(atPath: run).sorted()
        XCTAssertEqual(files, ["findings.en.csv", "findings.json", "findings.zh.csv", "report.en.html", "report.zh.html"])
        let html = try String(contentsOfFile: run + "/report.zh.html", encoding: .utf8)
        XCTAssertTrue(html.contains("<svg"), "the HTML report is the full report, with its map")
        for file in files {
            let mode = try FileManager.default.attributesOfItem(atPath: run + "/" + file)[.posixPermissions] as? Int
            XCTAssertEqual(mode, 0o600, file)
        }
    }

    func testOnlyTheNewestRunsAreKept() throws {
        let archive = ReportArchive(directory: directory, keep: 2, formats: [])
        let result = try DemoAudit.result(withTraffic: false)
        for run in 1...4 { _ = try archive.write(result, run: Int64(run), at: Date(timeIntervalSince1970: 1_795_000_000 + Double(run))) }
        XCTAssertEqual(archive.runs().map { String($0.prefix(10)) }, ["run-000003", "run-000004"])
        XCTAssertEqual(try FileManager.default.contentsOfDirectory(atPath: directory + "/" + archive.runs()[0]), ["findings.json"])
    }
}
