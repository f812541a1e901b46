import FleetStore
import Hummingbird
import NIOCore
import Reports

/// The context of every request the fleet server answers: the client's address (for the access
/// log and login throttling), and for the console the signed-in session and the reader's language.
public struct FleetRequestContext: RequestContext {
    public var coreContext: CoreRequestContextStorage
    /// The peer's IP address as the socket saw it.
    public let peer: String?
    public var session: ConsoleSession?
    public var language: ReportLanguage = .en

    public init(source: ApplicationRequestContextSource) {
        coreContext = .init(source: source)
        peer = source.channel.remoteAddress?.ipAddress
    }
}
