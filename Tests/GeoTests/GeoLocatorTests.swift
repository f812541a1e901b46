import Geo
import Packets
import XCTest

final class GeoLocatorTests: XCTestCase {
    private let declared = [
        GeoLocator.DeclaredRange(range: AddressRange("203.0.113.0/24")!, site: "offshore HQ", country: "DE", source: "organization.yaml:20"),
        GeoLocator.DeclaredRange(range: AddressRange("203.0.113.128/25")!, site: "Hong Kong office", country: "HK", source: "organization.yaml:24"),
        GeoLocator.DeclaredRange(range: AddressRange("198.51.100.0/24")!, site: "Shanghai branch", country: "CN", source: "organization.yaml:12"),
    ]

    func testTheMostSpecificDeclaredRangeWinsAndSaysWhereItWasDeclared() {
        let locator = GeoLocator(declared: declared)
        let location = locator.locate(IPAddress("203.0.113.200")!)
        XCTAssertEqual(location.site, "Hong Kong office")
        XCTAssertEqual(location.country, "HK")
        XCTAssertEqual(location.source, "organization.yaml:24")
        XCTAssertEqual(locator.locate(IPAddress("203.0.113.7")!).site, "offshore HQ")
    }

    func testHongKongMacauAndTaiwanAreCrossBorderAndOnlyCNIsMainland() {
        for country in ["HK", "MO", "TW", "US", "DE"] {
            XCTAssertEqual(Location(country: country, source: "test").jurisdiction, .crossBorder, country)
        }
        XCTAssertEqual(Location(country: "CN", source: "test").jurisdiction, .mainland)
        XCTAssertEqual(Location(source: "test").jurisdiction, .unknown)
    }

    func testUndeclaredPrivateAndDocumentationRangesAreNamedNotGuessed() {
        let locator = GeoLocator(declared: [])
        let documentation = locator.locate(IPAddress("192.0.2.1")!)
        XCTAssertEqual(documentation.specialRange, "documentation (RFC 5737)")
        XCTAssertEqual(documentation.jurisdiction, .unknown)
        XCTAssertEqual(locator.locate(IPAddress("10.1.2.3")!).specialRange, "private (RFC 1918)")
        XCTAssertEqual(locator.locate(IPAddress("fd00::1")!).specialRange, "unique local (RFC 4193)")
    }

    func testDeclarationsOverrideTheSpecialRanges() {
        let locator = GeoLocator(declared: [GeoLocator.DeclaredRange(range: AddressRange("10.0.0.0/8")!, site: "Beijing LAN", country: "CN", source: "org:3")])
        XCTAssertEqual(locator.locate(IPAddress("10.9.9.9")!).jurisdiction, .mainland)
    }

    func testRangesParseAndMatchOnlyTheirFamily() {
        XCTAssertNil(AddressRange("10.0.0.0/33"))
        XCTAssertNil(AddressRange("nonsense"))
        XCTAssertTrue(AddressRange("0.0.0.0/0")!.contains(IPAddress("8.8.8.8")!))
        XCTAssertFalse(AddressRange("0.0.0.0/0")!.contains(IPAddress("2001:db8::1")!))
        XCTAssertTrue(AddressRange("2001:db8::/32")!.contains(IPAddress("2001:db8:ffff::1")!))
        XCTAssertFalse(AddressRange("2001:db8::/33")!.contains(IPAddress("2001:db8:8000::1")!))
    }

    /// Debian's geoip-database, read through libGeoIP (installed by scripts/setup).
    func testDebianCountryDatabasePlacesWellKnownAddresses() throws {
        let database: LegacyGeoIPDatabase
        do {
            database = try LegacyGeoIPDatabase()
        } catch {
            if ProcessInfo.processInfo.environment["CI"] == "true" { return XCTFail("\(error)") }
            throw XCTSkip("\(error)")
        }
        let locator = GeoLocator(databases: [database])
        XCTAssertEqual(locator.locate(IPAddress("114.114.114.114")!).country, "CN")
        XCTAssertEqual(locator.locate(IPAddress("114.114.114.114")!).jurisdiction, .mainland)
        XCTAssertEqual(locator.locate(IPAddress("8.8.8.8")!).country, "US")
        XCTAssertTrue(locator.locate(IPAddress("8.8.8.8")!).source.contains("GeoIP.dat"))
        XCTAssertNotNil(locator.locate(IPAddress("2001:4860:4860::8888")!).country)
    }

    func testAMissingDatabaseFileIsAClearError() {
        XCTAssertThrowsError(try MaxMindDatabase(path: "/no/such/GeoLite2-ASN.mmdb")) { error in
            XCTAssertTrue("\(error)".hasPrefix("/no/such/GeoLite2-ASN.mmdb: cannot open"))
        }
    }
}

/// A MaxMind DB file written by Fixtures/make-mmdb.py from the format specification, read
/// through libmaxminddb.
final class MaxMindDatabaseTests: XCTestCase {
    private var path: String {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("Fixtures/test-country-asn.mmdb").path
    }

    func testCountryAndAutonomousSystemAreRead() throws {
        let database = try MaxMindDatabase(path: path)
        let answer = try XCTUnwrap(database.lookup(IPAddress("203.0.113.9")!))
        XCTAssertEqual(answer.country, "HK")
        XCTAssertEqual(answer.asn, 10099)
        XCTAssertEqual(answer.organization, "China Unicom Global")
        XCTAssertTrue(database.description.contains("circuit-audit-Test-Country-ASN"))
    }

    func testRegisteredCountryIsUsedWhenThereIsNoCountry() throws {
        XCTAssertEqual(try MaxMindDatabase(path: path).lookup(IPAddress("192.0.2.77")!)?.country, "DE")
    }

    func testAddressesOutsideTheTreeAndIPv6AreNotFound() throws {
        let database = try MaxMindDatabase(path: path)
        XCTAssertNil(database.lookup(IPAddress("8.8.8.8")!))
        XCTAssertNil(database.lookup(IPAddress("2001:db8::1")!))
    }

    func testLocatorGivesTheDatabaseAnswerWithItsSourceAndDeclarationsStillWin() throws {
        let database = try MaxMindDatabase(path: path)
        let location = GeoLocator(databases: [database]).locate(IPAddress("36.110.7.9")!)
        XCTAssertEqual(location.country, "CN")
        XCTAssertEqual(location.asn, 4134)
        XCTAssertTrue(location.source.contains("test-country-asn.mmdb"))
        let declared = GeoLocator(declared: [GeoLocator.DeclaredRange(range: AddressRange("36.110.7.0/24")!, site: "Frankfurt", country: "DE", source: "org:9")],
                                  databases: [database])
        XCTAssertEqual(declared.locate(IPAddress("36.110.7.9")!).country, "DE")
    }
}
