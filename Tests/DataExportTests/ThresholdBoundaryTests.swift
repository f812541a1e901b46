import DataExport
import Policy
import XCTest

/// Rows T1–T9 of DOMAIN.md §4.2, each just met and just missed, and the configurable order.
final class ThresholdBoundaryTests: XCTestCase {
    private typealias F = DataExportFixtures

    private func row(personal: Int = 0, sensitive: Int = 0, processor: String = "", extra: [String] = [], asOf: String = "2026-11-24",
                     policy: DataExportPolicy? = nil) throws -> TransferAssessment {
        let lines = ["personal_individuals: \(personal)", "sensitive_individuals: \(sensitive)"] + extra
        return try F.assess(processor: processor, transfer: lines.map { "    \($0)\n" }.joined(), asOf: asOf, policy: policy)
    }

    func testNonSensitiveCountsCrossFromExemptToContractToAssessmentAtTheStatedNumbers() throws {
        XCTAssertEqual(try row(personal: 99_999).row, "T9")
        XCTAssertEqual(try row(personal: 99_999).mechanismRequired, .exempt)
        XCTAssertEqual(try row(personal: 100_000).row, "T8")
        XCTAssertEqual(try row(personal: 100_000).mechanismRequired, .sccOrCertification)
        XCTAssertEqual(try row(personal: 999_999).mechanismRequired, .sccOrCertification)
        XCTAssertEqual(try row(personal: 1_000_000).row, "T7")
        XCTAssertEqual(try row(personal: 1_000_000).mechanismRequired, .securityAssessment)
    }

    func testAnySensitiveIndividualNeedsAContractAndTenThousandNeedAnAssessment() throws {
        XCTAssertEqual(try row(personal: 10, sensitive: 0).mechanismRequired, .exempt)
        XCTAssertEqual(try row(personal: 10, sensitive: 1).row, "T8")
        XCTAssertEqual(try row(personal: 10, sensitive: 9_999).mechanismRequired, .sccOrCertification)
        XCTAssertEqual(try row(personal: 10, sensitive: 10_000).row, "T7")
        XCTAssertEqual(try row(personal: 10, sensitive: 10_000).mechanismRequired, .securityAssessment)
    }

    func testTraceSaysWhichCountDecided() throws {
        let assessment = try row(personal: 99_999)
        let t8 = try XCTUnwrap(assessment.trace.first { $0.row == "T8" })
        XCTAssertFalse(t8.matched)
        XCTAssertTrue(t8.because.contains("personal 99999 not ≥ 100000"), t8.because)
        XCTAssertEqual(assessment.trace.first { $0.row == "T9" }?.matched, true)
    }

    func testCIIOExportingAnyPersonalInformationNeedsAnAssessmentAndLocalisation() throws {
        let assessment = try row(personal: 1, processor: "{ciio: true, ciio_sector: energy}")
        XCTAssertEqual(assessment.row, "T1")
        XCTAssertEqual(assessment.mechanismRequired, .securityAssessment)
        XCTAssertEqual(assessment.duties, ["LOCALISATION_DUTY"])
        XCTAssertEqual(assessment.gap, .missing)
        // A CIIO with neither PI nor important data meets no row: review, not a guess.
        let nothing = try row(personal: 0, processor: "{ciio: true}")
        XCTAssertNil(nothing.row)
        XCTAssertEqual(nothing.mechanismRequired, .needsReview)
        // Volume rows are for non-CIIOs only.
        XCTAssertNotEqual(try row(personal: 1, processor: "{ciio: false}").row, "T1")
    }

    func testNotifiedImportantDataNeedsAnAssessmentButSuspectedDataOnlyAReview() throws {
        let notified = try row(extra: ["important_data: {notified_by: Shanghai transport commission, reference: N-1, date: 2025-01-02}"])
        XCTAssertEqual(notified.row, "T2")
        XCTAssertEqual(notified.mechanismRequired, .securityAssessment)
        XCTAssertEqual(notified.importantData, "notified by Shanghai transport commission (N-1)")

        let suspected = try row(extra: ["important_data_candidate: true"])
        XCTAssertEqual(suspected.row, "T9", "suspected data is not important data (2024 Art 2)")
        XCTAssertEqual(suspected.gap, .needsReview)
        XCTAssertTrue(suspected.gaps.contains { $0.detail.contains("GB/T 43697-2024") })
    }

