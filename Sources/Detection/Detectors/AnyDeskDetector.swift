/// AnyDesk (AnyDesk help centre, "Firewall": clients reach relays under `*.net.anydesk.com` on
/// TCP 80, 443 or 6568, and each other directly on TCP 7070). Its TLS sessions use AnyDesk's own
/// certificates, which name themselves: "AnyDesk Client" for peers, "AnyNet Relay" issued by
/// "AnyNet Root CA" for relays (visible up to TLS 1.2).
public struct AnyDeskDetector: TunnelDetector {
    public let family = TunnelFamily.anydesk
    public let summary = "AnyDesk: TLS certificates named AnyDesk Client / AnyNet Relay, or server names under anydesk.com"

    public init() {}

    /// Subjects first, so the evidence names the server's own certificate.
    private static let certificateNames = ["AnyDesk Client", "AnyNet Relay", "AnyNet Root CA"]

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        let stream = flow.forwardStream
        guard !stream.isEmpty else { return flow.initiatorSilentOutcome }
        guard stream[0] == 0x16 else { return .notThis }
        if let name = flow.clientHello?.serverName, name == "anydesk.com" || name.hasSuffix(".anydesk.com") {
            return .verdict(TunnelVerdict(.anydesk, product: "AnyDesk", confidence: .likely, evidence: "TLS ClientHello with SNI \(name), an AnyDesk server"))
        }
        if case let names = flow.serverCertificateNames, !names.isEmpty {
            guard let name = Self.certificateNames.first(where: names.contains) else { return .notThis }
            return .verdict(TunnelVerdict(.anydesk, product: "AnyDesk", confidence: .confirmed, evidence: "TLS certificate named \"\(name)\", AnyDesk's own"))
        }
        if let server = flow.serverHello, server.cipherSuite >> 8 == 0x13 { return .notThis }
        return flow.packets.count >= 12 ? .notThis : .needMorePackets
    }
}
