import Foundation
import TestSupport
import XCTest

/// The questions `/api/v1` answers for the fleet, on runs stored by real ingestion.
final class FleetAPITests: FleetTestCase, @unchecked Sendable {
    func json(_ server: ServerProcess, _ path: String) throws -> Any {
        let answer = try HTTP.get(server.url + path)
        XCTAssertEqual(answer.status, 200, "\(path): \(answer.body)")
        return try XCTUnwrap(answer.json, path)
    }

    func testGatewaysAreOkStaleOrNeverByTheirSchedule() throws {
        let server = try startServer()
        let onTime = try TestGateway("on-time", in: directory), late = try TestGateway("late", in: directory), silent = try TestGateway("silent", in: directory)
        for gateway in [onTime, late, silent] { try enroll(gateway) }
        let now = Date()
        XCTAssertEqual(try send(try onTime.bundle(FleetFixtures.audit(at: now), runID: "r1", nextRunDue: now.addingTimeInterval(3600)), to: server).status, 201)
        // Its next run was due ten minutes ago; the server's grace in the tests is 60 s.
        XCTAssertEqual(try send(try late.bundle(FleetFixtures.audit(at: now.addingTimeInterval(-4200)), runID: "r1",
                                                 nextRunDue: now.addingTimeInterval(-600)), to: server).status, 201)
        let gateways = try XCTUnwrap(try json(server, "/api/v1/gateways") as? [[String: Any]])
        let status = Dictionary(uniqueKeysWithValues: gateways.map { ($0["name"] as! String, $0["status"] as! String) })
        XCTAssertEqual(status, ["on-time": "ok", "late": "stale", "silent": "never"])
        XCTAssertNotNil(gateways.first { $0["name"] as? String == "late" }?["stale_since"] as? String)
        XCTAssertEqual(try HTTP.get(server.url + "/api/v1/gateways/nobody").status, 404)
    }

    func testDriftHistoryFiltersAndCountsFollowTheRuns() throws {
        let server = try startServer()
        let gateway = try TestGateway("gw", in: directory)
        try enroll(gateway)
        let start = Date(timeIntervalSinceNow: -7200)
        XCTAssertEqual(try send(try gateway.bundle(FleetFixtures.audit(at: start), runID: "r1"), to: server).status, 201)
        XCTAssertEqual(try send(try gateway.bundle(FleetFixtures.audit(at: start.addingTimeInterval(3600), dropping: 2), runID: "r2"), to: server).status, 201)
        // A spooled older run arriving late is history: the latest stays r2.
        XCTAssertEqual(try send(try gateway.bundle(FleetFixtures.audit(at: start.addingTimeInterval(-3600)), runID: "r0"), to: server).status, 201)

        let drift = try XCTUnwrap(try json(server, "/api/v1/gateways/gw/drift") as? [String: Any])
        XCTAssertEqual((drift["to"] as? [String: Any])?["run_id"] as? String, "r2")
        XCTAssertEqual((drift["from"] as? [String: Any])?["run_id"] as? String, "r1")
        XCTAssertEqual((drift["removed"] as? [[String: Any]])?.count, 2)
        XCTAssertEqual((drift["added"] as? [[String: Any]])?.count, 0)

        let demo = FleetFixtures.demo
        let removed = demo.findings[0].circuitID, kept = demo.findings[2].circuitID
        let history = try XCTUnwrap(try json(server, "/api/v1/gateways/gw/circuits/\(kept)/history") as? [String: Any])
        XCTAssertEqual((history["spans"] as? [[String: Any]])?.first?["runs"] as? Int, 3, "one unchanged span over the three runs")
        XCTAssertNil(history["absent_since"] as? String)
        let gone = try XCTUnwrap(try json(server, "/api/v1/gateways/gw/circuits/\(removed)/history") as? [String: Any])
        XCTAssertNotNil(gone["absent_since"] as? String, "a circuit missing from the latest run says since when")

        let latest = demo.findings.dropFirst(2).filter { $0.waiver?.active != true }
        let c2 = latest.filter { $0.category.rawValue == "C2_SELF_BUILT_UNAPPROVED" }
        let page = try XCTUnwrap(try json(server, "/api/v1/findings?category=C2&limit=1") as? [String: Any])
        XCTAssertEqual(page["total"] as? Int, c2.count)
        XCTAssertEqual((page["items"] as? [[String: Any]])?.count, min(1, c2.count))
        let high = latest.filter { $0.severity >= .high }
        XCTAssertEqual((try json(server, "/api/v1/findings?severity=high") as? [String: Any])?["total"] as? Int, high.count)
        let flagged = latest.filter { $0.flags.contains { $0.flag.rawValue == "F_DATA_EXPORT" } }
        XCTAssertEqual((try json(server, "/api/v1/findings?flag=F_DATA_EXPORT") as? [String: Any])?["total"] as? Int, flagged.count)

        let byCategory = try XCTUnwrap(try json(server, "/api/v1/findings/counts?by=category") as? [[String: Any]])
        XCTAssertEqual(byCategory.map { $0["count"] as! Int }.reduce(0, +), latest.count)
        let byRule = try XCTUnwrap(try json(server, "/api/v1/findings/counts?by=rule") as? [[String: Any]])
        XCTAssertEqual(byRule.map { $0["count"] as! Int }.reduce(0, +), latest.map { 1 + $0.flags.count }.reduce(0, +))
        XCTAssertEqual(try HTTP.get(server.url + "/api/v1/findings/counts?by=colour").status, 400)
        XCTAssertEqual(try HTTP.get(server.url + "/api/v1/findings?category=C42").status, 400)

        let finding = try XCTUnwrap(try json(server, "/api/v1/gateways/gw/circuits/\(kept)") as? [String: Any])
        XCTAssertEqual(finding["circuit_id"] as? String, kept)
        XCTAssertNotNil(finding["trace"], "the finding as the gateway wrote it, with its trace")
        XCTAssertEqual((try json(server, "/api/v1/gateways/gw/runs") as? [String: Any])?["total"] as? Int, 3)
    }

