import Detection
import Foundation
import Packets
import Policy
import TestSupport
import XCTest

final class ProviderCatalogLoaderTests: XCTestCase {
    private let valid = """
        version: 1
        as_of: 2026-05-01
        sources: ["https://example.org/doc"]
        providers:
          - name: Example VPN
            kind: vpn-service
            domains: [examplevpn.com, api.examplevpn.net]
            address_ranges: [192.0.2.0/24, "2001:db8::/32"]
            sources: ["https://examplevpn.com/firewall"]
          - name: Example WAN
            kind: sd-wan
            domains: [examplewan.net]
            sources: [vendor guide]
        """

    func testValidCatalogLoadsProvidersDomainsAndRanges() throws {
        let catalog = try ProviderCatalogLoader.parse(valid)
        XCTAssertEqual(catalog.version, 1)
        XCTAssertEqual(catalog.asOf, "2026-05-01")
        XCTAssertEqual(catalog.providers.map(\.name), ["Example VPN", "Example WAN"])
        XCTAssertEqual(catalog.providers[1].kind, .sdWan)
        XCTAssertEqual(catalog.match(serverName: "x.api.examplevpn.net")?.name, "Example VPN")
        XCTAssertEqual(catalog.match(address: IPAddress("192.0.2.77")!)?.name, "Example VPN")
        XCTAssertEqual(catalog.match(address: IPAddress("2001:db8::5")!)?.name, "Example VPN")
    }

    private func error(_ text: String) -> ProviderCatalogError? {
        do {
            _ = try ProviderCatalogLoader.parse(text, file: "p.yaml")
            return nil
        } catch let error as ProviderCatalogError {
            return error
        } catch {
            XCTFail("unexpected \(error)")
            return nil
        }
    }

    func testUnknownKeyIsAnErrorWithFileLineAndKey() {
        let text = valid.replacingOccurrences(of: "    kind: sd-wan", with: "    kind: sd-wan\n    domain: [typo.example]")
        let found = error(text)
        XCTAssertEqual(found?.file, "p.yaml")
        XCTAssertEqual(found?.line, 12)
        XCTAssertEqual(found?.key, "providers[1].domain")
        XCTAssertTrue(found?.description.hasPrefix("p.yaml:12: providers[1].domain: unknown key") ?? false, found?.description ?? "")
    }

    func testUnknownTopLevelKeyIsAnError() {
        XCTAssertEqual(error("extra: 1\n" + valid)?.key, "extra")
    }

    func testBadCIDRIsReportedAtItsLine() {
        let found = error(valid.replacingOccurrences(of: "192.0.2.0/24", with: "192.0.2.0/40"))
        XCTAssertEqual(found?.line, 8)
        XCTAssertEqual(found?.key, "providers[0].address_ranges[0]")
    }

    func testBadKindMissingSourcesAndDuplicatesAreErrors() {
        XCTAssertEqual(error(valid.replacingOccurrences(of: "kind: vpn-service", with: "kind: vpn"))?.key, "providers[0].kind")
        XCTAssertEqual(error(valid.replacingOccurrences(of: "    sources: [vendor guide]\n", with: "").replacingOccurrences(of: "    sources: [vendor guide]", with: ""))?.key,
                       "providers[1].sources")
        XCTAssertEqual(error(valid.replacingOccurrences(of: "Example WAN", with: "Example VPN"))?.key, "providers[1].name")
        XCTAssertEqual(error(valid.replacingOccurrences(of: "examplewan.net", with: "not a domain"))?.key, "providers[1].domains[0]")
    }

    func testVersionAndDateAreChecked() {
        XCTAssertEqual(error(valid.replacingOccurrences(of: "version: 1", with: "version: 2"))?.key, "version")
        XCTAssertEqual(error(valid.replacingOccurrences(of: "as_of: 2026-05-01", with: "as_of: May 2026"))?.key, "as_of")
    }

    func testInvalidYAMLReportsALine() {
        let found = error("version: 1\nproviders: [\n  - a: b\n")
        XCTAssertNotNil(found)
        XCTAssertGreaterThan(found?.line ?? 0, 0)
    }

    func testMissingFileIsAnError() {
        XCTAssertThrowsError(try ProviderCatalogLoader.load(contentsOf: URL(fileURLWithPath: "/nonexistent/providers.yaml")))
    }

    /// The catalog shipped in the repository loads, names the providers the project relies on,
    /// and gives each its sources.
    func testShippedCatalogLoads() throws {
        let url = Corpus.packageRoot.appendingPathComponent("policies/providers.yaml")
        let catalog = try ProviderCatalogLoader.load(contentsOf: url)
        let names = Set(catalog.providers.map(\.name))
        for name in ["NordVPN", "Cloudflare WARP", "ProtonVPN", "TunnelBear", "Opera VPN", "Mullvad", "Surfshark", "Windscribe",
                     "Private Internet Access", "ExpressVPN", "hide.me"] {
            XCTAssertTrue(names.contains(name), name)
        }
        XCTAssertTrue(catalog.providers.contains { $0.kind == .sdWan })
        XCTAssertTrue(catalog.providers.allSatisfy { !$0.sources.isEmpty })
        XCTAssertEqual(catalog.match(address: IPAddress("162.159.193.5")!)?.name, "Cloudflare WARP")
        XCTAssertNil(catalog.match(serverName: "www.google.com"))
        XCTAssertNil(catalog.match(serverName: "github.com"))
    }
}
