import Audit
@preconcurrency import Crypto
import Foundation
import Geo
import Reports
import XCTest

/// The bundle's integrity: any changed byte, in any file or in the signature, is named.
final class EvidenceBundleTests: XCTestCase {
    private struct Fixture {
        var bundle: Data
        var key: Curve25519.Signing.PrivateKey
    }

    private func fixture() throws -> Fixture {
        let key = Curve25519.Signing.PrivateKey()
        let directory = try ReportFixtures.directory(try ReportFixtures.audit())
        return Fixture(bundle: try EvidenceBundle.export(auditDirectory: directory, signingKey: key, toolVersion: "test"), key: key)
    }

    /// The bundle with `change` applied to its entries, packed again.
    private func repacked(_ bundle: Data, _ change: (inout [Tar.Entry]) -> Void) throws -> Data {
        var entries = try Tar.read(try Gzip.decompress(bundle))
        change(&entries)
        return try Gzip.compress(try Tar.write(entries))
    }

    func testIntactBundleVerifiesAndListsFindingsReportsAndFlows() throws {
        let fixture = try fixture()
        let verification = try EvidenceBundle.verify(fixture.bundle, publicKey: fixture.key.publicKey)
        XCTAssertEqual(verification.problems, [])
        let paths = try Tar.read(try Gzip.decompress(fixture.bundle)).map(\.path)
        for expected in ["MANIFEST.json", "MANIFEST.json.sig", "findings.json", "flows.json", "reports/report.en.html", "reports/report.zh.html",
                         "reports/assessment-results.zh.oscal.json", "reports/findings.en.csv", "reports/report.zh.md", "reports/report.en.json"] {
            XCTAssertTrue(paths.contains(expected), expected)
        }
        XCTAssertEqual(verification.manifest?.policies.map(\.file), ["circular32.yaml", "operators.yaml", "providers.yaml", "data-export.yaml", "organization.yaml"])
    }

    func testSealedFilesComeAfterASignedManifestListingEachAndVerify() throws {
        let key = Curve25519.Signing.PrivateKey()
        let run = EvidenceBundle.Manifest.Run(gateway: "gw-1", id: "run-1", trigger: "manual")
        let manifest = EvidenceBundle.Manifest(toolVersion: "test", createdAt: "2026-12-05T00:00:00Z", auditGeneratedAt: "2026-12-05T00:00:00Z",
                                               auditAsOf: "2026-12-05", organization: nil, policies: [], pseudonymized: false, notes: [], run: run)
        let files = [Tar.Entry(path: "findings.json", data: Data("{}".utf8)), Tar.Entry(path: "flows.json", data: Data("[]".utf8))]
        let sealed = try EvidenceBundle.seal(files, manifest: manifest, signingKey: key)
        XCTAssertEqual(sealed.map(\.path), ["MANIFEST.json", "MANIFEST.json.sig", "findings.json", "flows.json"])
        let verification = EvidenceBundle.verify(entries: sealed, publicKey: key.publicKey)
        XCTAssertEqual(verification.problems, [])
        XCTAssertEqual(verification.manifest?.files.map(\.path), ["findings.json", "flows.json"])
        XCTAssertEqual(verification.manifest?.run, run)
        var altered = sealed
        altered[3].data = Data("[1]".utf8)
        XCTAssertEqual(EvidenceBundle.verify(entries: altered, publicKey: key.publicKey).problems,
                       ["flows.json: altered: its SHA-256 is not the one in MANIFEST.json"])
    }

    func testChangingOneByteOfAnyFileNamesThatFile() throws {
        let fixture = try fixture()
        let entries = try Tar.read(try Gzip.decompress(fixture.bundle))
        XCTAssertGreaterThan(entries.count, 10)
        for (index, entry) in entries.enumerated() {
            let altered = try repacked(fixture.bundle) { entries in
                var bytes = [UInt8](entries[index].data)
                bytes[bytes.count / 2] ^= 0x01
                entries[index].data = Data(bytes)
            }
            let problems = try EvidenceBundle.verify(altered, publicKey: fixture.key.publicKey).problems
            XCTAssertFalse(problems.isEmpty, "\(entry.path) altered yet verified")
            XCTAssertTrue(problems.first?.hasPrefix(entry.path + ": ") ?? false, "\(entry.path): \(problems)")
        }
    }

    func testChangingTheSignatureItselfSaysTheSignatureDoesNotMatch() throws {
        let fixture = try fixture()
        let altered = try repacked(fixture.bundle) { entries in
            let index = entries.firstIndex { $0.path == EvidenceBundle.signatureName }!
            var text = String(decoding: entries[index].data, as: UTF8.self)
            let signature = text.range(of: "signature: ")!.upperBound
            let position = text.index(signature, offsetBy: 10)
            text.replaceSubrange(position...position, with: text[position] == "A" ? "B" : "A")
            entries[index].data = Data(text.utf8)
        }
        XCTAssertEqual(try EvidenceBundle.verify(altered, publicKey: fixture.key.publicKey).problems,
                       ["MANIFEST.json.sig: altered: the signature does not match MANIFEST.json"])
    }

