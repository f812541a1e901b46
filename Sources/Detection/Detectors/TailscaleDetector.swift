/// Tailscale: peers find each other with "disco" messages (Tailscale's `disco` package
/// documentation), UDP datagrams that start with the 6-byte magic "TS💬", then the sender's
/// 32-byte disco public key and a 24-byte nonce before the sealed message; the tunnel itself is
/// WireGuard on the same socket. Relayed traffic goes over DERP, TLS to Tailscale's servers.
public struct TailscaleDetector: TunnelDetector {
    public let family = TunnelFamily.tailscale
    public let summary = "Tailscale: disco messages (magic \"TS💬\", sender key, nonce) beside WireGuard; DERP relays by TLS server name"

    public init() {}

    /// "TS💬" in UTF-8.
    public static let magic: [UInt8] = Array("TS💬".utf8)

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        switch flow.ipProtocol {
        case .udp:
            for index in flow.payloadPackets() where flow.packets[index].payloadLength >= Self.magic.count + 32 + 24 {
                if flow.payload(index).matches(Self.magic) {
                    return .verdict(TunnelVerdict(.tailscale, product: "Tailscale", confidence: .confirmed,
                        evidence: "Tailscale disco message: datagram starting with the magic \"TS💬\" and a sender key"))
                }
            }
            return flow.payloadPackets().count >= 6 ? .notThis : .needMorePackets
        case .tcp:
            if flow.forwardStream.isEmpty { return flow.initiatorSilentOutcome }
            guard let hello = flow.clientHello else { return flow.forwardStream.count > 16 ? .notThis : .needMorePackets }
            guard let name = hello.serverName, name.hasSuffix(".tailscale.com"), name.hasPrefix("derp") else { return .notThis }
            return .verdict(TunnelVerdict(.tailscale, product: "Tailscale", confidence: .likely,
                evidence: "TLS to Tailscale's DERP relay \(name)"))
        default:
            return .notThis
        }
    }
}
