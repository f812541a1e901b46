import Audit
import FleetStore
import FleetSubmission
import Foundation
import Hummingbird
import Logging
import Mustache
import NIOCore
import Policy
import Reports

/// The fleet console: server-rendered pages where counsel and engineers read every gateway's
/// audits, search and export findings, and record review decisions. No script runs on any page;
/// every form carries a CSRF token; every page but sign-in needs a session.
public struct FleetConsole: Sendable {
    let store: FleetStore
    let settings: ConsoleSettings
    /// How long past its due run a gateway may be silent before it is stale (the server's setting).
    let staleGrace: TimeInterval
    let templates: MustacheLibrary

    public init(store: FleetStore, settings: ConsoleSettings = ConsoleSettings(), staleGrace: TimeInterval) throws {
        self.store = store
        self.settings = settings
        self.staleGrace = staleGrace
        templates = try ConsoleTemplates.library()
    }

    /// Adds the console's routes. `SessionLoader` runs for every later route too, so the API
    /// can accept a signed-in browser's session.
    public func register(on router: Router<FleetRequestContext>) {
        router.get("static/console.css") { _, _ in
            var headers = PageHeaders.fields(contentType: "text/css; charset=utf-8")
            headers[.cacheControl] = "max-age=3600"
            return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(string: ConsoleStyle.css)))
        }
        // Browsers ask for it on every site; there is none, and "none" should not be a 404 in their consoles.
        router.get("favicon.ico") { _, _ in Response(status: .noContent, headers: PageHeaders.fields(contentType: "image/x-icon")) }
        let pages = router.group().add(middleware: PageErrors(console: self))
        pages.get("login") { request, context in try await self.loginPage(request, context) }
        pages.post("login") { request, context in try await self.login(request, context) }
        pages.get("lang/:language") { request, context in try self.switchLanguage(request, context) }

        let signedIn = pages.group().add(middleware: RequireSession())
        signedIn.post("logout") { request, context in try await self.logout(request, context) }
        signedIn.get("/") { request, context in try await self.overview(request, context) }
        signedIn.get("gateways/:gateway") { request, context in try await self.gatewayPage(request, context) }
        signedIn.get("gateways/:gateway/runs/:run") { request, context in try await self.runPage(request, context) }
        signedIn.get("gateways/:gateway/runs/:run/report") { request, context in try await self.runReport(request, context) }
        signedIn.get("gateways/:gateway/runs/:run/files/**") { request, context in try await self.storedFile(request, context) }
        signedIn.get("gateways/:gateway/circuits/:circuit") { request, context in try await self.findingPage(request, context) }
        signedIn.post("gateways/:gateway/circuits/:circuit/review") { request, context in try await self.review(request, context) }
        signedIn.get("findings") { request, context in try await self.searchPage(request, context) }
        signedIn.get("export.csv") { request, context in try await self.export(request, context, format: .csv) }
        signedIn.get("export.json") { request, context in try await self.export(request, context, format: .json) }
        signedIn.get("admin") { request, context in try await self.adminPage(request, context) }
        signedIn.post("admin/users") { request, context in try await self.addUser(request, context) }
        signedIn.post("admin/users/:user") { request, context in try await self.updateUser(request, context) }
        signedIn.post("admin/gateways") { request, context in try await self.enrolGateway(request, context) }
    }

    // MARK: - Rendering

    /// What every page's template reads besides its own content: language, labels, the user.
    func base(_ request: Request, _ context: FleetRequestContext, title: String) -> [String: Any] {
        let language = context.language
        var page: [String: Any] = [
            "langTag": language.htmlTag, "isEnglish": language == .en, "isChinese": language == .zh,
            "t": ConsoleText.labels(language), "title": title, "here": URLText.encode(request.uri.description),
            "disclaimer": language.pick(Finding.forLegalReview),
        ]
        if let session = context.session {
            page["user"] = ["name": session.user.name, "role": session.user.role.rawValue, "isAdmin": session.user.role >= .admin]
            page["csrf"] = session.csrf
        }
        return page
    }

    func html(_ template: String, _ page: [String: Any], status: HTTPResponse.Status = .ok) -> Response {
        let body = templates.render(page, withTemplate: template) ?? ""
        return Response(status: status, headers: PageHeaders.fields(contentType: "text/html; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(string: body)))
    }

    func message(_ request: Request, _ context: FleetRequestContext, status: HTTPResponse.Status, heading: String, detail: String) -> Response {
        var page = base(request, context, title: heading)
        page["heading"] = heading
        page["detail"] = detail
        return html("message", page, status: status)
    }

    static func redirect(_ location: String) -> Response {
        var headers = PageHeaders.fields(contentType: "text/plain; charset=utf-8")
        headers[.location] = location
        return Response(status: .seeOther, headers: headers)
    }

    /// Records who did what; a failure to log is itself logged, never shown to the reader.
    func record(_ context: FleetRequestContext, _ action: String, _ target: String) async {
        do {
            try await store.logAccess(user: context.session?.user.name, client: context.peer, action: action, target: target)
        } catch {
            context.logger.error("access log: \(error)")
        }
    }
}

/// Why a console request was refused; `PageErrors` shows each as a page in the reader's language.
enum ConsoleFailure: Error {
    case forbidden
    case badForm(String)
    case csrf
}

/// Turns a page's errors into pages (not JSON): 404, 403, 400 with the reason, 503 when the
/// database is away. The details of an unexpected error go to the log, not to the reader.
struct PageErrors: RouterMiddleware {
    let console: FleetConsole

    func handle(_ request: Request, context: FleetRequestContext, next: (Request, FleetRequestContext) async throws -> Response) async throws -> Response {
        let language = context.language
        do {
            return try await next(request, context)
        } catch ConsoleFailure.forbidden {
            return console.message(request, context, status: .forbidden, heading: ConsoleText.forbidden.text(language), detail: ConsoleText.forbiddenDetail.text(language))
        } catch ConsoleFailure.csrf {
            return console.message(request, context, status: .forbidden, heading: ConsoleText.forbidden.text(language), detail: ConsoleText.csrfFailed.text(language))
        } catch ConsoleFailure.badForm(let reason) {
            return console.message(request, context, status: .badRequest, heading: ConsoleText.badRequest.text(language), detail: reason)
        } catch let failure as FleetError {
            switch failure {
            case .notFound:
                return console.message(request, context, status: .notFound, heading: ConsoleText.notFound.text(language), detail: ConsoleText.notFoundDetail.text(language))
            case .databaseUnavailable, .migration:
                context.logger.error("\(request.uri.path): \(failure)")
                return console.message(request, context, status: .serviceUnavailable, heading: ConsoleText.badRequest.text(language), detail: failure.description)
            default:
                return console.message(request, context, status: .badRequest, heading: ConsoleText.badRequest.text(language), detail: failure.description)
            }
        } catch let error as HTTPError where error.status == .notFound {
            return console.message(request, context, status: .notFound, heading: ConsoleText.notFound.text(language), detail: ConsoleText.notFoundDetail.text(language))
        } catch let error as HTTPError {
            return console.message(request, context, status: error.status, heading: ConsoleText.badRequest.text(language), detail: error.body ?? error.status.reasonPhrase)
        } catch {
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            return console.message(request, context, status: .internalServerError, heading: ConsoleText.badRequest.text(language),
                                   detail: ConsoleText.internalFailure.text(language))
        }
    }
}

/// Percent-encoding for query values and paths the pages build.
enum URLText {
    static let unreserved = CharacterSet(charactersIn: "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")

    static func encode(_ text: String) -> String { text.addingPercentEncoding(withAllowedCharacters: unreserved) ?? "" }

    static func query(_ items: [(String, String)]) -> String {
        items.isEmpty ? "" : "?" + items.map { "\(encode($0.0))=\(encode($0.1))" }.joined(separator: "&")
    }

    /// A path inside the console to return to: local only (no scheme, no `//host`), else `/`.
    static func localPath(_ text: String?) -> String {
        guard let text, text.hasPrefix("/"), !text.hasPrefix("//"), !text.contains("\\"), !text.contains("\r"), !text.contains("\n") else { return "/" }
        return text
    }
}
