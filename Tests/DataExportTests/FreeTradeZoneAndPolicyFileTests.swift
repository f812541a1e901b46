import DataExport
import Policy
import XCTest

/// FTZ negative lists (T6, R-DX-10), the data-store list, and errors in the policy file.
final class FreeTradeZoneAndPolicyFileTests: XCTestCase {
    private typealias F = DataExportFixtures

    private let beijing = "{ciio: false, free_trade_zone: beijing, ftz_registration: BJ-FTZ-0001}"

    func testDataNotOnAnFTZListInForceIsExemptAndListedDataFallsThrough() throws {
        let notListed = try F.assess(processor: beijing, transfer: F.keys("personal_individuals: 500000", "negative_list: {listed: false, checked_by: counsel, date: 2026-10-01}"))
        XCTAssertEqual(notListed.row, "T6")
        XCTAssertEqual(notListed.mechanismRequired, .exempt)
        let listed = try F.assess(processor: beijing, transfer: F.keys("personal_individuals: 500000", "negative_list: {listed: true, entries: [automotive scenario 3]}"))
        XCTAssertEqual(listed.row, "T8")
        XCTAssertTrue(listed.trace.contains { $0.row == "T6" && $0.because.contains("automotive scenario 3") })
    }

    func testListAppliesOnlyFromItsIssueDateAndAnUndatedListNeverApplies() throws {
        let transfer = F.keys("personal_individuals: 500000", "negative_list: {listed: false}")
        XCTAssertEqual(try F.assess(processor: beijing, transfer: transfer, asOf: "2024-08-30").row, "T6")
        let before = try F.assess(processor: beijing, transfer: transfer, asOf: "2024-08-29")
        XCTAssertEqual(before.row, "T8")
        XCTAssertTrue(before.gaps.contains { $0.gap == .needsReview && $0.detail.contains("Beijing") }, "\(before.gaps)")
        let tianjin = try F.assess(processor: "{ciio: false, free_trade_zone: tianjin}", transfer: transfer)
        XCTAssertEqual(tianjin.row, "T8")
        XCTAssertTrue(tianjin.gaps.contains { $0.detail.contains("not in force on 2026-11-24 or its date is unknown") })
    }

    func testProcessorInAnFTZWithoutACheckOrWithAnUnknownZoneNeedsReview() throws {
        let unchecked = try F.assess(processor: beijing, transfer: F.keys("personal_individuals: 50"))
        XCTAssertTrue(unchecked.gaps.contains { $0.detail.contains("not checked against its negative list") })
        let unknown = try F.assess(processor: "{ciio: false, free_trade_zone: atlantis}", transfer: F.keys("personal_individuals: 50"))
        XCTAssertTrue(unknown.gaps.contains { $0.detail.contains("atlantis, which has no negative list") })
    }

    func testBeijingReferenceRulesMakeLargeSpeciallySensitiveSetsImportantDataForReview() throws {
        func transfer(_ special: Int) -> String {
            F.keys("personal_individuals: 10", "sensitive_individuals: \(special)", "specially_sensitive_individuals: \(special)", "negative_list: {listed: true, entries: [health]}")
        }
        let above = try F.assess(processor: beijing, transfer: transfer(100_001))
        XCTAssertEqual(above.row, "T2")
        XCTAssertTrue(above.importantData?.contains("specially sensitive PI") == true)
        XCTAssertTrue(above.gaps.contains { $0.detail.contains("以上 or 超过 is unverified") })
        let at = try F.assess(processor: beijing, transfer: transfer(100_000))
        XCTAssertNil(at.importantData)
        XCTAssertEqual(at.row, "T7", "100,000 sensitive still reaches the national 10,000 threshold")
    }

    func testSpeciallySensitiveCannotExceedSensitive() {
        XCTAssertThrowsError(try F.organization(transfer: F.keys("sensitive_individuals: 5", "specially_sensitive_individuals: 6"))) { error in
            XCTAssertTrue("\(error)".contains("transfers[0].specially_sensitive_individuals: counts a part of sensitive_individuals"), "\(error)")
        }
    }

    func testDataStoreListMatchesServerNamesBeforePorts() throws {
        let matcher = DataStoreMatcher(rules: try F.policy.candidates)
        XCTAssertEqual(matcher.match(serverName: "backup.s3.eu-central-1.amazonaws.com", port: 443)?.service.name, "Amazon S3")
        XCTAssertEqual(matcher.match(serverName: "acct.blob.core.windows.net", port: 443)?.service.kind, .objectStorage)
        XCTAssertEqual(matcher.match(serverName: "example.my.salesforce.com", port: 443)?.service.kind, .saasCRM)
        XCTAssertEqual(matcher.match(serverName: "wd3.myworkday.com", port: 443)?.service.kind, .saasHR)
        XCTAssertNil(matcher.match(serverName: "s3.amazonaws.com.evil.example", port: 443))
        XCTAssertNil(matcher.match(serverName: "www.example.com", port: 443))
        XCTAssertEqual(matcher.match(serverName: nil, port: 5432)?.service.kind, .database)
        XCTAssertEqual(matcher.match(serverName: nil, port: 21)?.matchedBy, "destination port 21")
    }

    func testUnknownKeyInThePolicyIsAnErrorNamingFileLineAndKey() throws {
        XCTAssertThrowsError(try F.policy(replacing: "expiring_within_days: 90", with: "expiring_within_day: 90")) { error in
            let text = "\(error)"
            XCTAssertTrue(text.hasPrefix("data-export.yaml:"), text)
            XCTAssertTrue(text.contains(": expiring_within_day: unknown key"), text)
        }
        XCTAssertThrowsError(try F.policy(replacing: "when: important_data\n", with: "when: moon_is_full\n")) { error in
            XCTAssertTrue("\(error)".contains("rows[1].when: unknown predicate moon_is_full"), "\(error)")
        }
        XCTAssertThrowsError(try F.policy(replacing: "{count: personal, at_least: 1000000}", with: "{count: personal, at_least: 1000000, below: 5}")) { error in
            XCTAssertTrue("\(error)".contains("exactly one of at_least, above, below, at_most"), "\(error)")
        }
    }

    func testUnknownKeyInATransferIsAnErrorNamingFileLineAndKey() {
        XCTAssertThrowsError(try F.organization(transfer: F.keys("mechanism: {kind: standard_contract, reference: X, date: 2025-01-01, scope: all}"))) { error in
            XCTAssertTrue("\(error)".contains("organization.yaml:"), "\(error)")
            XCTAssertTrue("\(error)".contains("transfers[0].mechanism.scope: unknown key"), "\(error)")
        }
        XCTAssertThrowsError(try F.organization(processor: "{ciio: maybe}", transfer: "")) { error in
            XCTAssertTrue("\(error)".contains("data_processor.ciio: must be true or false"), "\(error)")
        }
    }

    func testShippedPolicyHasEveryRowOfTheBriefWithCitations() throws {
        let policy = try F.policy
        XCTAssertEqual(policy.rows.map(\.id), ["T1", "T2", "T3", "T4", "T5", "T6", "T7", "T8", "T9"])
        XCTAssertEqual(policy.validity.map(\.id) + [policy.redeclaration.id], ["V1", "V2", "V3"])
        XCTAssertTrue(policy.rows.allSatisfy { !$0.citations.isEmpty })
        XCTAssertEqual(Set(policy.freeTradeZones.map(\.id)), ["tianjin", "beijing", "shanghai", "hainan", "zhejiang", "fujian-pingtan"])
        XCTAssertEqual(policy.freeTradeZones.first { $0.id == "shanghai" }?.inForceFrom, "2025-02-08")
    }
}
