@preconcurrency import Crypto
import FleetStore
import Foundation
import HTTPTypes
import Hummingbird
internal import HummingbirdBcrypt
import Reports

/// How the console signs people in and keeps them signed in.
public struct ConsoleSettings: Sendable, Equatable {
    /// How long a session lasts from sign-in.
    public var sessionLifetime: TimeInterval = 12 * 3600
    /// Failed sign-ins allowed per user name, and per client address, within `throttleWindow`.
    public var failuresPerUser = 5
    public var failuresPerClient = 20
    public var throttleWindow: TimeInterval = 15 * 60
    /// Take the client's address from the first `X-Forwarded-For` entry (only behind a reverse
    /// proxy that sets it; otherwise a client could choose its own address).
    public var trustForwardedFor = false

    public init() {}
}

/// Passwords hashed with bcrypt (cost 12): slow on purpose, salted, the cost in the hash.
public enum PasswordHashing {
    public static let minimumLength = 10

    public static func hash(_ password: String) -> String { Bcrypt.hash(password, cost: 12) }

    public static func verify(_ password: String, hash: String) -> Bool { Bcrypt.verify(password, hash: hash) }

    /// A password a demo or a new account can start with: 18 random characters, easy to type.
    public static func generate() -> String {
        let alphabet = Array("abcdefghijkmnpqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789")
        var generator = SystemRandomNumberGenerator()
        return String((0..<18).map { _ in alphabet[Int(generator.next(upperBound: UInt64(alphabet.count)))] })
    }
}

/// Session tokens and form tokens: 32 random bytes, base64url. Only a token's SHA-256 is stored.
enum Tokens {
    static func random() -> String {
        var generator = SystemRandomNumberGenerator()
        let bytes = (0..<32).map { _ in UInt8.random(in: 0...255, using: &generator) }
        return Data(bytes).base64EncodedString().replacingOccurrences(of: "+", with: "-").replacingOccurrences(of: "/", with: "_")
            .replacingOccurrences(of: "=", with: "")
    }

    static func digest(_ token: String) -> Data { Data(SHA256.hash(data: Data(token.utf8))) }

    /// Compares without stopping at the first difference, so timing says nothing of the token.
    static func same(_ lhs: String, _ rhs: String) -> Bool {
        let a = Array(lhs.utf8), b = Array(rhs.utf8)
        guard a.count == b.count, !a.isEmpty else { return false }
        var difference: UInt8 = 0
        for index in a.indices { difference |= a[index] ^ b[index] }
        return difference == 0
    }
}

/// The cookies the console sets: all `Secure`, `HttpOnly` and `SameSite=Strict` (browsers keep
/// `Secure` cookies on http://localhost too, so the loopback demo works).
enum ConsoleCookies {
    static let session = "ca_session"
    /// The sign-in form's token before there is a session (double-submit).
    static let loginForm = "ca_login"
    static let language = "ca_lang"

    static func make(_ name: String, _ value: String, maxAge: Int?) -> Cookie {
        Cookie(name: name, value: value, maxAge: maxAge, path: "/", secure: true, httpOnly: true, sameSite: .strict)
    }

    static func clear(_ name: String) -> Cookie { make(name, "", maxAge: 0) }
}

/// Headers on every console page: a strict Content-Security-Policy (nothing but this server's
/// stylesheet; no script at all), no sniffing, no framing, no referrer leaving the site, no caching.
enum PageHeaders {
    static let contentSecurityPolicy =
        "default-src 'none'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

    /// A stored run's HTML report is our own renderer's page with its styles inline; it may have
    /// those styles and nothing else.
    static let reportPolicy = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; form-action 'none'; frame-ancestors 'none'; base-uri 'none'"

    static func fields(contentType: String, policy: String = contentSecurityPolicy) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.contentSecurityPolicy] = policy
        headers[.xContentTypeOptions] = "nosniff"
        headers[.xFrameOptions] = "DENY"
        headers[.referrerPolicy] = "same-origin"
        headers[.cacheControl] = "no-store"
        return headers
    }
}

extension HTTPField.Name {
    static let xFrameOptions = Self("X-Frame-Options")!
    static let referrerPolicy = Self("Referrer-Policy")!
    static let xForwardedFor = Self("X-Forwarded-For")!
}
