import Foundation
import TestSupport
import XCTest

/// What the console refuses and how it protects what it shows: no page without signing in, roles
/// enforced on every change, CSRF tokens on every form, everything from gateways escaped, strict
/// headers on every page, sign-in throttled.
final class ConsoleSecurityTests: FleetTestCase, @unchecked Sendable {
    var server: ServerProcess!
    var gateway: TestGateway!

    override func setUpWithError() throws {
        try super.setUpWithError()
        server = try startServer()
        gateway = try TestGateway("gw-1", in: directory)
        try enroll(gateway, site: "Shanghai <script>alert('site')</script>")
        XCTAssertEqual(try send(try gateway.bundle(FleetFixtures.audit(at: Date()), runID: "r1"), to: server).status, 201)
        try addUser("viewer", password: "viewer password 1", role: "viewer")
        try addUser("reviewer", password: "reviewer password 1", role: "reviewer")
    }

    var circuit: String { FleetFixtures.demo.findings[0].circuitID }

    var pages: [String] {
        ["/", "/findings", "/findings?category=C5", "/gateways/gw-1", "/gateways/gw-1/runs/r1", "/gateways/gw-1/circuits/\(circuit)",
         "/gateways/gw-1/runs/r1/report?format=html", "/export.csv", "/export.json", "/admin"]
    }

    func testNoPageOrAPIReadWithoutSigningIn() throws {
        let anonymous = ConsoleClient(server.url, in: directory)
        for page in pages {
            let answer = try anonymous.get(page)
            XCTAssertEqual(answer.status, 303, page)
            XCTAssertTrue(answer.header("Location")?.hasPrefix("/login?next=") ?? false, "\(page): \(answer.headers)")
            XCTAssertFalse(answer.body.contains("gw-1"), "\(page) shows nothing before sign-in")
        }
        XCTAssertEqual(try anonymous.post("/gateways/gw-1/circuits/\(circuit)/review", [("decision", "reviewed")]).status, 303)
        XCTAssertEqual(try HTTP.get(server.url + "/api/v1/gateways", signedIn: false).status, 401)
        XCTAssertEqual(try HTTP.get(server.url + "/api/v1/findings", signedIn: false).status, 401)
        XCTAssertEqual(try HTTP.get(server.url + "/healthz", signedIn: false).status, 200, "health stays open for load balancers")
    }

    func testSignInSetsAStrictSessionCookieAndSignOutEndsIt() throws {
        let client = ConsoleClient(server.url, in: directory)
        let answer = try client.signIn("viewer", "viewer password 1")
        XCTAssertEqual(answer.status, 303)
        let cookie = try XCTUnwrap(answer.headers.components(separatedBy: "\r\n").first { $0.lowercased().hasPrefix("set-cookie: ca_session=") })
        for attribute in ["Secure", "HttpOnly", "SameSite=Strict", "Path=/"] { XCTAssertTrue(cookie.contains(attribute), "\(attribute) in \(cookie)") }
        XCTAssertEqual(try client.get("/").status, 200)
        XCTAssertEqual(try client.post("/logout", [("_csrf", try client.sessionToken())]).status, 303)
        XCTAssertEqual(try client.get("/").status, 303, "the session is gone from the server, not only from the browser")
    }

    func testAViewerCannotChangeAnythingAndAReviewerCannotAdminister() throws {
        let viewer = ConsoleClient(server.url, in: directory)
        try viewer.signIn("viewer", "viewer password 1")
        let token = try viewer.sessionToken()
        XCTAssertEqual(try viewer.post("/gateways/gw-1/circuits/\(circuit)/review", [("_csrf", token), ("decision", "reviewed"), ("comment", "x")]).status, 403)
        XCTAssertEqual(try count("reviews"), 0)
        XCTAssertFalse(try viewer.get("/gateways/gw-1/circuits/\(circuit)").body.contains("id=\"review-form\""), "a viewer gets no review form")

        let reviewer = ConsoleClient(server.url, in: directory)
        try reviewer.signIn("reviewer", "reviewer password 1")
        let reviewerToken = try reviewer.sessionToken()
        XCTAssertEqual(try reviewer.get("/admin").status, 403)
        XCTAssertEqual(try reviewer.post("/admin/users", [("_csrf", reviewerToken), ("name", "mallory"), ("password", "0123456789ab"), ("role", "admin")]).status, 403)
        let key = try String(contentsOfFile: try TestGateway("gw-2", in: directory).publicKeyPath, encoding: .utf8)
        XCTAssertEqual(try reviewer.post("/admin/gateways", [("_csrf", reviewerToken), ("name", "gw-2"), ("schedule", "3600"), ("key", key)]).status, 403)
        XCTAssertEqual(try count("console_users", "name = 'mallory'"), 0)
        XCTAssertEqual(try count("gateways", "name = 'gw-2'"), 0)
        XCTAssertEqual(try reviewer.post("/gateways/gw-1/circuits/\(circuit)/review", [("_csrf", reviewerToken), ("decision", "reviewed"), ("comment", "ok")]).status, 303)
        XCTAssertEqual(try count("reviews"), 1)
    }

