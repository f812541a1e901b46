import Foundation
import TestSupport
import XCTest

/// A browser without a browser, for the console's security tests: curl with a cookie jar,
/// following nothing by itself, so each test sees the status and headers the server sent.
final class ConsoleClient: @unchecked Sendable {
    let base: String
    let jar: URL

    init(_ base: String, in directory: URL) {
        self.base = base
        jar = directory.appendingPathComponent("cookies-\(UUID().uuidString.prefix(8)).txt")
    }

    func get(_ path: String, rawPath: Bool = false) throws -> HTTP.Answer {
        try curl((rawPath ? ["--path-as-is"] : []) + [base + path])
    }

    func post(_ path: String, _ fields: [(String, String)]) throws -> HTTP.Answer {
        try curl(["-X", "POST"] + fields.flatMap { ["--data-urlencode", "\($0.0)=\($0.1)"] } + [base + path])
    }

    /// Signs in through the form, as a person does; returns the answer to the POST.
    @discardableResult
    func signIn(_ user: String, _ password: String) throws -> HTTP.Answer {
        let form = try get("/login")
        let token = try XCTUnwrap(Self.csrf(in: form.body), "the sign-in form carries a token")
        return try post("/login", [("_csrf", token), ("user", user), ("password", password), ("next", "/")])
    }

    /// The CSRF token of the first form in a page.
    static func csrf(in html: String) -> String? {
        guard let range = html.range(of: "name=\"_csrf\" value=\"") else { return nil }
        return String(html[range.upperBound...].prefix { $0 != "\"" })
    }

    /// The token of a page of this session (every signed-in page carries it in the sign-out form).
    func sessionToken() throws -> String {
        try XCTUnwrap(Self.csrf(in: try get("/").body), "a signed-in page carries the session's CSRF token")
    }

    private func curl(_ arguments: [String]) throws -> HTTP.Answer {
        try HTTP.curl(["-s", "-D", "-", "-c", jar.path, "-b", jar.path] + arguments)
    }
}

extension HTTP.Answer {
    /// A response header's value (the first with that name, case-insensitive).
    func header(_ name: String) -> String? {
        for line in headers.components(separatedBy: "\r\n") {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() { return parts[1].trimmingCharacters(in: .whitespaces) }
        }
        return nil
    }
}