    func testFleetExportsAreCSVTheJSONReportAndValidOSCALWithOneSubjectPerGateway() throws {
        let server = try startServer()
        for name in ["gw-a", "gw-b"] {
            let gateway = try TestGateway(name, in: directory)
            try enroll(gateway, site: "site of \(name)")
            XCTAssertEqual(try send(try gateway.bundle(FleetFixtures.audit(at: Date()), runID: "r1"), to: server).status, 201)
        }
        let csv = try HTTP.get(server.url + "/api/v1/export?format=csv&lang=zh")
        XCTAssertEqual(csv.status, 200)
        let lines = csv.body.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        XCTAssertTrue(lines[0].hasPrefix("网关,站点,"), lines[0])
        XCTAssertTrue(lines.contains { $0.hasPrefix("gw-b,site of gw-b,") })

        let report = try XCTUnwrap(try json(server, "/api/v1/export?format=json") as? [String: Any])
        XCTAssertEqual((report["gateways"] as? [[String: Any]])?.count, 2)

        let oscal = try HTTP.get(server.url + "/api/v1/export?format=oscal")
        XCTAssertEqual(oscal.status, 200)
        let file = directory.appendingPathComponent("fleet.oscal.json")
        try oscal.body.write(to: file, atomically: true, encoding: .utf8)
        let check = try ProcessRunner.run(Corpus.packageRoot.appendingPathComponent("scripts/validate-oscal").path, [file.path])
        XCTAssertEqual(check.status, 0, check.stdout + check.stderr)
        let results = try XCTUnwrap(((try JSONSerialization.jsonObject(with: Data(oscal.body.utf8)) as? [String: Any])?["assessment-results"] as? [String: Any])?["results"] as? [[String: Any]])
        XCTAssertEqual(results.count, 2, "one result per gateway")
        XCTAssertEqual(try HTTP.get(server.url + "/api/v1/export?format=html").status, 400)
    }

    /// Runs share documents (two gateways' identical reports are stored once): retention must
    /// never collect a document that a run being stored at that moment is about to use. Old runs
    /// arriving late, each pruned within a second, while other gateways send the same documents.
    func testRunsStoredWhileRetentionCollectsSharedDocumentsAllArriveWhole() throws {
        let server = try startServer(extra: "retention: {days: 1, every: 1}\n")
        let gateways = try (0..<6).map { try TestGateway("gw\($0)", in: directory) }
        for gateway in gateways { try enroll(gateway) }
        let old = Date(timeIntervalSinceNow: -3 * 86_400)
        for gateway in gateways { XCTAssertEqual(try send(try gateway.bundle(FleetFixtures.audit(at: Date()), runID: "latest"), to: server).status, 201) }
        let bundles = try gateways.map { gateway in try (0..<8).map { try gateway.bundle(FleetFixtures.audit(at: old.addingTimeInterval(Double($0))), runID: "late-\($0)") } }
        let statuses = StatusBox()
        DispatchQueue.concurrentPerform(iterations: gateways.count) { index in
            for bundle in bundles[index] {
                statuses.append((try? self.send(bundle, to: server).status) ?? 0)
                Thread.sleep(forTimeInterval: 0.15)
            }
        }
        XCTAssertEqual(statuses.all.filter { $0 != 201 }, [], "every late run was stored")
        XCTAssertEqual(statuses.all.count, 48)
    }

    func testRetentionDeletesOldRunsButNeverAGatewaysLatest() throws {
        let server = try startServer(extra: "retention: {days: 1, every: 1}\n")
        let gateway = try TestGateway("gw", in: directory), quiet = try TestGateway("quiet", in: directory)
        try enroll(gateway)
        try enroll(quiet)
        let old = Date(timeIntervalSinceNow: -3 * 86_400)
        XCTAssertEqual(try send(try gateway.bundle(FleetFixtures.audit(at: old), runID: "old"), to: server).status, 201)
        XCTAssertEqual(try send(try gateway.bundle(FleetFixtures.audit(at: Date()), runID: "new"), to: server).status, 201)
        XCTAssertEqual(try send(try quiet.bundle(FleetFixtures.audit(at: old), runID: "only"), to: server).status, 201)
        let deadline = Date().addingTimeInterval(20)
        while try count("runs") > 2, Date() < deadline { Thread.sleep(forTimeInterval: 0.5) }
        XCTAssertEqual(Set(try sql("SELECT run_id FROM runs").split(separator: "\n")), ["new", "only"])
        XCTAssertEqual(try count("documents d", "NOT EXISTS (SELECT 1 FROM run_members m WHERE m.sha256 = d.sha256) AND NOT EXISTS (SELECT 1 FROM findings f WHERE f.document = d.sha256)"), 0,
                       "no document is left that no run uses")
    }
}

/// Answers collected from concurrent senders.
private final class StatusBox: @unchecked Sendable {
    private let lock = NSLock()
    private var statuses: [Int] = []
    func append(_ status: Int) { lock.withLock { statuses.append(status) } }
    var all: [Int] { lock.withLock { statuses } }
}
