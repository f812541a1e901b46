@preconcurrency import Crypto
import FleetStore
import Foundation
import Reports
import TestSupport
import XCTest

/// What the server stores of a run, and what it refuses: each refusal with its HTTP status and
/// reason, and nothing of a refused run in the database.
final class IngestionTests: FleetTestCase, @unchecked Sendable {
    func testAnEnrolledGatewaysRunIsStoredWholeAndTheAPIAnswersForIt() throws {
        let server = try startServer()
        let gateway = try TestGateway("shanghai-gw1", in: directory)
        try enroll(gateway, site: "Shanghai office")
        let audit = FleetFixtures.audit(at: Date())
        let bundle = try gateway.bundle(audit, runID: "20261202T010000Z-000001", nextRunDue: Date().addingTimeInterval(3600))

        let answer = try send(bundle, to: server)
        XCTAssertEqual(answer.status, 201, answer.body)
        XCTAssertEqual((answer.json as? [String: String])?["status"], "stored")

        let files = try EvidenceBundle.entries(of: bundle)
        XCTAssertEqual(try count("runs"), 1)
        XCTAssertEqual(try count("run_members"), files.count, "every file of the bundle is kept")
        XCTAssertEqual(try count("findings"), audit.findings.count)
        // Byte for byte: each stored file hashes to what the signed manifest says.
        for file in files {
            let stored = try sql("SELECT encode(d.sha256, 'hex') FROM run_members m JOIN documents d ON d.sha256 = m.sha256 WHERE m.path = '\(file.path)'")
            XCTAssertEqual(stored, SHA256.hash(data: file.data).map { String(format: "%02x", $0) }.joined(), file.path)
        }

        let gateways = try XCTUnwrap(try HTTP.get(server.url + "/api/v1/gateways").json as? [[String: Any]])
        XCTAssertEqual(gateways.count, 1)
        XCTAssertEqual(gateways[0]["name"] as? String, "shanghai-gw1")
        XCTAssertEqual(gateways[0]["status"] as? String, "ok")
        XCTAssertEqual(gateways[0]["site"] as? String, "Shanghai office")
        XCTAssertEqual((gateways[0]["last_run"] as? [String: Any])?["run_id"] as? String, "20261202T010000Z-000001")

        let open = audit.findings.filter { $0.waiver?.active != true }
        let findings = try XCTUnwrap(try HTTP.get(server.url + "/api/v1/findings?limit=1000").json as? [String: Any])
        XCTAssertEqual(findings["total"] as? Int, open.count)

        let verified = try XCTUnwrap(try HTTP.get(server.url + "/api/v1/gateways/shanghai-gw1/runs/20261202T010000Z-000001/verify").json as? [String: Any])
        XCTAssertEqual(verified["intact"] as? Bool, true, "\(verified)")

        let metrics = try HTTP.get(server.url + "/metrics").body
        XCTAssertTrue(metrics.contains("circuit_audit_runs_ingested_total 1"), metrics)
        XCTAssertEqual(try HTTP.get(server.url + "/healthz").status, 200)
    }

    func testTheSameRunSentTwiceIsStoredOnce() throws {
        let server = try startServer()
        let gateway = try TestGateway("gw", in: directory)
        try enroll(gateway)
        let audit = FleetFixtures.audit(at: Date())
        let bundle = try gateway.bundle(audit, runID: "run-1")
        XCTAssertEqual(try send(bundle, to: server).status, 201)
        let again = try send(bundle, to: server)
        XCTAssertEqual(again.status, 200, again.body)
        XCTAssertEqual((again.json as? [String: String])?["status"], "duplicate")
        // The same run bundled again (a new manifest time, the same audit and run id) is the same run.
        Thread.sleep(forTimeInterval: 1.1)
        XCTAssertEqual(try send(try gateway.bundle(audit, runID: "run-1"), to: server).status, 200)
        XCTAssertEqual(try count("runs"), 1)
        XCTAssertEqual(try count("findings"), audit.findings.count)
    }

