import DataExport
import Policy
import XCTest

/// V1–V3 and the rules that change on a date: validity to the day, the 60-working-day window,
/// the 2022 carry-over question, counting windows and the CSL renumbering.
final class ValidityAndDateTests: XCTestCase {
    private typealias F = DataExportFixtures

    /// A transfer needing SCC_OR_CERTIFICATION (150,000 people) with `mechanism` on file.
    private func covered(_ mechanism: String, asOf: String, extra: [String] = [], policy: DataExportPolicy? = nil) throws -> TransferAssessment {
        // Counts run from 1 January of the audit's year, as the rule in force wants.
        let lines = ["personal_individuals: 150000", "counted_from: \(asOf.prefix(4))-01-01", "mechanism: \(mechanism)"] + extra
        return try F.assess(transfer: lines.map { "    \($0)\n" }.joined(), asOf: asOf, policy: policy)
    }

    private let assessment2024 = "{kind: security_assessment, reference: SA-1, date: 2024-05-20}"

    func testAssessmentUnderThe2024RulesHoldsThreeYearsToTheDayBeforeTheAnniversary() throws {
        let lastDay = try covered(assessment2024, asOf: "2027-05-19")
        XCTAssertEqual(lastDay.onFile?.validityRule, "V1")
        XCTAssertEqual(lastDay.onFile?.validUntil, "2027-05-19")
        XCTAssertNotEqual(lastDay.gap, .expired)
        let after = try covered(assessment2024, asOf: "2027-05-20")
        XCTAssertEqual(after.gap, .expired)
        XCTAssertEqual(after.severity, .high)
    }

    func testExtensionWindowOpensSixtyWorkingDaysBeforeExpiry() throws {
        // 2027-05-20 is a Thursday: 60 working days (12 weeks without holidays) back is 2027-02-25.
        let before = try covered(assessment2024, asOf: "2027-02-24")
        XCTAssertEqual(before.onFile?.windowOpens, "2027-02-25")
        XCTAssertEqual(before.gap, .none)
        let opened = try covered(assessment2024, asOf: "2027-02-25")
        XCTAssertEqual(opened.gap, .expiring)
        XCTAssertTrue(opened.gaps[0].detail.contains("no extension applied for"), opened.gaps[0].detail)
        let applied = try covered("{kind: security_assessment, reference: SA-1, date: 2024-05-20, extension_applied: 2027-03-01}", asOf: "2027-03-02")
        XCTAssertTrue(applied.gaps[0].detail.contains("applied for on 2027-03-01"), applied.gaps[0].detail)
    }

    func testHolidaysListedInThePolicyPushTheWindowEarlier() throws {
        let policy = try F.policy(replacing: "  holidays: []", with: "  holidays: [2027-05-03, 2027-05-04]")
        XCTAssertEqual(try covered(assessment2024, asOf: "2027-02-24", policy: policy).onFile?.windowOpens, "2027-02-23")
    }

    func testApprovedExtensionAddsThreeYears() throws {
        let extended = try covered("{kind: security_assessment, reference: SA-1, date: 2024-05-20, extension_applied: 2027-03-01, extension_approved: 2027-04-15}",
                                   asOf: "2027-05-20")
        XCTAssertEqual(extended.onFile?.validUntil, "2030-05-19")
        XCTAssertEqual(extended.gap, .none)
    }

    func testApprovalUnderThe2022MeasuresPastTwoYearsNeedsReviewUntilThreeThenExpires() throws {
        let old = "{kind: security_assessment, reference: SA-0, date: 2023-06-15}"
        let within = try covered(old, asOf: "2025-03-01")
        XCTAssertEqual(within.onFile?.validityRule, "V2")
        XCTAssertEqual(within.onFile?.validUntil, "2025-06-14")
        XCTAssertEqual(within.gap, .none)
        XCTAssertTrue(within.gaps.contains { $0.detail.contains("whether it benefits from the 3-year rule is for counsel") })
        XCTAssertEqual(try covered(old, asOf: "2025-06-14").gap, .expiring, "the re-declaration window is open on the last day")
        XCTAssertEqual(try covered(old, asOf: "2025-06-15").gap, .needsReview)
        XCTAssertEqual(try covered(old, asOf: "2026-06-14").gap, .needsReview)
        XCTAssertEqual(try covered(old, asOf: "2026-06-15").gap, .expired)
    }

