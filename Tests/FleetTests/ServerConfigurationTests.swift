import FleetServer
import FleetUpload
import Foundation
import Policy
import TestSupport
import XCTest

/// The server's configuration file is checked as the daemon's is, plain HTTP stays on loopback,
/// and a TLS server is reached by a gateway that trusts its CA.
final class ServerConfigurationTests: FleetTestCase, @unchecked Sendable {
    func testAnUnknownKeyOrBadValueNamesItsLineAndKey() {
        let text = "listen: 127.0.0.1:8080\ndatabase: postgres://fleet@127.0.0.1/fleet\nretention: {days: 0}\n"
        XCTAssertThrowsError(try ServerConfiguration.parse(text, file: "server.yaml")) { error in
            let failure = error as? PolicyError
            XCTAssertEqual(failure?.line, 3, "\(error)")
            XCTAssertEqual(failure?.key, "retention.days", "\(error)")
        }
        XCTAssertThrowsError(try ServerConfiguration.parse("listen: 127.0.0.1:8080\ndatabase: postgres://f@h/d\nlimts: {}\n", file: "server.yaml")) { error in
            XCTAssertEqual((error as? PolicyError)?.key, "limts", "\(error)")
        }
        XCTAssertThrowsError(try ServerConfiguration.parse("listen: nowhere\ndatabase: postgres://f@h/d\n", file: "server.yaml")) { error in
            XCTAssertEqual((error as? PolicyError)?.key, "listen", "\(error)")
        }
        XCTAssertThrowsError(try ServerConfiguration.parse("database: mysql://f@h/d\n", file: "server.yaml")) { error in
            XCTAssertEqual((error as? PolicyError)?.key, "database", "\(error)")
        }
    }

    func testTheExampleFileSaysEveryKeyAndReadsAsWritten() throws {
        let file = Corpus.packageRoot.appendingPathComponent("examples/fleet/server.yaml").path
        let configuration = try ServerConfiguration.load(file: file, environment: ["DATABASE_URL": "postgres://fleet@127.0.0.1:5432/fleet"])
        XCTAssertEqual(configuration.port, 8443)
        XCTAssertEqual(configuration.retentionDays, 400)
        XCTAssertEqual(configuration.console.sessionLifetime, 12 * 3600)
        XCTAssertEqual(configuration.console.failuresPerUser, 5)
        XCTAssertFalse(configuration.console.trustForwardedFor)
        XCTAssertThrowsError(try ServerConfiguration.parse("database: postgres://f@h/d\nconsole: {session_hours: 0}\n", file: "server.yaml")) { error in
            XCTAssertEqual((error as? PolicyError)?.key, "console.session_hours", "\(error)")
        }
    }

    func testPlainHTTPIsRefusedOffLoopbackAndTheDatabaseURLMayComeFromTheEnvironment() throws {
        XCTAssertThrowsError(try ServerConfiguration.parse("listen: 0.0.0.0:8443\ndatabase: postgres://f@h/d\n", file: "server.yaml")) { error in
            XCTAssertTrue("\(error)".contains("loopback only"), "\(error)")
        }
        let configuration = try ServerConfiguration.parse("listen: 127.0.0.1:9000\n", file: "server.yaml",
                                                          environment: ["DATABASE_URL": "postgres://fleet:secret@db.internal:6432/fleet?sslmode=require"])
        XCTAssertEqual(configuration.database.host, "db.internal")
        XCTAssertEqual(configuration.database.port, 6432)
        XCTAssertEqual(configuration.database.password, "secret")
        XCTAssertFalse(configuration.database.description.contains("secret"), "the password never reaches a log line")
        XCTAssertThrowsError(try ServerConfiguration.parse("listen: 127.0.0.1:9000\n", file: "server.yaml", environment: [:]))
    }

    func testAGatewayTrustingTheServersCASendsOverTLSAndOneTrustingNothingElseIsRefused() throws {
        let certificate = directory.appendingPathComponent("server.crt").path, key = directory.appendingPathComponent("server.key").path
        let made = try ProcessRunner.run("openssl", ["req", "-x509", "-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes", "-days", "2",
                                                     "-subj", "/CN=fleet.test", "-addext", "subjectAltName=IP:127.0.0.1,DNS:localhost",
                                                     "-keyout", key, "-out", certificate])
        XCTAssertEqual(made.status, 0, made.stderr)
        let server = try startServer(extra: "tls: {certificate: \(certificate), key: \(key)}\n")
        XCTAssertTrue(server.url.hasPrefix("https://"), server.url)
        let gateway = try TestGateway("tls-gw", in: directory)
        try enroll(gateway)
        let audit = try gateway.auditDirectory(FleetFixtures.audit(at: Date()), named: "audit")
        let trusted = try ProcessRunner.run(ServerProcess.binary, ["upload", "--in", audit, "--server", server.url, "--ca", certificate, "--sign", gateway.privateKeyPath,
                                                                   "--gateway", gateway.name, "--spool", directory.appendingPathComponent("spool").path], timeout: 60)
        XCTAssertEqual(trusted.status, 0, trusted.stderr)
        XCTAssertEqual(try count("runs"), 1)
        // Without the CA the system's trust store does not know the server: the run stays spooled.
        let other = try gateway.auditDirectory(FleetFixtures.audit(at: Date().addingTimeInterval(60)), named: "audit-2")
        let untrusted = try ProcessRunner.run(ServerProcess.binary, ["upload", "--in", other, "--server", server.url, "--sign", gateway.privateKeyPath,
                                                                     "--gateway", gateway.name, "--spool", directory.appendingPathComponent("spool").path, "--attempts", "1"], timeout: 60)
        XCTAssertEqual(untrusted.status, 75, untrusted.stderr)
        XCTAssertEqual(try count("runs"), 1)
    }

    func testSIGTERMStopsTheServerCleanly() throws {
        let server = try startServer()
        XCTAssertEqual(try HTTP.get(server.url + "/healthz").status, 200)
        kill(server.process.processIdentifier, SIGTERM)
        server.process.waitUntilExit()
        XCTAssertEqual(server.process.terminationStatus, 0, server.logText)
    }
}
