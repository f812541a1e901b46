#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A packet's capture time: nanoseconds since the Unix epoch, UTC.
///
/// A plain integer so flows can compare and subtract times on the packet path without Foundation.
public struct Timestamp: Hashable, Comparable, Sendable {
    public var nanoseconds: Int64

    @inlinable public init(nanoseconds: Int64) { self.nanoseconds = nanoseconds }

    @inlinable public init(seconds: Int64, nanoseconds: Int64 = 0) {
        self.nanoseconds = seconds &* 1_000_000_000 &+ nanoseconds
    }

    @inlinable public static func < (lhs: Timestamp, rhs: Timestamp) -> Bool { lhs.nanoseconds < rhs.nanoseconds }

    /// `self + seconds`, for timeouts.
    @inlinable public func adding(seconds: Double) -> Timestamp {
        Timestamp(nanoseconds: nanoseconds &+ Int64(seconds * 1e9))
    }

    /// Seconds from `earlier` to `self`.
    @inlinable public func seconds(since earlier: Timestamp) -> Double {
        Double(nanoseconds &- earlier.nanoseconds) / 1e9
    }

    /// ISO 8601 in UTC with microseconds, e.g. `2024-03-01T08:15:02.123456Z`.
    public var iso8601: String {
        var seconds = time_t(nanoseconds / 1_000_000_000)
        var remainder = nanoseconds % 1_000_000_000
        if remainder < 0 { seconds -= 1; remainder += 1_000_000_000 }
        var parts = tm()
        gmtime_r(&seconds, &parts)
        func pad(_ value: Int32, _ width: Int) -> String {
            let text = String(value)
            return String(repeating: "0", count: max(0, width - text.count)) + text
        }
        let micros = String(remainder / 1000)
        return "\(pad(parts.tm_year + 1900, 4))-\(pad(parts.tm_mon + 1, 2))-\(pad(parts.tm_mday, 2))"
            + "T\(pad(parts.tm_hour, 2)):\(pad(parts.tm_min, 2)):\(pad(parts.tm_sec, 2))."
            + String(repeating: "0", count: 6 - micros.count) + micros + "Z"
    }
}
