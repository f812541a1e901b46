/// TeamViewer (TeamViewer knowledge base, "Which ports are used by TeamViewer?": the client
/// connects to its routers and master servers, `*.teamviewer.com`, on TCP 5938, falling back to
/// 443 and 80). Only the documented names are used: a TLS server name or certificate name under
/// teamviewer.com; the proprietary protocol on 5938 has no published format.
public struct TeamViewerDetector: TunnelDetector {
    public let family = TunnelFamily.teamviewer
    public let summary = "TeamViewer: TLS server or certificate name under teamviewer.com (documented router/master hosts)"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        let stream = flow.forwardStream
        guard !stream.isEmpty else { return flow.initiatorSilentOutcome }
        guard stream[0] == 0x16 else { return .notThis }
        guard let hello = flow.clientHello else { return stream.count >= 2048 ? .notThis : .needMorePackets }
        let candidates = [hello.serverName].compactMap { $0 } + flow.serverCertificateNames
        if let name = candidates.first(where: { $0.lowercased() == "teamviewer.com" || $0.lowercased().hasSuffix(".teamviewer.com") }) {
            return .verdict(TunnelVerdict(.teamviewer, product: "TeamViewer", confidence: .likely, evidence: "TLS to \(name), a TeamViewer server name"))
        }
        if flow.serverHello == nil && flow.packets.count < 10 { return .needMorePackets }
        return .notThis
    }
}