    func testCertificationWithAStatedEndIsExpiringWithinTheConfiguredDays() throws {
        let certificate = "{kind: certification, reference: C-1, date: 2024-01-15, expires: 2027-01-14}"
        XCTAssertEqual(try covered(certificate, asOf: "2026-10-15").gap, .none)
        XCTAssertEqual(try covered(certificate, asOf: "2026-10-16").gap, .expiring, "90 days before 2027-01-14")
        XCTAssertEqual(try covered(certificate, asOf: "2027-01-14").gap, .expiring)
        XCTAssertEqual(try covered(certificate, asOf: "2027-01-15").gap, .expired)
    }

    func testWeakerMechanismMissingOneAndCountsBeyondTheFilingAreGaps() throws {
        let scc = "{kind: standard_contract, reference: SCC-1, date: 2025-02-10, covers_individuals: 150000}"
        XCTAssertEqual(try covered(scc, asOf: "2026-11-24").gap, .none)
        let beyond = try F.assess(transfer: "    personal_individuals: 150001\n    mechanism: \(scc)\n")
        XCTAssertEqual(beyond.gap, .beyondScope)
        let needsAssessment = try F.assess(transfer: "    personal_individuals: 1000000\n    mechanism: \(scc)\n")
        XCTAssertEqual(needsAssessment.gap, .insufficient)
        XCTAssertEqual(try F.assess(transfer: "    personal_individuals: 1000000\n").gap, .missing)
        // An assessment covers a transfer that needs only a contract.
        XCTAssertEqual(try covered(assessment2024, asOf: "2026-11-24").gap, .none)
    }

    func testChangesSinceTheMechanismAskForARedeclarationCheck() throws {
        let changed = try covered(assessment2024, asOf: "2026-11-24", extra: ["changes: [recipient, contract]"])
        XCTAssertEqual(changed.gap, .redeclareCheck)
        XCTAssertTrue(changed.gaps.contains { $0.detail.contains("recipient, contract (V3)") })
    }

    func testCSLLocalisationArticleIs37UntilTheAmendmentAnd39From2026() throws {
        func csl(_ asOf: String) throws -> [String] {
            try F.assess(processor: "{ciio: true}", transfer: "    personal_individuals: 5\n", asOf: asOf).citations
                .filter { $0.document.hasPrefix("Cybersecurity Law") }.compactMap(\.article)
        }
        XCTAssertEqual(try csl("2025-12-31"), ["Art 37"])
        XCTAssertEqual(try csl("2026-01-01"), ["Art 39"])
    }

    func testCountsFromLastYearNeedARecountAndOldDatesAreOutsideTheTable() throws {
        let stale = try F.assess(transfer: "    personal_individuals: 150000\n    counted_from: 2026-01-01\n", asOf: "2027-01-05")
        XCTAssertTrue(stale.gaps.contains { $0.gap == .needsReview && $0.detail.contains("on 2027-01-05 the rule counts from 2027-01-01") })
        // Before 2024-03-22 the 2022 Measures counted from 1 January of the previous year, and
        // the table of the 2024 Provisions does not apply.
        let old = try DataExportEvaluator(policy: F.policy, asOf: PolicyDate("2023-05-01")!)
            .evaluate(F.organization(transfer: "    personal_individuals: 10\n    counted_from: 2022-01-01\n"))
        XCTAssertEqual(old.counts.requiredFrom, "2022-01-01")
        XCTAssertEqual(old.transfers[0].mechanismRequired, .needsReview)
    }

    func testCountsMustStartOnTheFirstOfJanuary() {
        XCTAssertThrowsError(try F.organization(transfer: "    counted_from: 2026-03-01\n")) { error in
            XCTAssertTrue("\(error)".contains("transfers[0].counted_from: counts run from 1 January"), "\(error)")
        }
    }

    func testDateArithmeticAcrossLeapDaysAndWeekdays() {
        XCTAssertEqual(PolicyDate("2024-02-29")!.adding(years: 3).description, "2027-02-28")
        XCTAssertEqual(PolicyDate("2026-12-31")!.adding(days: 1).description, "2027-01-01")
        XCTAssertEqual(PolicyDate("2026-11-24")!.weekday, 2, "a Tuesday")
        XCTAssertEqual(PolicyDate(dayNumber: PolicyDate("1999-12-31")!.dayNumber).description, "1999-12-31")
    }
}
