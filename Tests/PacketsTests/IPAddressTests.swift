import Packets
import XCTest

final class IPAddressTests: XCTestCase {
    func testIPv4RoundTripsThroughText() {
        let address = IPAddress("203.0.113.7")
        XCTAssertEqual(address?.description, "203.0.113.7")
        XCTAssertEqual(address?.isIPv4, true)
        XCTAssertEqual(address?.ipv4Value, 0xCB00_7107)
    }

    func testIPv6IsPrintedInRFC5952Form() {
        XCTAssertEqual(IPAddress("2001:0db8:0000:0000:0000:0000:0000:0001")?.description, "2001:db8::1")
        // The longest run of zero groups is the one compressed (RFC 5952 §4.2.3).
        XCTAssertEqual(IPAddress("fe80:0:0:1:0:0:0:1")?.description, "fe80:0:0:1::1")
        XCTAssertEqual(IPAddress("2001:db8::1")?.isIPv4, false)
    }

    func testTextThatIsNotAnAddressIsRejected() {
        XCTAssertNil(IPAddress("2600:1901::7a0b::"))
        XCTAssertNil(IPAddress("300.1.1.1"))
        XCTAssertNil(IPAddress(""))
    }

    func testOrderingPutsIPv4BeforeOrdinaryIPv6() {
        XCTAssertLessThan(IPAddress("10.0.0.1")!, IPAddress("10.0.0.2")!)
        XCTAssertLessThan(IPAddress("255.255.255.255")!, IPAddress("2001:db8::1")!)
    }

    func testTimestampIsFormattedAsISO8601UTC() {
        XCTAssertEqual(Timestamp(seconds: 1_532_126_321, nanoseconds: 123_456_789).iso8601, "2018-07-20T22:38:41.123456Z")
        XCTAssertEqual(Timestamp(seconds: 0).iso8601, "1970-01-01T00:00:00.000000Z")
    }
}

final class TimestampTests: XCTestCase {
    func testCalendarArithmeticHandlesLeapDaysAndCenturies() {
        XCTAssertEqual(Timestamp(seconds: 951_782_400).iso8601, "2000-02-29T00:00:00.000000Z")
        XCTAssertEqual(Timestamp(seconds: 4_107_542_400).iso8601, "2100-03-01T00:00:00.000000Z")
        XCTAssertEqual(Timestamp(seconds: 1_767_225_599, nanoseconds: 999_999_999).iso8601, "2025-12-31T23:59:59.999999Z")
        XCTAssertEqual(Timestamp(nanoseconds: -1_000).iso8601, "1969-12-31T23:59:59.999999Z")
    }
}
