import Foundation

/// Why a cron expression was refused: the field, its text, and what is allowed.
public struct CronError: Error, Equatable, CustomStringConvertible {
    public var expression: String
    public var message: String

    public var description: String { "cron expression '\(expression)': \(message)" }
}

/// A five-field cron expression (minute, hour, day of month, month, day of week) as crontab(5)
/// reads it: `*`, numbers, ranges `a-b`, lists `a,b`, steps `*/n` and `a-b/n`, month and day
/// names (`jan`, `mon`), 7 for Sunday, and the usual rule that when both day fields are
/// restricted a day matching either one fires. Written here because no listed library parses
/// cron; schedules are evaluated in the daemon's time zone (UTC unless configured).
public struct CronSchedule: Sendable, Equatable, CustomStringConvertible {
    public let expression: String
    let minutes: Set<Int>
    let hours: Set<Int>
    let daysOfMonth: Set<Int>
    let months: Set<Int>
    let daysOfWeek: Set<Int>
    let dayOfMonthRestricted: Bool
    let dayOfWeekRestricted: Bool

    public var description: String { expression }

    private static let monthNames = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"]
    private static let dayNames = ["sun", "mon", "tue", "wed", "thu", "fri", "sat"]
    private static let shorthands = [
        "@hourly": "0 * * * *", "@daily": "0 0 * * *", "@midnight": "0 0 * * *", "@weekly": "0 0 * * 0",
        "@monthly": "0 0 1 * *", "@yearly": "0 0 1 1 *", "@annually": "0 0 1 1 *",
    ]

    public init(_ expression: String) throws(CronError) {
        self.expression = expression
        let text = Self.shorthands[expression.trimmingCharacters(in: .whitespaces).lowercased()] ?? expression
        let fields = text.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
        guard fields.count == 5 else {
            throw CronError(expression: expression, message: "needs 5 fields (minute hour day-of-month month day-of-week), found \(fields.count)")
        }
        func parse(_ index: Int, _ name: String, _ range: ClosedRange<Int>, names: [String] = [], nameBase: Int = 0) throws(CronError) -> Set<Int> {
            do {
                return try Self.field(fields[index], range: range, names: names, nameBase: nameBase)
            } catch let message as FieldError {
                throw CronError(expression: expression, message: "\(name) field '\(fields[index])': \(message.text)")
            } catch {
                throw CronError(expression: expression, message: "\(name) field '\(fields[index])': \(error)")
            }
        }
        minutes = try parse(0, "minute", 0...59)
        hours = try parse(1, "hour", 0...23)
        daysOfMonth = try parse(2, "day-of-month", 1...31)
        months = try parse(3, "month", 1...12, names: Self.monthNames, nameBase: 1)
        // 7 is Sunday too.
        daysOfWeek = Set(try parse(4, "day-of-week", 0...7, names: Self.dayNames).map { $0 % 7 })
        dayOfMonthRestricted = !fields[2].hasPrefix("*")
        dayOfWeekRestricted = !fields[4].hasPrefix("*")
    }

    private struct FieldError: Error { var text: String }

    private static func field(_ text: String, range: ClosedRange<Int>, names: [String], nameBase: Int) throws -> Set<Int> {
        func value(_ token: Substring) throws -> Int {
            if let number = Int(token) {
                guard range.contains(number) else { throw FieldError(text: "\(number) is outside \(range.lowerBound)-\(range.upperBound)") }
                return number
            }
            if let index = names.firstIndex(of: token.lowercased()) { return index + nameBase }
            throw FieldError(text: "'\(token)' is not a number\(names.isEmpty ? "" : " or a name (\(names.joined(separator: ", ")))")")
        }
        var result = Set<Int>()
        for part in text.split(separator: ",", omittingEmptySubsequences: false) {
            guard !part.isEmpty else { throw FieldError(text: "empty list item") }
            let pieces = part.split(separator: "/", omittingEmptySubsequences: false)
            guard pieces.count <= 2 else { throw FieldError(text: "more than one '/'") }
            var step = 1
            if pieces.count == 2 {
                guard let number = Int(pieces[1]), number > 0 else { throw FieldError(text: "step '\(pieces[1])' must be a positive number") }
                step = number
            }
            let span = pieces[0]
            var low: Int
            var high: Int
            if span == "*" {
                low = range.lowerBound
                high = range.upperBound
            } else if let dash = span.firstIndex(of: "-") {
                low = try value(span[..<dash])
                high = try value(span[span.index(after: dash)...])
                guard low <= high else { throw FieldError(text: "range \(low)-\(high) runs backwards") }
            } else {
                low = try value(span)
                // `5/15` means from 5 to the end, every 15.
                high = pieces.count == 2 ? range.upperBound : low
            }
            result.formUnion(stride(from: low, through: high, by: step))
        }
        return result
    }

    /// Whether the schedule fires in the minute of these calendar components.
    func matches(minute: Int, hour: Int, day: Int, month: Int, weekday: Int) -> Bool {
        minutes.contains(minute) && hours.contains(hour) && months.contains(month) && matchesDay(day: day, weekday: weekday)
    }

    /// The first minute strictly after `date` at which the schedule fires, in `timeZone`; nil
    /// when it never fires (such as 30 February) within eight years.
    public func next(after date: Date, in timeZone: TimeZone = TimeZone(identifier: "UTC")!) -> Date? {
        var calendar = Calendar(identifier: .gregorian)
        calendar.timeZone = timeZone
        // Start at the next whole minute.
        let start = calendar.dateInterval(of: .minute, for: date)!.end
        var components = calendar.dateComponents([.year, .month, .day, .hour, .minute], from: start)
        let lastYear = components.year! + 8
        while components.year! <= lastYear {
            guard months.contains(components.month!) else {
                components.month! += 1
                components.day = 1; components.hour = 0; components.minute = 0
                if components.month! > 12 { components.month = 1; components.year! += 1 }
                continue
            }
            guard let dayStart = calendar.date(from: DateComponents(year: components.year, month: components.month, day: components.day)),
                  calendar.component(.month, from: dayStart) == components.month else {
                // Past the month's last day.
                components.month! += 1
                components.day = 1; components.hour = 0; components.minute = 0
                if components.month! > 12 { components.month = 1; components.year! += 1 }
                continue
            }
            let weekday = calendar.component(.weekday, from: dayStart) - 1
            if matchesDay(day: components.day!, weekday: weekday) {
                for hour in hours.sorted() where hour >= components.hour! {
                    for minute in minutes.sorted() where hour > components.hour! || minute >= components.minute! {
                        var wanted = DateComponents(year: components.year, month: components.month, day: components.day, hour: hour, minute: minute)
                        wanted.timeZone = timeZone
                        // A local time skipped by a daylight-saving change does not exist: skip it.
                        guard let candidate = calendar.date(from: wanted),
                              calendar.component(.hour, from: candidate) == hour, calendar.component(.minute, from: candidate) == minute,
                              candidate > date else { continue }
                        return candidate
                    }
                }
            }
            components.day! += 1
            components.hour = 0
            components.minute = 0
        }
        return nil
    }

    private func matchesDay(day: Int, weekday: Int) -> Bool {
        let dayOfMonth = daysOfMonth.contains(day)
        let dayOfWeek = daysOfWeek.contains(weekday)
        if dayOfMonthRestricted && dayOfWeekRestricted { return dayOfMonth || dayOfWeek }
        return dayOfMonth && dayOfWeek
    }
}
