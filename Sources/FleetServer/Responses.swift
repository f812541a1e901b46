import FleetStore
import FleetSubmission
import Foundation
import HTTPTypes
import Hummingbird
import NIOCore

/// JSON answers and errors, one shape for all of `/api/v1`: `{"error": REASON, "message": ...}`
/// with the status each `FleetError` means.
enum Responses {
    static let encoder: JSONEncoder = {
        let encoder = JSONEncoder()
        encoder.keyEncodingStrategy = .convertToSnakeCase
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        return encoder
    }()

    static func json<T: Encodable>(_ value: T, status: HTTPResponse.Status = .ok) throws -> Response {
        var data = try encoder.encode(value)
        data.append(0x0A)
        return Response(status: status, headers: securityHeaders(contentType: "application/json; charset=utf-8"), body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func bytes(_ data: Data, contentType: String, fileName: String? = nil) -> Response {
        var headers = securityHeaders(contentType: contentType)
        if let fileName { headers[.contentDisposition] = "attachment; filename=\"\(fileName)\"" }
        return Response(status: .ok, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: data)))
    }

    static func text(_ text: String, contentType: String = "text/plain; charset=utf-8", status: HTTPResponse.Status = .ok) -> Response {
        Response(status: status, headers: securityHeaders(contentType: contentType), body: .init(byteBuffer: ByteBuffer(string: text)))
    }

    static func error(_ status: HTTPResponse.Status, reason: String, message: String) -> Response {
        let body = (try? encoder.encode(["error": reason, "message": message])) ?? Data()
        var headers = securityHeaders(contentType: "application/json; charset=utf-8")
        if status == .serviceUnavailable { headers[.retryAfter] = "30" }
        return Response(status: status, headers: headers, body: .init(byteBuffer: ByteBuffer(bytes: body + [0x0A])))
    }

    static func error(_ failure: FleetError) -> Response {
        error(status(of: failure), reason: failure.reason, message: failure.description)
    }

    static func status(of failure: FleetError) -> HTTPResponse.Status {
        switch failure {
        case .unknownGateway: .forbidden
        case .badSignature: .unauthorized
        case .tampered: .unprocessableContent
        case .malformed, .badEnrolment: .badRequest
        case .replay, .conflictingRun: .conflict
        case .tooLarge, .overLimit: .contentTooLarge
        case .databaseUnavailable, .migration: .serviceUnavailable
        case .notFound: .notFound
        }
    }

    /// Headers on every answer: nothing is sniffed, framed or cached.
    static func securityHeaders(contentType: String) -> HTTPFields {
        var headers = HTTPFields()
        headers[.contentType] = contentType
        headers[.xContentTypeOptions] = "nosniff"
        headers[.contentSecurityPolicy] = "default-src 'none'; frame-ancestors 'none'"
        headers[.cacheControl] = "no-store"
        return headers
    }
}

/// Turns any error a route throws into the API's error shape, so nothing answers with a bare 500.
struct ErrorShape<Context: RequestContext>: RouterMiddleware {
    func handle(_ request: Request, context: Context, next: (Request, Context) async throws -> Response) async throws -> Response {
        do {
            return try await next(request, context)
        } catch let failure as FleetError {
            context.logger.warning("\(request.method) \(request.uri.path): \(failure.description)")
            return Responses.error(failure)
        } catch let failure as HTTPError {
            return Responses.error(failure.status, reason: failure.status == .notFound ? "not_found" : "bad_request",
                                   message: failure.body ?? failure.status.reasonPhrase)
        } catch {
            context.logger.error("\(request.method) \(request.uri.path): \(error)")
            return Responses.error(.internalServerError, reason: "internal", message: "the server failed: \(error)")
        }
    }
}