    func testEveryBadSubmissionIsRefusedWithItsReasonAndNothingIsStored() throws {
        let server = try startServer(extra: "limits: {max_bundle_bytes: 8388608}\n")
        let gateway = try TestGateway("gw", in: directory)
        let stranger = try TestGateway("stranger", in: directory)
        try enroll(gateway)
        let stored = try gateway.bundle(FleetFixtures.audit(at: Date(timeIntervalSinceNow: -7200)), runID: "run-old")
        XCTAssertEqual(try send(stored, to: server).status, 201)

        let fresh = FleetFixtures.audit(at: Date())
        var cases: [(name: String, body: Data, status: Int, reason: String)] = []
        cases.append(("unknown gateway", try stranger.bundle(fresh, runID: "run-x"), 403, "unknown_gateway"))
        cases.append(("wrong key", try gateway.bundle(fresh, runID: "run-2", signedBy: stranger.key), 401, "bad_signature"))
        cases.append(("altered member", try Self.altered(try gateway.bundle(fresh, runID: "run-3")), 422, "tampered"))
        cases.append(("replayed run under a new id", try Self.rebundled(stored, as: "run-4", key: gateway.key), 409, "replay"))
        cases.append(("truncated bundle", try gateway.bundle(fresh, runID: "run-5").prefix(3000), 400, "malformed"))
        cases.append(("path traversal", try Self.gzip(Self.tar([("../../etc/cron.d/evil", Data("* * * * * root sh\n".utf8))])), 400, "malformed"))
        cases.append(("JSON bomb", try Self.signedRun(findings: Data((String(repeating: "[", count: 200_000) + String(repeating: "]", count: 200_000)).utf8),
                                                      gateway: gateway, runID: "run-6"), 400, "malformed"))
        cases.append(("not gzip", Data("hello".utf8), 400, "malformed"))
        cases.append(("body over the limit", Data(count: 9 << 20), 413, "too_large"))
        for (name, body, status, reason) in cases {
            let answer = try send(body, to: server)
            XCTAssertEqual(answer.status, status, "\(name): \(answer.body)")
            XCTAssertEqual((answer.json as? [String: String])?["error"], reason, "\(name): \(answer.body)")
            XCTAssertFalse((answer.json as? [String: String])?["message"]?.isEmpty ?? true, name)
        }
        XCTAssertEqual(try count("runs"), 1, "nothing of a refused run is stored")
        XCTAssertEqual(try count("findings", "run <> (SELECT id FROM runs WHERE run_id = 'run-old')"), 0)
        let metrics = try HTTP.get(server.url + "/metrics").body
        for reason in ["unknown_gateway", "bad_signature", "tampered", "replay", "too_large"] {
            XCTAssertTrue(metrics.contains("circuit_audit_runs_rejected_total{reason=\"\(reason)\"} 1"), "\(reason) counted:\n\(metrics)")
        }
        XCTAssertTrue(server.logText.contains("run refused (tampered)"), server.logText)
        XCTAssertTrue(server.process.isRunning, "bad input never stops the server")
    }

    func testADeclaredGigabyteBodyIsRefusedBeforeItIsRead() throws {
        let server = try startServer()
        // A client that claims 1 GiB and starts sending: the answer comes before the body.
        let port = try XCTUnwrap(server.url.split(separator: ":").last.flatMap { Int($0) })
        let script = """
            import socket
            s = socket.create_connection(("127.0.0.1", \(port)))
            s.sendall(b"POST /api/v1/runs HTTP/1.1\\r\\nHost: x\\r\\nContent-Type: application/gzip\\r\\nContent-Length: 1073741824\\r\\n\\r\\n")
            try:
                for _ in range(64):
                    s.sendall(b"\\0" * 65536)
            except OSError:
                pass
            s.settimeout(30)
            print(s.recv(4096).decode(errors="replace").split("\\r\\n")[0])
            """
        let result = try ProcessRunner.run("python3", ["-c", script], timeout: 60)
        XCTAssertTrue(result.stdout.contains("413"), result.stdout + result.stderr)
        XCTAssertTrue(server.process.isRunning)
        XCTAssertEqual(try count("runs"), 0)
    }

