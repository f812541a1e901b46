import FleetStore
import FleetSubmission
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore
import Reports

/// Finds the session a request's cookie names (if any) and the reader's language (the
/// remembered choice, else the browser's preference), for every route after it.
public struct SessionLoader: RouterMiddleware {
    let store: FleetStore

    public init(store: FleetStore) {
        self.store = store
    }

    public func handle(_ request: Request, context: FleetRequestContext, next: (Request, FleetRequestContext) async throws -> Response) async throws -> Response {
        var context = context
        if let chosen = request.cookies[ConsoleCookies.language].flatMap({ ReportLanguage(rawValue: $0.value) }) {
            context.language = chosen
        } else if let accepted = request.headers[.acceptLanguage], accepted.lowercased().hasPrefix("zh") {
            context.language = .zh
        }
        if let token = request.cookies[ConsoleCookies.session]?.value, !token.isEmpty {
            context.session = try? await store.session(tokenHash: Tokens.digest(token))
        }
        return try await next(request, context)
    }
}

/// Pages past sign-in: without a session, a browser is sent to sign in (and back afterwards).
struct RequireSession: RouterMiddleware {
    func handle(_ request: Request, context: FleetRequestContext, next: (Request, FleetRequestContext) async throws -> Response) async throws -> Response {
        guard context.session != nil else {
            let back = request.method == .get ? request.uri.description : "/"
            return FleetConsole.redirect("/login" + URLText.query([("next", back)]))
        }
        return try await next(request, context)
    }
}

extension FleetRequestContext {
    /// Refuses unless the signed-in user has at least `role`.
    func require(_ role: ConsoleRole) throws {
        guard let user = session?.user, user.role >= role else { throw ConsoleFailure.forbidden }
    }
}

extension FleetConsole {
    // MARK: - Forms

    static let maximumFormBytes = 64 * 1024