    func testImportantDataWithoutItsAuthorityIsAnErrorNamingTheKey() {
        XCTAssertThrowsError(try F.organization(transfer: "    important_data: true\n")) { error in
            XCTAssertTrue("\(error)".hasPrefix("organization.yaml:13: transfers[0].important_data: name the authority"), "\(error)")
        }
    }

    func testEachExemptionGroundExemptsOnlyWhatItDescribes() throws {
        let art3 = try row(extra: ["exemption_grounds: [art3_trade_transport_academic_manufacturing_marketing]"])
        XCTAssertEqual(art3.row, "T3")
        // Art 3 covers data with no PI: with 500,000 people's PI it falls to the volume rows.
        XCTAssertEqual(try row(personal: 500_000, extra: ["exemption_grounds: [art3_trade_transport_academic_manufacturing_marketing]"]).row, "T8")

        let art4 = try row(personal: 500_000, extra: ["exemption_grounds: [art4_foreign_collected_reexport]"])
        XCTAssertEqual(art4.row, "T4")
        XCTAssertEqual(art4.mechanismRequired, .exempt)

        for ground in ["art5_1_contract", "art5_2_hr", "art5_3_emergency"] {
            let art5 = try row(personal: 2_000_000, sensitive: 20_000, extra: ["exemption_grounds: [\(ground)]"])
            XCTAssertEqual(art5.row, "T5", ground)
            XCTAssertEqual(art5.mechanismRequired, .exempt, ground)
            XCTAssertEqual(art5.duties, ["PIPL_NOTICE_AND_CONSENT"], ground)
            XCTAssertEqual(art5.gap, .none, ground)
        }
    }

    func testAssessmentTriggersComeBeforeExemptionsUnlessCounselReordersThem() throws {
        let hr = ["exemption_grounds: [art5_2_hr]"]
        XCTAssertEqual(try row(personal: 5, processor: "{ciio: true}", extra: hr).row, "T1", "conservative default (DOMAIN.md §4.2)")
        let reordered = try F.policy(replacing: "stage_order: [assessment_triggers, exemptions, volume]", with: "stage_order: [exemptions, assessment_triggers, volume]")
        XCTAssertEqual(reordered.orderedRows.map(\.id), ["T3", "T4", "T5", "T6", "T1", "T2", "T7", "T8", "T9"])
        XCTAssertEqual(try row(personal: 5, processor: "{ciio: true}", extra: hr, policy: reordered).row, "T5")
        // The important-data trigger moves with it.
        let important = hr + ["important_data: {notified_by: a ministry}"]
        XCTAssertEqual(try row(extra: important).row, "T2")
        XCTAssertEqual(try row(extra: important, policy: reordered).row, "T5")
    }

    func testStageOrderMustNameEveryStageOnce() {
        XCTAssertThrowsError(try F.policy(replacing: "stage_order: [assessment_triggers, exemptions, volume]", with: "stage_order: [exemptions, volume, volume]")) { error in
            XCTAssertTrue("\(error)".contains("stage_order: must name each of"), "\(error)")
        }
    }

    func testExemptTransfersDoNotCountTowardTheProcessorsThresholds() throws {
        let text = F.header + """
            transfers:
              - {dataset: HR, recipient: Example GmbH, country: DE, purpose: HR, personal_individuals: 90000, exemption_grounds: [art5_2_hr], match: {interfaces: [a]}}
              - {dataset: CRM, recipient: Example GmbH, country: DE, purpose: Sales, personal_individuals: 60000, match: {interfaces: [b]}}
              - {dataset: Leads, recipient: Example GmbH, country: DE, purpose: Sales, personal_individuals: 50000, match: {interfaces: [c]}}
            """
        let evaluation = DataExportEvaluator(policy: try F.policy, asOf: PolicyDate("2026-11-24")!).evaluate(try OrganizationProfile.parse(text, file: "o.yaml"))
        XCTAssertEqual(evaluation.counts.personal, 110_000)
        XCTAssertTrue(evaluation.counts.basis.hasPrefix("sum of the declared non-exempt transfers"))
        XCTAssertEqual(evaluation.transfers.map { $0.row ?? "-" }, ["T5", "T8", "T8"], "together the non-exempt transfers pass 100,000")
    }

    func testDeclaredProcessorTotalsReplaceTheSum() throws {
        let assessment = try row(personal: 10, processor: "{ciio: false, totals: {personal_individuals: 1000000, sensitive_individuals: 0}}")
        XCTAssertEqual(assessment.row, "T7")
    }
}
