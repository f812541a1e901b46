import Audit
import Foundation
import Geo
import Inventory
import Reports
import XCTest

/// Tokens replace what identifies people and inside machines, stably, and nothing else.
final class PseudonymizerTests: XCTestCase {
    private let key = Data("a test key of at least 16 bytes".utf8)

    func testInternalAddressesBecomeTokensAndPublicPeersStay() {
        let pseudonymizer = Pseudonymizer(key: key, declared: [AddressRange("198.51.100.0/27")!])
        let text = pseudonymizer.replaceAddresses(
            in: "from 10.1.0.50:51820 via 198.51.100.7, [fd00::1]:443 and 10.20.0.0/16 to 203.0.113.7:51820.", forced: [])
        XCTAssertFalse(text.contains("10.1.0.50"))
        XCTAssertFalse(text.contains("198.51.100.7"))
        XCTAssertFalse(text.contains("fd00::1"))
        XCTAssertFalse(text.contains("10.20.0.0"))
        XCTAssertTrue(text.contains("203.0.113.7:51820."), text)
        XCTAssertTrue(text.contains(pseudonymizer.token("ip", "10.1.0.50") + ":51820"), text)
        XCTAssertTrue(text.contains(pseudonymizer.token("ip", "10.20.0.0") + "/16"), text)
        XCTAssertEqual(pseudonymizer.replaceAddresses(in: "version 0.1.0 at 2026-11-24T09:10:11Z", forced: []), "version 0.1.0 at 2026-11-24T09:10:11Z")
    }

    func testSameKeyGivesSameTokensAndAnotherKeyOthers() {
        let one = Pseudonymizer(key: key), again = Pseudonymizer(key: key), other = Pseudonymizer(key: Data("another key, also 16+ bytes".utf8))
        XCTAssertEqual(one.token("host", "laptop-7.corp"), again.token("host", "laptop-7.corp"))
        XCTAssertNotEqual(one.token("host", "laptop-7.corp"), other.token("host", "laptop-7.corp"))
        XCTAssertNotEqual(one.token("host", "a"), one.token("user", "a"), "kinds are separate")
        XCTAssertNotNil(one.token("ip", "10.0.0.1").range(of: "^ip-[0-9a-f]{12}$", options: .regularExpression))
    }

    func testHostAndUserNamesAreReplacedWhereverTheyStandAlone() {
        XCTAssertEqual(Pseudonymizer.replaceWord("alice", with: "user-1", in: "alice ran /home/alice/vpn; malice stays"), "user-1 ran /home/user-1/vpn; malice stays")
        XCTAssertEqual(Pseudonymizer.homeDirectoryUsers(in: "/home/bob/.config/x and /var/spool/cron/crontabs/carol"), ["bob", "carol"])
        XCTAssertEqual(Pseudonymizer(key: key).internalHostNames(in: "peer build-3.corp and www.example.com."), ["build-3.corp"])
    }

    func testAPseudonymisedAuditKeepsItsShapeAndLosesItsInternalAddresses() throws {
        let result = try ReportFixtures.audit()
        let pseudonymizer = try Reports.pseudonymizer(keyFile: try keyFile(), for: result)
        let hidden = try pseudonymizer.apply(to: result)
        XCTAssertEqual(hidden.findings.count, result.findings.count)
        XCTAssertEqual(hidden.findings.map(\.circuitID), result.findings.map(\.circuitID))
        let text = String(decoding: try JSONEncoder().encode(hidden), as: UTF8.self)
        for address in ["10.1.0.1", "172.31.0.1", "198.51.100.10", "192.0.2.10"] where String(decoding: try JSONEncoder().encode(result), as: UTF8.self).contains(address) {
            XCTAssertFalse(text.contains("\"\(address)\"") || text.contains(" \(address)") || text.contains("\(address):"), address)
        }
        XCTAssertTrue(text.contains("203.0.113.7"), "the Frankfurt peer is public and stays")
        XCTAssertEqual(try pseudonymizer.apply(to: result), hidden, "the same key gives the same document")
    }

    func testHostAndUserNamesFromTheInputAppearInNoFormat() throws {
        var result = try ReportFixtures.audit()
        result.circuits[0].local = [NetworkEndpoint(host: "gw-sh-01.example-trading.cn", port: 443, transport: "tcp")]
        result.circuits[0].configuration[0].attributes["user"] = "zhang.wei"
        result.circuits[0].insideHosts = ["laptop-zhang.corp"]
        result.findings[0].evidence[0].sources.append("/home/li.na/.config/openconnect.conf:3")
        result.findings[0].evidence[0].fact += " (seen from laptop-zhang.corp and gw-sh-01.example-trading.cn, run by zhang.wei)"
        let hidden = try Pseudonymizer(key: key).apply(to: result)
        for language in ReportLanguage.allCases {
            for format in ReportFormat.allCases {
                let text = String(decoding: try Reports.render(format, ReportContext(result: hidden, language: language, pseudonymized: true)), as: UTF8.self)
                for name in ["gw-sh-01", "zhang.wei", "laptop-zhang", "li.na"] { XCTAssertFalse(text.contains(name), "\(format) \(language) shows \(name)") }
                if format != .csv && format != .oscal { XCTAssertTrue(text.contains("host-"), "\(format) \(language)") }
            }
        }
    }

    func testAShortKeyIsRefusedWithAHowTo() throws {
        let path = ReportFixtures.temporaryDirectory()
        try Data("short".utf8).write(to: URL(fileURLWithPath: path))
        XCTAssertThrowsError(try Pseudonymizer.loadKey(path)) { error in
            XCTAssertTrue("\(error)".contains("head -c 32 /dev/urandom"), "\(error)")
        }
    }

    private func keyFile() throws -> String {
        let path = ReportFixtures.temporaryDirectory()
        try key.write(to: URL(fileURLWithPath: path))
        return path
    }
}