    func testAnotherKeyDoesNotVerify() throws {
        let fixture = try fixture()
        let problems = try EvidenceBundle.verify(fixture.bundle, publicKey: Curve25519.Signing.PrivateKey().publicKey).problems
        XCTAssertEqual(problems.count, 1)
        XCTAssertTrue(problems[0].contains("the signature does not match this public key"), problems[0])
    }

    func testAddedAndRemovedFilesAreNamed() throws {
        let fixture = try fixture()
        let changed = try repacked(fixture.bundle) { entries in
            entries.removeAll { $0.path == "flows.json" }
            entries.append(Tar.Entry(path: "reports/extra.txt", data: Data("planted".utf8)))
        }
        XCTAssertEqual(try EvidenceBundle.verify(changed, publicKey: fixture.key.publicKey).problems,
                       ["flows.json: missing", "reports/extra.txt: added: not in MANIFEST.json"])
    }

    func testPseudonymisedBundleHoldsNoInternalAddressAndStillVerifies() throws {
        let key = Curve25519.Signing.PrivateKey()
        let result = try ReportFixtures.audit()
        let directory = try ReportFixtures.directory(result)
        XCTAssertTrue(try String(contentsOfFile: directory + "/findings.json", encoding: .utf8).contains("198.51.100.10"))
        let pseudonymizer = Pseudonymizer(key: Data("bundle pseudonym key, 32 bytes!!".utf8), declared: [AddressRange("198.51.100.0/26")!])
        let bundle = try EvidenceBundle.export(auditDirectory: directory, signingKey: key, pseudonymizer: pseudonymizer, toolVersion: "test")
        let verification = try EvidenceBundle.verify(bundle, publicKey: key.publicKey)
        XCTAssertEqual(verification.problems, [])
        XCTAssertEqual(verification.manifest?.pseudonymized, true)
        for entry in try Tar.read(try Gzip.decompress(bundle)) {
            XCTAssertFalse(entry.path.hasPrefix("snapshot/"), entry.path)
            XCTAssertFalse(String(decoding: entry.data, as: UTF8.self).contains("198.51.100.10"), "\(entry.path) shows a gateway address")
        }
    }

    func testArchiveRefusesParentAndAbsolutePaths() throws {
        for path in ["../escape", "/etc/passwd", "a/../../b", "a//b", "./a"] {
            XCTAssertThrowsError(try Tar.write([Tar.Entry(path: path, data: Data())]), path)
        }
        // A hand-made archive that names ../escape is refused on reading too.
        var archive = try Tar.write([Tar.Entry(path: "aa/escape", data: Data("x".utf8))])
        archive.replaceSubrange(0..<2, with: Data("..".utf8))
        var header = [UInt8](archive.prefix(512))
        for index in 148..<156 { header[index] = 0x20 }
        let sum = String(header.reduce(0) { $0 + Int($1) }, radix: 8)
        let field = Array((String(repeating: "0", count: 6 - sum.count) + sum + "\0 ").utf8)
        archive.replaceSubrange(148..<156, with: field)
        XCTAssertThrowsError(try Tar.read(archive)) { error in
            XCTAssertEqual(error as? Tar.Failure, .unsafePath("../escape"))
        }
    }

    func testArchiveRoundTripsLongNamesAndDetectsDamage() throws {
        let long = String(repeating: "d", count: 90) + "/" + String(repeating: "f", count: 80) + ".conf"
        let entries = [Tar.Entry(path: long, data: Data(repeating: 7, count: 1000)), Tar.Entry(path: "empty", data: Data())]
        let archive = try Tar.write(entries)
        XCTAssertEqual(archive.count % 512, 0)
        XCTAssertEqual(try Tar.read(archive), entries)
        var damaged = archive
        damaged[130] ^= 0x01
        XCTAssertThrowsError(try Tar.read(damaged)) { error in
            XCTAssertEqual(error as? Tar.Failure, .damaged(offset: 0, reason: "header checksum does not match"))
        }
        let packed = try Gzip.compress(archive)
        XCTAssertEqual(Array(packed.prefix(2)), [0x1F, 0x8B], "gzip magic")
        XCTAssertEqual(try Gzip.decompress(packed), archive)
        XCTAssertThrowsError(try Gzip.decompress(packed.prefix(packed.count / 2)))
    }

    func testKeysRoundTripThroughPEMAndRefuseToOverwrite() throws {
        let directory = ReportFixtures.temporaryDirectory()
        try SecureFile.makeDirectory(directory)
        let fingerprint = try SigningKeys.generate(privatePath: directory + "/k", publicPath: directory + "/k.pub")
        XCTAssertEqual(SigningKeys.fingerprint(try SigningKeys.loadPublic(directory + "/k.pub")), fingerprint)
        XCTAssertEqual(SigningKeys.fingerprint(try SigningKeys.loadPrivate(directory + "/k").publicKey), fingerprint)
        let mode = try FileManager.default.attributesOfItem(atPath: directory + "/k")[.posixPermissions] as? NSNumber
        XCTAssertEqual(mode?.intValue, 0o600)
        XCTAssertThrowsError(try SigningKeys.generate(privatePath: directory + "/k", publicPath: directory + "/other.pub"))
        XCTAssertThrowsError(try SigningKeys.loadPrivate(directory + "/k.pub"), "a public key is not a private key")
    }
}
