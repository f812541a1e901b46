import Foundation
import Policy
import XCTest

final class PolicyFileTests: XCTestCase {
    func testShippedPoliciesLoadWithEveryCategoryAndFlagReachable() throws {
        let set = try AuditFixtures.policies
        var categories = Set<Policy.Category>()
        var flags = Set<CircuitFlag>()
        for rule in set.rules.rules {
            switch rule.effect {
            case .category(let category): categories.insert(category)
            case .flag(let flag): flags.insert(flag)
            }
            flags.formUnion(rule.addsFlags)
            XCTAssertFalse(rule.citations.isEmpty, rule.id)
        }
        XCTAssertEqual(categories, Set(Policy.Category.allCases))
        XCTAssertEqual(flags, Set(CircuitFlag.allCases))
    }

    func testUnknownKeyIsAnErrorNamingFileLineAndKey() {
        let text = "version: 1\nas_of: 2026-01-01\nsources: [x]\nrules:\n  - id: R-X\n    order: 1\n    category: C9_NEEDS_REVIEW\n    severty: LOW\n"
        XCTAssertThrowsError(try RulePack.parse(text, file: "mine.yaml")) { error in
            XCTAssertEqual("\(error)", "mine.yaml:8: rules[0].severty: unknown key (allowed: action, adds_flags, category, citations, confidence, disabled, flag, id, order, rationale, severity, when)")
        }
    }

    func testUnknownPredicateIsAnErrorWithItsLine() {
        let text = """
            version: 1
            as_of: 2026-01-01
            sources: [x]
            rules:
              - id: R-X
                order: 1
                category: C9_NEEDS_REVIEW
                severity: LOW
                when: {all: [cross_border, moon_is_full]}
                citations: [{document: x}]
                rationale: {en: a, zh: 甲}
                action: {en: b, zh: 乙}
            """
        XCTAssertThrowsError(try RulePack.parse(text, file: "mine.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("mine.yaml:9: rules[0].when.all[1]: unknown predicate moon_is_full"), "\(error)")
        }
    }

    func testUserRulesOverrideByIDAndCanDisableARule() throws {
        let base = try AuditFixtures.policies.rules
        let override = try RulePack.parse("""
            version: 1
            as_of: 2026-11-20
            sources: [counsel memo]
            rules:
              - id: R-C2-1
                order: 40
                category: C2_SELF_BUILT_UNAPPROVED
                severity: CRITICAL
                when: {all: [cross_border, gateway_terminates_tunnel]}
                citations: [{document: counsel memo}]
                rationale: {en: a, zh: 甲}
                action: {en: b, zh: 乙}
              - id: R-AFF-1
                order: 120
                flag: F_AFFILIATE_TRAFFIC
                severity: LOW
                when: always
                disabled: true
                citations: [{document: counsel memo}]
                rationale: {en: a, zh: 甲}
                action: {en: b, zh: 乙}
            """, file: "mine.yaml")
        let merged = base.merged(with: override)
        XCTAssertEqual(merged.rules.first { $0.id == "R-C2-1" }?.severity, .critical)
        XCTAssertNil(merged.rules.first { $0.id == "R-AFF-1" })
        XCTAssertEqual(merged.rules.count, base.rules.count - 1)
    }

    func testOrganizationErrorsNameFileLineAndKey() {
        let text = AuditFixtures.organizationText.replacingOccurrences(of: "country: DE", with: "country: Germany")
        XCTAssertThrowsError(try OrganizationProfile.parse(text, file: "org.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("org.yaml:12: sites[4].country: must be an ISO 3166-1 alpha-2 code"), "\(error)")
        }
        let badRange = AuditFixtures.organizationText.replacingOccurrences(of: "10.1.0.0/16", with: "10.1.0.0/40")
        XCTAssertThrowsError(try OrganizationProfile.parse(badRange, file: "org.yaml")) { error in
            XCTAssertTrue("\(error)".contains("sites[1].ranges[0]: \"10.1.0.0/40\" is not an address or CIDR block"), "\(error)")
        }
    }

    func testSyntaxErrorsGiveTheLine() {
        XCTAssertThrowsError(try RulePack.parse("version: 1\nrules: [\n  - id: x\n", file: "broken.yaml")) { error in
            XCTAssertTrue("\(error)".hasPrefix("broken.yaml:"), "\(error)")
            XCTAssertTrue("\(error)".contains("not valid YAML"), "\(error)")
        }
    }
}

final class RuleCoverageTests: XCTestCase {
    /// Every rule id of DOMAIN.md §6 A–D and F stands in the shipped pack, as a rule or a principle.
    func testEveryCircular32RuleOfTheBriefIsInThePack() throws {
        let pack = try AuditFixtures.policies.rules
        let ids = Set(pack.rules.map(\.id) + pack.principles.map(\.id))
        let brief = ["R-SCOPE-1", "R-SCOPE-2", "R-SCOPE-3", "R-C5-1", "R-C6-1", "R-C4-1", "R-C4-2", "R-C2-1", "R-C2-2", "R-C3-1", "R-C3-2",
                     "R-C1-1", "R-C1-2", "R-DOC-1", "R-C9-1", "R-EV-1", "R-EV-2", "R-EV-3", "R-SUP-1", "R-SUP-2", "R-SUP-3", "R-SUP-4",
                     "R-DX-0", "R-OUT-1", "R-OUT-2"]
        XCTAssertEqual(Set(brief).subtracting(ids), [])
    }
}