    func testAGzipBombAndTooManyMembersAreRefusedWithinTheServersLimits() throws {
        let server = try startServer(extra: "limits: {max_inflated_bytes: 67108864, max_members: 1000}\n")
        let bomb = directory.appendingPathComponent("bomb.gz"), members = directory.appendingPathComponent("members.tar.gz")
        // 1 GiB of zeros deflated to about 1 MB; and 1,001 one-byte files.
        let script = """
            import io, sys, tarfile, zlib
            z = zlib.compressobj(9, zlib.DEFLATED, 31)
            with open(sys.argv[1], "wb") as out:
                chunk = bytes(1 << 20)
                for _ in range(1024):
                    out.write(z.compress(chunk))
                out.write(z.flush())
            with tarfile.open(sys.argv[2], "w:gz") as archive:
                for index in range(1001):
                    info = tarfile.TarInfo("f%05d" % index)
                    info.size = 1
                    archive.addfile(info, io.BytesIO(b"x"))
            """
        let made = try ProcessRunner.run("python3", ["-c", script, bomb.path, members.path], timeout: 300)
        XCTAssertEqual(made.status, 0, made.stderr)
        XCTAssertLessThan(try Data(contentsOf: bomb).count, 2 << 20)
        for (file, limit) in [(bomb, "inflated size"), (members, "members")] {
            let answer = try HTTP.post(server.url + "/api/v1/runs", file: file.path)
            XCTAssertEqual(answer.status, 413, answer.body)
            XCTAssertEqual((answer.json as? [String: String])?["error"], "too_large")
            XCTAssertTrue((answer.json as? [String: String])?["message"]?.contains(limit) ?? false, answer.body)
        }
        XCTAssertTrue(server.process.isRunning)
        XCTAssertEqual(try count("runs"), 0)
    }

    func testAStoredRunIsVerifiedAgainLaterAndAnAlteredFileIsNamed() throws {
        let server = try startServer()
        let gateway = try TestGateway("gw", in: directory)
        try enroll(gateway)
        XCTAssertEqual(try send(try gateway.bundle(FleetFixtures.audit(at: Date()), runID: "run-1"), to: server).status, 201)
        let url = server.url + "/api/v1/gateways/gw/runs/run-1/verify"
        XCTAssertEqual((try HTTP.get(url).json as? [String: Any])?["intact"] as? Bool, true)
        // Someone with database access edits the stored findings.
        _ = try sql("""
            UPDATE documents SET bytes = bytes || '\\x20'::bytea WHERE sha256 = (SELECT m.sha256 FROM run_members m WHERE m.path = 'findings.json')
            """)
        let answer = try XCTUnwrap(try HTTP.get(url).json as? [String: Any])
        XCTAssertEqual(answer["intact"] as? Bool, false)
        XCTAssertTrue((answer["problems"] as? [String])?.contains { $0.hasPrefix("findings.json: altered") } ?? false, "\(answer)")
        // The stored bundle can be downloaded and checked with the command anyone has.
        let bundleFile = directory.appendingPathComponent("downloaded.tar.gz")
        let download = try ProcessRunner.run("curl", ["-s", "-u", "\(HTTP.reader.name):\(HTTP.reader.password)", "-o", bundleFile.path,
                                                      server.url + "/api/v1/gateways/gw/runs/run-1/bundle"])
        XCTAssertEqual(download.status, 0)
        let verify = try ProcessRunner.run(ServerProcess.binary, ["verify", bundleFile.path, "--pub", gateway.publicKeyPath])
        XCTAssertEqual(verify.status, 1, verify.stdout)
        XCTAssertTrue(verify.stdout.contains("findings.json: altered"), verify.stdout)
    }

    // MARK: - Bundles made wrong on purpose

    static func altered(_ bundle: Data) throws -> Data {
        var files = try EvidenceBundle.entries(of: bundle)
        let index = try XCTUnwrap(files.firstIndex { $0.path == "findings.json" })
        files[index].data = files[index].data.replacingOccurrences(of: "C2_SELF_BUILT_UNAPPROVED", with: "C1_LICENSED_INTERNAL")
        return try gzip(files.map { ($0.path, $0.data) })
    }

