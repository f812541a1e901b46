@testable import Daemon
import Foundation
import XCTest

/// The five-field cron parser: what it accepts, what it refuses, and when it fires next.
final class CronScheduleTests: XCTestCase {
    private let utc = TimeZone(identifier: "UTC")!

    private func date(_ text: String) -> Date {
        let formatter = ISO8601DateFormatter()
        return formatter.date(from: text)!
    }

    private func next(_ expression: String, after text: String, in zone: TimeZone? = nil) throws -> String? {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = zone ?? utc
        return try CronSchedule(expression).next(after: date(text), in: zone ?? utc).map { formatter.string(from: $0) }
    }

    func testEveryFifteenMinutesFiresAtTheNextQuarterHourNeverAtTheSameMinute() throws {
        XCTAssertEqual(try next("*/15 * * * *", after: "2026-11-24T09:07:30Z"), "2026-11-24T09:15:00Z")
        XCTAssertEqual(try next("*/15 * * * *", after: "2026-11-24T09:15:00Z"), "2026-11-24T09:30:00Z")
        XCTAssertEqual(try next("*/15 * * * *", after: "2026-11-24T23:50:00Z"), "2026-11-25T00:00:00Z")
    }

    func testListsRangesStepsAndNames() throws {
        XCTAssertEqual(try next("5,35 8-18/2 * * mon-fri", after: "2026-11-27T18:40:00Z"), "2026-11-30T08:05:00Z", "Friday evening -> Monday 08:05")
        XCTAssertEqual(try next("0 2 1 jan,jul *", after: "2026-11-24T00:00:00Z"), "2027-01-01T02:00:00Z")
        XCTAssertEqual(try next("30 4 * * 7", after: "2026-11-24T00:00:00Z"), "2026-11-29T04:30:00Z", "7 is Sunday")
        XCTAssertEqual(try next("10/20 * * * *", after: "2026-11-24T09:31:00Z"), "2026-11-24T09:50:00Z", "10/20 is 10,30,50")
        XCTAssertEqual(try next("@daily", after: "2026-11-24T09:31:00Z"), "2026-11-25T00:00:00Z")
    }

    func testBothDayFieldsRestrictedFireOnEitherAsCrontabDoes() throws {
        // The 1st of the month or any Monday: after Tue 24 Nov 2026 comes Mon 30 Nov, before 1 Dec.
        XCTAssertEqual(try next("0 0 1 * mon", after: "2026-11-24T12:00:00Z"), "2026-11-30T00:00:00Z")
        // Only the day of month restricted: Mondays do not count.
        XCTAssertEqual(try next("0 0 1 * *", after: "2026-11-24T12:00:00Z"), "2026-12-01T00:00:00Z")
    }

    func testMonthEndsAndLeapDays() throws {
        XCTAssertEqual(try next("0 0 31 * *", after: "2026-11-24T00:00:00Z"), "2026-12-31T00:00:00Z", "November has no 31st")
        XCTAssertEqual(try next("0 0 29 2 *", after: "2026-03-01T00:00:00Z"), "2028-02-29T00:00:00Z")
        XCTAssertNil(try next("0 0 30 2 *", after: "2026-03-01T00:00:00Z"), "30 February never comes")
    }

    func testTimeZoneOfTheScheduleIsHonoured() throws {
        let shanghai = TimeZone(identifier: "Asia/Shanghai")!
        // 02:00 in Shanghai is 18:00 UTC the day before.
        let fire = try CronSchedule("0 2 * * *").next(after: date("2026-11-24T12:00:00Z"), in: shanghai)!
        XCTAssertEqual(ISO8601DateFormatter().string(from: fire), "2026-11-24T18:00:00Z")
    }

    func testMalformedExpressionsNameTheFieldAndTheProblem() {
        func message(_ expression: String) -> String {
            do {
                _ = try CronSchedule(expression)
                return "accepted"
            } catch {
                return error.description
            }
        }
        XCTAssertTrue(message("* * * *").contains("needs 5 fields"), message("* * * *"))
        XCTAssertTrue(message("60 * * * *").contains("minute field '60': 60 is outside 0-59"), message("60 * * * *"))
        XCTAssertTrue(message("* 25 * * *").contains("hour field"))
        XCTAssertTrue(message("* * 0 * *").contains("day-of-month field"))
        XCTAssertTrue(message("* * * 13 *").contains("month field"))
        XCTAssertTrue(message("* * * * funday").contains("day-of-week field 'funday'"), message("* * * * funday"))
        XCTAssertTrue(message("*/0 * * * *").contains("step '0' must be a positive number"))
        XCTAssertTrue(message("5-1 * * * *").contains("runs backwards"))
        XCTAssertTrue(message("1,,2 * * * *").contains("empty list item"))
    }
}