    /// A posted form's fields (first value of each name), read up to 64 KiB.
    static func fields(_ request: Request, _ context: FleetRequestContext) async throws -> [String: String] {
        var request = request
        let body: ByteBuffer
        do {
            body = try await request.collectBody(upTo: maximumFormBytes)
        } catch {
            throw ConsoleFailure.badForm("the form is larger than \(maximumFormBytes / 1024) KiB")
        }
        var fields: [String: String] = [:]
        for pair in String(buffer: body).split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1, omittingEmptySubsequences: false)
            let decode = { (text: Substring) in String(text).replacingOccurrences(of: "+", with: " ").removingPercentEncoding ?? "" }
            guard let name = parts.first.map(decode), !name.isEmpty, fields[name] == nil else { continue }
            fields[name] = parts.count > 1 ? decode(parts[1]) : ""
        }
        return fields
    }

    /// A signed-in user's form, refused unless it carries the session's CSRF token.
    static func postedForm(_ request: Request, _ context: FleetRequestContext) async throws -> [String: String] {
        let fields = try await fields(request, context)
        guard let session = context.session, Tokens.same(fields["_csrf"] ?? "", session.csrf) else { throw ConsoleFailure.csrf }
        return fields
    }

    /// The client's address: the socket's, or behind a trusted proxy the first X-Forwarded-For.
    func client(_ request: Request, _ context: FleetRequestContext) -> String? {
        if settings.trustForwardedFor, let forwarded = request.headers[.xForwardedFor]?.split(separator: ",").first {
            return forwarded.trimmingCharacters(in: .whitespaces)
        }
        return context.peer
    }

    // MARK: - Sign in and out

    func loginPage(_ request: Request, _ context: FleetRequestContext, problem: String? = nil, userName: String = "",
                   status: HTTPResponse.Status = .ok) async throws -> Response {
        if context.session != nil, problem == nil { return Self.redirect("/") }
        let token = Tokens.random()
        var page = base(request, context, title: ConsoleText.signIn.text(context.language))
        page["loginToken"] = token
        page["next"] = URLText.localPath(request.uri.queryParameters["next"].map(String.init))
        page["userName"] = userName
        if let problem { page["problem"] = problem }
        var response = html("login", page, status: status)
        response.setCookie(ConsoleCookies.make(ConsoleCookies.loginForm, token, maxAge: 3600))
        return response
    }

    func login(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        let fields = try await Self.fields(request, context)
        let language = context.language
        guard let expected = request.cookies[ConsoleCookies.loginForm]?.value, Tokens.same(fields["_csrf"] ?? "", expected) else {
            throw ConsoleFailure.csrf
        }
        let name = fields["user"] ?? "", password = fields["password"] ?? ""
        let client = self.client(request, context)
        let failures = try await store.recentFailedLogins(user: name, client: client, window: settings.throttleWindow)
        if failures.byUser >= settings.failuresPerUser || failures.byClient >= settings.failuresPerClient {
            try await store.logAccess(user: name, client: client, action: "login_throttled", target: "/login")
            context.logger.warning("sign-in refused for \(name) from \(client ?? "?"): too many failures")
            return try await loginPage(request, context, problem: ConsoleText.loginThrottled.text(language), userName: name, status: .tooManyRequests)
        }
        let found = try await store.credentials(name: name)
        // The hash is checked even for an unknown name, so timing does not tell which names exist.
        let valid = PasswordHashing.verify(password, hash: found?.passwordHash ?? Self.decoyHash) && found != nil
        guard valid, let user = found?.user else {
            try await store.logAccess(user: name, client: client, action: "login_failed", target: "/login")
            return try await loginPage(request, context, problem: ConsoleText.loginFailed.text(language), userName: name, status: .unauthorized)
        }
        let token = Tokens.random(), csrf = Tokens.random()
        try await store.openSession(tokenHash: Tokens.digest(token), user: user, csrf: csrf, lifetime: settings.sessionLifetime)
        try await store.logAccess(user: user.name, client: client, action: "login", target: "/login")
        var response = Self.redirect(URLText.localPath(fields["next"]))
        response.setCookie(ConsoleCookies.make(ConsoleCookies.session, token, maxAge: Int(settings.sessionLifetime)))
        response.setCookie(ConsoleCookies.clear(ConsoleCookies.loginForm))
        return response
    }

    /// Opens a session for `user` without the sign-in form, for tools that drive the console
    /// (the fleet benchmark); returns the `Cookie` header value a client sends with it.
    public static func openSession(for user: ConsoleUser, in store: FleetStore, lifetime: TimeInterval = 3600) async throws -> String {
        let token = Tokens.random()
        try await store.openSession(tokenHash: Tokens.digest(token), user: user, csrf: Tokens.random(), lifetime: lifetime)
        return "\(ConsoleCookies.session)=\(token)"
    }

    /// A bcrypt hash of nothing anyone can type, checked when the user name is unknown.
    static let decoyHash = PasswordHashing.hash(Tokens.random())

    func logout(_ request: Request, _ context: FleetRequestContext) async throws -> Response {
        _ = try await Self.postedForm(request, context)
        if let token = request.cookies[ConsoleCookies.session]?.value {
            try await store.closeSession(tokenHash: Tokens.digest(token))
        }
        await record(context, "logout", "/logout")
        var response = Self.redirect("/login")
        response.setCookie(ConsoleCookies.clear(ConsoleCookies.session))
        return response
    }

    /// Remembers the reader's language in a cookie and goes back to the page it came from.
    func switchLanguage(_ request: Request, _ context: FleetRequestContext) throws -> Response {
        guard let language = ReportLanguage(rawValue: try context.parameters.require("language")) else { throw FleetError.notFound("language") }
        var response = Self.redirect(URLText.localPath(request.uri.queryParameters["back"].map(String.init)))
        response.setCookie(ConsoleCookies.make(ConsoleCookies.language, language.rawValue, maxAge: 365 * 86_400))
        return response
    }
}