    /// An old run's files signed again as a new run id: what a replay looks like.
    static func rebundled(_ bundle: Data, as runID: String, key: Curve25519.Signing.PrivateKey) throws -> Data {
        let files = try EvidenceBundle.entries(of: bundle)
        let findings = try XCTUnwrap(files.first { $0.path == "findings.json" }).data
        return try signedRun(findings: findings, gateway: nil, runID: runID, key: key, gatewayName: "gw")
    }

    /// A bundle with `findings` as its findings.json, signed properly: the server must judge its content.
    static func signedRun(findings: Data, gateway: TestGateway?, runID: String, key: Curve25519.Signing.PrivateKey? = nil, gatewayName: String? = nil) throws -> Data {
        let signer = key ?? gateway!.key
        let manifest: [String: Any] = [
            "format": "circuit-audit evidence bundle", "format_version": 1, "tool_version": "test",
            "created_at": ISO8601DateFormatter().string(from: Date()), "audit_generated_at": "2026-12-02T00:00:00Z", "audit_as_of": "2026-12-02",
            "policies": [Any](), "pseudonymized": false, "notes": [Any](),
            "files": [["path": "findings.json", "sha256": SHA256.hash(data: findings).map { String(format: "%02x", $0) }.joined(), "bytes": findings.count]],
            "run": ["gateway": gatewayName ?? gateway!.name, "id": runID, "trigger": "schedule"],
        ]
        let manifestData = try JSONSerialization.data(withJSONObject: manifest, options: [.sortedKeys])
        let signature = try signer.signature(for: manifestData)
        let signatureFile = """
            circuit-audit evidence bundle signature
            algorithm: ed25519
            key: \(SigningKeys.fingerprint(signer.publicKey))
            manifest-sha256: \(SHA256.hash(data: manifestData).map { String(format: "%02x", $0) }.joined())
            signature: \(signature.base64EncodedString())

            """
        return try gzip([(EvidenceBundle.manifestName, manifestData), (EvidenceBundle.signatureName, Data(signatureFile.utf8)), ("findings.json", findings)])
    }

    static func gzip(_ files: [(String, Data)]) throws -> Data { try gzip(tar(files)) }

    static func gzip(_ archive: Data) throws -> Data {
        let input = directoryFile(archive)
        defer { try? FileManager.default.removeItem(atPath: input) }
        let result = try ProcessRunner.run("/bin/sh", ["-c", "gzip -c < '\(input)' | base64 -w0"])
        return try XCTUnwrap(Data(base64Encoded: result.stdout.trimmingCharacters(in: .whitespacesAndNewlines)))
    }

    private static func directoryFile(_ data: Data) -> String {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("tar-\(UUID().uuidString)").path
        FileManager.default.createFile(atPath: path, contents: data)
        return path
    }

    /// A ustar archive written here byte by byte, so it can hold names the project's writer refuses.
    static func tar(_ files: [(String, Data)]) -> Data {
        var archive = Data()
        for (name, data) in files {
            var header = [UInt8](repeating: 0, count: 512)
            func put(_ text: String, _ offset: Int) { for (index, byte) in text.utf8.enumerated() { header[offset + index] = byte } }
            put(name, 0)
            put("0000600\0", 100)
            put("0000000\0", 108)
            put("0000000\0", 116)
            put(String(format: "%011o\0", data.count), 124)
            put("00000000000\0", 136)
            header[156] = UInt8(ascii: "0")
            put("ustar\0", 257)
            put("00", 263)
            for index in 148..<156 { header[index] = 0x20 }
            put(String(format: "%06o\0 ", header.reduce(0) { $0 + Int($1) }), 148)
            archive.append(contentsOf: header)
            archive.append(data)
            archive.append(Data(count: (512 - data.count % 512) % 512))
        }
        archive.append(Data(count: 1024))
        return archive
    }
}

extension Data {
    func replacingOccurrences(of target: String, with replacement: String) -> Data {
        Data(String(decoding: self, as: UTF8.self).replacingOccurrences(of: target, with: replacement).utf8)
    }
}
