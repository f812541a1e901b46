@testable import FleetConsole
@testable import FleetStore
import Reports
import XCTest

/// The console's pieces that need no server: its words, links, tokens and charts.
final class ConsoleUnitTests: XCTestCase {
    func testEveryConsoleLabelHasEnglishAndChinese() {
        for text in ConsoleText.allCases {
            let words = ConsoleText.table[text]
            XCTAssertNotNil(words, "\(text) has no row")
            XCTAssertFalse(words?.en.isEmpty ?? true, "\(text) lacks English")
            XCTAssertFalse(words?.zh.isEmpty ?? true, "\(text) lacks Chinese")
            XCTAssertNotEqual(words?.en, words?.zh, "\(text) is not translated")
        }
        XCTAssertEqual(ReportLanguage.zh.format(.resultsCount, 12), "共12条结论")
    }

    func testOnlyLocalPathsAreFollowedAfterSignInOrALanguageSwitch() {
        XCTAssertEqual(URLText.localPath("/findings?category=C5"), "/findings?category=C5")
        for hostile in ["//evil.example/", "https://evil.example/", "/\\evil.example", "evil", "/x\r\nSet-Cookie: a=b", nil] {
            XCTAssertEqual(URLText.localPath(hostile), "/", "\(String(describing: hostile))")
        }
    }

    func testTokensAreRandomAndComparedWhole() {
        let a = Tokens.random(), b = Tokens.random()
        XCTAssertNotEqual(a, b)
        XCTAssertEqual(a.count, 43, "32 bytes in unpadded base64url")
        XCTAssertTrue(Tokens.same(a, a))
        XCTAssertFalse(Tokens.same(a, b))
        XCTAssertFalse(Tokens.same("", ""), "an empty token never matches")
        XCTAssertFalse(Tokens.same(a, String(a.dropLast())))
    }

    func testPasswordsAreHashedWithBcryptAndChecked() {
        let hash = PasswordHashing.hash("correct horse battery")
        XCTAssertTrue(hash.hasPrefix("$2b$12$"), hash)
        XCTAssertTrue(PasswordHashing.verify("correct horse battery", hash: hash))
        XCTAssertFalse(PasswordHashing.verify("correct horse batterY", hash: hash))
        XCTAssertGreaterThanOrEqual(PasswordHashing.generate().count, PasswordHashing.minimumLength)
    }

    func testTheTrendChartStacksEachDayBySeverityWithRoundTicks() {
        let points = [TrendPoint(day: "2026-12-01", gateways: 2, bySeverity: [1, 0, 2, 5, 1]),
                      TrendPoint(day: "2026-12-02", gateways: 2, bySeverity: [0, 0, 0, 31, 0])]
        let svg = TrendChart(points: points, language: .en).svg()
        XCTAssertEqual(svg.components(separatedBy: "<rect class=\"bar\"").count - 1, 5, "one bar per non-zero severity and day")
        XCTAssertTrue(svg.contains(">40</text>"), "31 open findings: ticks of 10 up to 40")
        XCTAssertFalse(svg.contains("<script") || svg.contains("style="), "no script and no inline style")
        XCTAssertTrue(TrendChart(points: [], language: .zh).svg().contains("严重"), "the legend in Chinese")
    }

    func testTheFleetMapEscapesSiteNamesAndJoinsSitesPastItsLimit() {
        let edges = (0..<45).map { FleetMap.Edge(site: "site <\($0)>", gateways: 1, country: $0 % 2 == 0 ? "DE" : nil, category: .c2, circuits: 1) }
        let svg = FleetMap(edges: edges, language: .en).svg()
        XCTAssertFalse(svg.contains("<0>"), "site names are escaped")
        XCTAssertTrue(svg.contains("site &lt;0&gt;"))
        XCTAssertTrue(svg.contains("+5 Site"), "sites past the 40 drawn are joined in one row")
    }
}