    func testAFormWithoutTheSessionsTokenIsRefused() throws {
        let reviewer = ConsoleClient(server.url, in: directory)
        try reviewer.signIn("reviewer", "reviewer password 1")
        let path = "/gateways/gw-1/circuits/\(circuit)/review"
        XCTAssertEqual(try reviewer.post(path, [("decision", "reviewed")]).status, 403, "no token")
        XCTAssertEqual(try reviewer.post(path, [("_csrf", "forged"), ("decision", "reviewed")]).status, 403, "a wrong token")
        let other = ConsoleClient(server.url, in: directory)
        try other.signIn("viewer", "viewer password 1")
        XCTAssertEqual(try reviewer.post(path, [("_csrf", try other.sessionToken()), ("decision", "reviewed")]).status, 403, "another session's token")
        XCTAssertEqual(try count("reviews"), 0)
        let login = try ConsoleClient(server.url, in: directory).post("/login", [("user", "viewer"), ("password", "viewer password 1")])
        XCTAssertEqual(login.status, 403, "the sign-in form needs its token too")
    }

    func testWhatGatewaysAndUsersWroteIsEscapedEverywhere() throws {
        // A finding whose evidence and name carry markup, as a hostile or broken gateway might send.
        var audit = FleetFixtures.audit(at: Date().addingTimeInterval(60))
        audit.findings[0].circuitName = "<script>alert('name')</script>"
        audit.findings[0].evidence[0].fact = "<img src=x onerror=alert('evidence')>"
        XCTAssertEqual(try send(try gateway.bundle(audit, runID: "r2"), to: server).status, 201)
        let reviewer = ConsoleClient(server.url, in: directory)
        try reviewer.signIn("reviewer", "reviewer password 1")
        XCTAssertEqual(try reviewer.post("/gateways/gw-1/circuits/\(circuit)/review",
                                         [("_csrf", try reviewer.sessionToken()), ("decision", "reviewed"), ("comment", "</td><script>alert('comment')</script>")]).status, 303)
        for page in ["/", "/gateways/gw-1", "/gateways/gw-1/circuits/\(circuit)", "/findings", "/findings?include_waived=1"] {
            let body = try reviewer.get(page).body
            XCTAssertFalse(body.contains("<script>"), "\(page) carries a live script")
            XCTAssertFalse(body.contains("<img src=x"), "\(page) carries a live image")
        }
        XCTAssertTrue(try reviewer.get("/gateways/gw-1/circuits/\(circuit)").body.contains("&lt;script&gt;alert(&#39;name&#39;)&lt;/script&gt;"))
    }

    func testEveryPageCarriesTheStrictHeaders() throws {
        let admin = ConsoleClient(server.url, in: directory)
        try admin.signIn(HTTP.reader.name, HTTP.reader.password)
        for page in pages + ["/login", "/no-such-page"] {
            let answer = try admin.get(page)
            let policy = answer.header("Content-Security-Policy") ?? ""
            XCTAssertTrue(policy.contains("default-src 'none'") && policy.contains("frame-ancestors 'none'"), "\(page): \(policy)")
            XCTAssertFalse(policy.contains("script-src"), "\(page): no script is ever allowed")
            XCTAssertEqual(answer.header("X-Content-Type-Options"), "nosniff", page)
        }
    }

    func testTraversalAndUnknownPathsAreNotFound() throws {
        let admin = ConsoleClient(server.url, in: directory)
        try admin.signIn(HTTP.reader.name, HTTP.reader.password)
        for path in ["/static/../../../../etc/passwd", "/static/..%2f..%2f..%2fetc%2fpasswd", "/gateways/..%2f..%2fetc%2fpasswd",
                     "/gateways/gw-1/runs/..%2f..%2fetc%2fpasswd", "/gateways/gw-1/circuits/..%2F..%2F..%2Fetc%2Fpasswd"] {
            let answer = try admin.get(path, rawPath: true)
            XCTAssertEqual(answer.status, 404, path)
            XCTAssertFalse(answer.body.contains("root:"), path)
        }
        XCTAssertEqual(try admin.get("/lang/zh?back=//evil.example/").header("Location"), "/", "no open redirect through the language switch")
    }

    func testRepeatedFailedSignInsAreThrottledAndLogged() throws {
        let client = ConsoleClient(server.url, in: directory)
        for _ in 0..<5 { XCTAssertEqual(try client.signIn("viewer", "wrong password").status, 401) }
        let throttled = try client.signIn("viewer", "viewer password 1")
        XCTAssertEqual(throttled.status, 429, "even the right password waits once the limit is reached")
        XCTAssertEqual(try count("access_log", "action = 'login_failed' AND user_name = 'viewer'"), 5)
        XCTAssertEqual(try count("access_log", "action = 'login_throttled'"), 1)
        XCTAssertEqual(try client.signIn("reviewer", "reviewer password 1").status, 303, "another user from the same address still signs in")
    }

    func testTheAccessLogSaysWhoViewedAndExportedWhat() throws {
        let viewer = ConsoleClient(server.url, in: directory)
        try viewer.signIn("viewer", "viewer password 1")
        _ = try viewer.get("/gateways/gw-1/circuits/\(circuit)")
        _ = try viewer.get("/export.csv?category=C5")
        XCTAssertEqual(try count("access_log", "user_name = 'viewer' AND action = 'view' AND target LIKE '%\(circuit)%'"), 1)
        XCTAssertEqual(try count("access_log", "user_name = 'viewer' AND action = 'export' AND target LIKE '/export.csv%'"), 1)
        XCTAssertEqual(try count("access_log", "user_name = 'viewer' AND action = 'login' AND client = '127.0.0.1'"), 1)
    }
}
