import Audit
import Foundation
import GRDB
import History
import Policy
import TestSupport
import XCTest

/// The history database: runs written whole, read back, compared; and its failures.
final class HistoryStoreTests: XCTestCase {
    private func temporaryPath() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("history-\(UUID().uuidString)/history.sqlite").path
    }

    func testRunIsRecordedWithItsCircuitsAndFindingsAndReadBack() throws {
        let path = temporaryPath()
        let store = try HistoryStore(path: path)
        let result = try DemoAudit.result()
        let id = try store.record(result, startedAt: Date(), finishedAt: Date(), trigger: "test")
        let summary = try store.run(id)
        XCTAssertEqual(summary.circuits, result.circuits.count)
        XCTAssertEqual(summary.findings, result.findings.count)
        XCTAssertEqual(summary.maxSeverity, "CRITICAL")
        XCTAssertEqual(try store.circuits(run: id).count, result.findings.count)
        XCTAssertEqual(try store.storedFindings(run: id), result.findings.sorted { $0.circuitID < $1.circuitID })
        let findings = try store.findings(run: id)
        XCTAssertEqual(findings.count, result.findings.count + result.findings.reduce(0) { $0 + $1.flags.count })
        XCTAssertEqual(try store.integrityCheck(), ["ok"])
        XCTAssertEqual(try store.appliedMigrations(), ["v1: runs, circuits, findings"])
        // WAL, 0600, in a 0700 directory.
        let mode = { (path: String) in ((try FileManager.default.attributesOfItem(atPath: path))[.posixPermissions] as! NSNumber).intValue }
        XCTAssertEqual(try mode(path), 0o600)
        XCTAssertEqual(try mode((path as NSString).deletingLastPathComponent), 0o700)
        let journal = try DatabaseQueue(path: path).read { try String.fetchOne($0, sql: "PRAGMA journal_mode") }
        XCTAssertEqual(journal, "wal")
    }

    func testPruningKeepsTheNewestRunsWholeAndDropsWhatOnlyOlderRunsUsed() throws {
        let store = try HistoryStore(path: temporaryPath())
        let seen = try DemoAudit.result(), idle = try DemoAudit.result(withTraffic: false)
        // Two runs of the idle gateway, then three with traffic: the idle runs' documents are
        // theirs alone once pruning keeps the newest three.
        let ids = try [idle, idle, seen, seen, seen].map { try store.record($0, startedAt: Date(), finishedAt: Date(), trigger: "test") }
        XCTAssertEqual(try store.prune(keepingNewest: 3), 2)
        XCTAssertEqual(try store.runs().map(\.id), Array(ids.suffix(3)))
        XCTAssertEqual(try store.storedFindings(run: ids[4]), seen.findings.sorted { $0.circuitID < $1.circuitID })
        XCTAssertThrowsError(try store.run(ids[0]))
        let counts = try DatabaseQueue(path: store.path).read { db in
            (try Int.fetchOne(db, sql: "SELECT count(*) FROM circuits WHERE run_id < ?", arguments: [ids[2]])!,
             try Int.fetchOne(db, sql: "SELECT count(*) FROM documents WHERE sha256 NOT IN (SELECT circuit FROM circuits UNION SELECT finding FROM circuits)")!)
        }
        XCTAssertEqual(counts.0, 0, "the pruned runs' circuits are gone")
        XCTAssertEqual(counts.1, 0, "no stored document is left that no run refers to")
        XCTAssertEqual(try store.prune(keepingNewest: 3), 0, "nothing more to prune")
        XCTAssertEqual(try store.integrityCheck(), ["ok"])
    }

    func testRepeatedCircuitsAndFindingsAreStoredOnce() throws {
        let path = temporaryPath()
        let store = try HistoryStore(path: path)
        let result = try DemoAudit.result()
        try store.record(result, startedAt: Date(), finishedAt: Date(), trigger: "test")
        let documents = { try DatabaseQueue(path: path).read { try Int.fetchOne($0, sql: "SELECT COUNT(*) FROM documents") ?? 0 } }
        let once = try documents()
        XCTAssertEqual(once, result.findings.count * 2, "one circuit and one finding document per circuit")
        for _ in 0..<3 { try store.record(result, startedAt: Date(), finishedAt: Date(), trigger: "test") }
        XCTAssertEqual(try documents(), once, "identical runs share their documents")
        XCTAssertEqual(try store.storedFindings(run: 4), result.findings.sorted { $0.circuitID < $1.circuitID })
    }

    func testQueriesUsersAskAreServedByIndexes() throws {
        let path = temporaryPath()
        _ = try HistoryStore(path: path)
        let plans = try DatabaseQueue(path: path).read { db in
            try [
                "SELECT run_id FROM circuits WHERE circuit_id = 'C-1' ORDER BY run_id",
                "SELECT run_id FROM circuits WHERE category = 'C2_SELF_BUILT_UNAPPROVED'",
                "SELECT * FROM findings WHERE severity_rank >= 3 AND run_id = 5",
                "SELECT run_id FROM findings WHERE rule = 'R-C5-1'",
            ].map { sql in try Row.fetchAll(db, sql: "EXPLAIN QUERY PLAN " + sql).map { $0["detail"] as String }.joined(separator: "; ") }
        }
        for plan in plans { XCTAssertTrue(plan.contains("USING") && !plan.hasPrefix("SCAN circuits") && !plan.hasPrefix("SCAN findings"), plan) }
    }

    func testDiffShowsCircuitsAppearedChangedAndFindingsOpenedAndResolved() throws {
        let store = try HistoryStore(path: temporaryPath())
        let idle = try DemoAudit.result(withTraffic: false)
        let seen = try DemoAudit.result(withTraffic: true)
        let first = try store.record(idle, startedAt: Date(), finishedAt: Date(), trigger: "test")
        let second = try store.record(seen, startedAt: Date(), finishedAt: Date(), trigger: "test")
        let diff = try RunDiff.latest(in: store)
        XCTAssertEqual(diff.from.id, first)
        XCTAssertEqual(diff.to.id, second)
        // Traffic shows circuits the configuration does not have (a laptop's own VPN).
        let appeared = Set(seen.findings.map(\.circuitID)).subtracting(idle.findings.map(\.circuitID))
        XCTAssertFalse(appeared.isEmpty)
        XCTAssertEqual(Set(diff.appeared.map(\.circuitID)), appeared)
        XCTAssertEqual(Set(diff.disappeared.map(\.circuitID)), Set(idle.findings.map(\.circuitID)).subtracting(seen.findings.map(\.circuitID)))
        for change in diff.changed {
            XCTAssertTrue(change.before.category != change.after.category || change.before.flags != change.after.flags || change.before.severity != change.after.severity)
        }
        XCTAssertFalse(diff.opened.isEmpty)
        XCTAssertTrue(diff.opened.contains { appeared.contains($0.circuitID) })
        let text = diff.render()
        XCTAssertTrue(text.contains("circuits appeared (\(appeared.count)):"), text)
        XCTAssertTrue(text.contains("findings opened"), text)
        // The reverse direction resolves what the forward one opened.
        let back = try RunDiff.between(second, first, in: store)
        XCTAssertEqual(Set(back.resolved.map { "\($0.circuitID)\($0.rule)\($0.code)" }), Set(diff.opened.map { "\($0.circuitID)\($0.rule)\($0.code)" }))
        XCTAssertEqual(Set(back.disappeared.map(\.circuitID)), appeared)
        // The same audit twice: no drift.
        let third = try store.record(seen, startedAt: Date(), finishedAt: Date(), trigger: "test")
        XCTAssertTrue(try RunDiff.between(second, third, in: store).isEmpty)
    }

    func testMissingRunsAndMissingHistoryAreClearErrors() throws {
        let path = temporaryPath()
        XCTAssertThrowsError(try HistoryStore(path: path, create: false)) { error in
            XCTAssertEqual(error as? HistoryError, .noHistory(path: path))
        }
        let store = try HistoryStore(path: path)
        XCTAssertThrowsError(try RunDiff.latest(in: store)) { XCTAssertEqual($0 as? HistoryError, .notEnoughRuns(count: 0, path: path)) }
        XCTAssertThrowsError(try store.run(42)) { XCTAssertEqual($0 as? HistoryError, .noSuchRun(id: 42, path: path)) }
    }

    func testNotADatabaseIsReportedAsDamaged() throws {
        let path = temporaryPath()
        try FileManager.default.createDirectory(atPath: (path as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 8192).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try HistoryStore(path: path)) { error in
            guard case .damaged(let reported, _)? = error as? HistoryError else { return XCTFail("\(error)") }
            XCTAssertEqual(reported, path)
        }
    }
}
