@preconcurrency import Crypto
import FleetConsole
import FleetStore
import Foundation
import HTTPTypes
import Hummingbird

/// The API's reads need a console account, as the pages do: a signed-in browser's session, or
/// HTTP basic authentication for scripts (`curl -u USER:PASSWORD`). A checked password is
/// remembered for a minute by its SHA-256, so a polling script does not pay bcrypt on every call.
/// Gateways' uploads are not behind this: their signature is their credential.
struct APIReaders: RouterMiddleware {
    let store: FleetStore
    let verified = VerifiedCredentials()

    func handle(_ request: Request, context: FleetRequestContext, next: (Request, FleetRequestContext) async throws -> Response) async throws -> Response {
        if context.session != nil { return try await next(request, context) }
        guard let header = request.headers[.authorization], header.lowercased().hasPrefix("basic "),
              let decoded = Data(base64Encoded: String(header.dropFirst(6)).trimmingCharacters(in: .whitespaces)).flatMap({ String(data: $0, encoding: .utf8) }),
              let colon = decoded.firstIndex(of: ":") else {
            return Self.challenge("sign in: a console account by HTTP basic authentication (curl -u USER:PASSWORD) or a console session")
        }
        let name = String(decoded[..<colon]), password = String(decoded[decoded.index(after: colon)...])
        let key = Data(SHA256.hash(data: Data(decoded.utf8)))
        if await verified.contains(key) { return try await next(request, context) }
        guard let found = try await store.credentials(name: name), PasswordHashing.verify(password, hash: found.passwordHash) else {
            try? await store.logAccess(user: name, client: context.peer, action: "api_login_failed", target: request.uri.path)
            return Self.challenge("the user name or password is not right")
        }
        await verified.insert(key)
        return try await next(request, context)
    }

    static func challenge(_ message: String) -> Response {
        var response = Responses.error(.unauthorized, reason: "unauthenticated", message: message)
        response.headers[.wwwAuthenticate] = "Basic realm=\"circuit-audit\", charset=\"UTF-8\""
        return response
    }
}

/// Credentials checked within the last minute, by their hash.
actor VerifiedCredentials {
    private var until: [Data: ContinuousClock.Instant] = [:]

    func contains(_ key: Data) -> Bool {
        guard let expiry = until[key] else { return false }
        if expiry < .now {
            until[key] = nil
            return false
        }
        return true
    }

    func insert(_ key: Data) {
        if until.count > 1000 { until = until.filter { $0.value > .now } }
        until[key] = .now + .seconds(60)
    }
}
