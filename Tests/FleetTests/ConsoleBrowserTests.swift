import Foundation
import TestSupport
import XCTest

/// The console driven in headless Chromium against the real server and PostgreSQL, as a person
/// uses it (`Browser/console_walkthrough.py`, Playwright on the system's Chromium): sign in,
/// overview, C5/C6 filter, a finding marked reviewed, Chinese, CSV export; screenshots in both
/// languages checked not to be blank.
final class ConsoleBrowserTests: FleetTestCase, @unchecked Sendable {
    /// The Python that has Playwright (`scripts/setup` makes `.venv-browser`).
    static var python: String? {
        let candidates = [ProcessInfo.processInfo.environment["CIRCUIT_AUDIT_BROWSER_PYTHON"],
                          Corpus.packageRoot.appendingPathComponent(".venv-browser/bin/python").path].compactMap { $0 }
        return candidates.first { FileManager.default.isExecutableFile(atPath: $0) }
    }

    func testAReviewerWalksThroughTheConsoleInBothLanguages() throws {
        guard let python = Self.python, FileManager.default.isExecutableFile(atPath: "/usr/bin/chromium") else {
            if ProcessInfo.processInfo.environment["CI"] == "true" { XCTFail("Playwright or Chromium is missing: scripts/setup installs them") }
            throw XCTSkip("Playwright or Chromium is missing (scripts/setup installs them)")
        }
        let server = try startServer()
        let now = Date()
        for (index, name) in ["shanghai-gw1", "shenzhen-factory"].enumerated() {
            let gateway = try TestGateway(name, in: directory)
            try enroll(gateway, site: index == 0 ? "Shanghai office" : "Shenzhen factory")
            for run in 0..<3 {
                let audit = FleetFixtures.audit(at: now.addingTimeInterval(Double(run - 3) * 86_400), dropping: index + (run == 2 ? 0 : 1))
                XCTAssertEqual(try send(try gateway.bundle(audit, runID: "r\(run)"), to: server).status, 201)
            }
        }
        try addUser("counsel", password: "counsel password 1", role: "reviewer")
        let script = Corpus.packageRoot.appendingPathComponent("Tests/FleetTests/Browser/console_walkthrough.py").path
        let shots = directory.appendingPathComponent("screenshots")
        let result = try ProcessRunner.run(python, [script, server.url, "counsel", "counsel password 1", shots.path], timeout: 300)
        XCTAssertEqual(result.status, 0, "the walkthrough failed at: \(result.stderr.suffix(3000))")
        let report = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(result.stdout.utf8)) as? [String: Any], result.stdout)
        let steps = report["steps"] as? [String] ?? []
        XCTAssertGreaterThanOrEqual(steps.count, 30, "\(steps)")
        for shot in report["screenshots"] as? [String] ?? [] {
            let size = (try? FileManager.default.attributesOfItem(atPath: shot)[.size] as? Int) ?? 0
            XCTAssertGreaterThan(size, 20_000, "\(shot) holds a page")
        }
        XCTAssertEqual(try count("reviews", "reviewer = 'counsel' AND decision = 'reviewed'"), 1)
        XCTAssertGreaterThanOrEqual(try count("access_log", "user_name = 'counsel' AND action = 'export'"), 1)
    }
}
