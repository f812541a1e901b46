import Foundation
import TestSupport
import XCTest

/// Counsel's decisions: recorded with who and when, shown on the circuit in later runs, and
/// carried into the CSV, JSON and OSCAL exports.
final class ConsoleReviewTests: FleetTestCase, @unchecked Sendable {
    func testADecisionFollowsTheCircuitIntoLaterRunsAndEveryExport() throws {
        let server = try startServer()
        let gateway = try TestGateway("gw-1", in: directory)
        try enroll(gateway, site: "Shanghai office")
        let start = Date().addingTimeInterval(-7200)
        XCTAssertEqual(try send(try gateway.bundle(FleetFixtures.audit(at: start), runID: "r1"), to: server).status, 201)
        try addUser("counsel", password: "counsel password 1", role: "reviewer")
        let counsel = ConsoleClient(server.url, in: directory)
        try counsel.signIn("counsel", "counsel password 1")
        let circuit = FleetFixtures.demo.findings[0].circuitID
        let page = "/gateways/gw-1/circuits/\(circuit)"
        XCTAssertTrue(try counsel.get("/gateways/gw-1").body.contains("id=\"drift-first\""), "one run: every circuit is new, nothing to compare")

        let until = ISO8601DateFormatter.string(from: Date().addingTimeInterval(30 * 86_400), timeZone: TimeZone(identifier: "UTC")!, formatOptions: [.withFullDate])
        let saved = try counsel.post(page + "/review", [("_csrf", try counsel.sessionToken()), ("run", "r1"), ("decision", "accepted_risk"),
                                                        ("until", until), ("comment", "Carrier contract renewal under way")])
        XCTAssertEqual(saved.status, 303)
        XCTAssertEqual(try sql("SELECT reviewer || '|' || decision || '|' || until || '|' || run_id FROM reviews"), "counsel|accepted_risk|\(until)|r1")

        // A refused decision: an accepted risk needs its date.
        let refused = try counsel.post(page + "/review", [("_csrf", try counsel.sessionToken()), ("decision", "accepted_risk"), ("comment", "no date")])
        XCTAssertEqual(refused.status, 400)
        XCTAssertEqual(try count("reviews"), 1)

        // The next run of the same circuit shows the decision.
        XCTAssertEqual(try send(try gateway.bundle(FleetFixtures.audit(at: start.addingTimeInterval(3600)), runID: "r2"), to: server).status, 201)
        XCTAssertTrue(try counsel.get("/gateways/gw-1").body.contains("id=\"drift-none\""), "two runs of the same audit: nothing changed")
        let finding = try counsel.get(page).body
        XCTAssertTrue(finding.contains("r2"), "the page shows the latest run")
        XCTAssertTrue(finding.contains("Carrier contract renewal under way"))
        XCTAssertTrue(finding.contains("Accepted risk"))
        XCTAssertTrue(try counsel.get("/gateways/gw-1").body.contains("Accepted risk → \(until) · counsel"))

        // Exports: the console's CSV and JSON, the API's CSV and OSCAL.
        let csv = try counsel.get("/export.csv?gateway=gw-1").body
        XCTAssertTrue(csv.contains("Accepted risk,accepted_risk,\(until),counsel,"), "the review's columns: decision, code, until, reviewer")
        XCTAssertTrue(csv.contains("Carrier contract renewal under way"))
        XCTAssertTrue(csv.split(separator: "\n").first?.contains("Review decision") ?? false)
        let json = try XCTUnwrap(try JSONSerialization.jsonObject(with: Data(try counsel.get("/export.json").body.utf8)) as? [String: Any])
        let reviews = (json["gateways"] as? [[String: Any]])?.first?["reviews"] as? [[String: Any]]
        XCTAssertEqual(reviews?.first?["circuit_id"] as? String, circuit)
        XCTAssertEqual((reviews?.first?["review"] as? [String: Any])?["decision"] as? String, "accepted_risk")
        XCTAssertTrue(try HTTP.get(server.url + "/api/v1/export?format=csv").body.contains("accepted_risk"))
        let oscal = try HTTP.get(server.url + "/api/v1/export?format=oscal").body
        XCTAssertTrue(oscal.contains("\"review-decision\"") && oscal.contains("accepted_risk"), "OSCAL carries the decision as properties")
        // The run's files as the gateway sent them, as downloads that never render.
        let runPage = try counsel.get("/gateways/gw-1/runs/r2").body
        XCTAssertTrue(runPage.contains("href=\"/gateways/gw-1/runs/r2/files/findings.json\""), "the run page links its stored files")
        let stored = try counsel.get("/gateways/gw-1/runs/r2/files/findings.json")
        XCTAssertEqual(stored.status, 200)
        XCTAssertTrue(stored.header("Content-Disposition")?.hasPrefix("attachment") ?? false)
        XCTAssertTrue(stored.header("Content-Security-Policy")?.hasPrefix("sandbox") ?? false)
        XCTAssertTrue(stored.body.contains("\"generated_at\""))
        XCTAssertEqual(try counsel.get("/gateways/gw-1/runs/r2/files/no-such-file").status, 404)
        let zh = try counsel.get("/export.csv?gateway=gw-1&lang=zh").body
        XCTAssertTrue(zh.contains("接受风险"), "the Chinese export words the decision in Chinese")
    }
}
