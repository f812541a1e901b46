/// Palo Alto Networks GlobalProtect (OpenConnect's GlobalProtect protocol notes; Palo Alto
/// "GlobalProtect: ports used"):
/// - in clear HTTP: portal and gateway requests under `/global-protect/` (prelogin.esp,
///   getconfig.esp) and `/ssl-vpn/` (login.esp, getconfig.esp, hipreport.esp), and the tunnel
///   request `GET /ssl-tunnel-connect.sslvpn`;
/// - the IPsec data path: ESP in UDP on port 4501 (not NAT-T's 4500, and without its non-ESP
///   marker), a fixed SPI per direction with sequence numbers counting from 1 (RFC 4303 §2).
public struct GlobalProtectDetector: TunnelDetector {
    public let family = TunnelFamily.globalprotect
    public let summary = "GlobalProtect: /global-protect/ and /ssl-vpn/ requests, /ssl-tunnel-connect.sslvpn; ESP-in-UDP on port 4501"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        switch flow.ipProtocol {
        case .tcp:
            let stream = flow.forwardStream
            guard !stream.isEmpty else { return flow.initiatorSilentOutcome }
            guard let line = PayloadShape.firstLine(stream, limit: 1024) else { return .notThis }
            let parts = line.split(separator: " ")
            guard parts.count == 3, parts[2].hasPrefix("HTTP/1.") else { return .notThis }
            let target = parts[1]
            guard target.hasPrefix("/global-protect/") || target.hasPrefix("/ssl-vpn/") || target.hasPrefix("/ssl-tunnel-connect.sslvpn") else { return .notThis }
            return .verdict(TunnelVerdict(.globalprotect, product: "GlobalProtect", confidence: .confirmed,
                evidence: "HTTP \(parts[0]) \(target.prefix(60)) request to a GlobalProtect portal or gateway"))
        case .udp:
            guard flow.serverPort == 4501 else { return .notThis }
            let forward = flow.payloadPackets(.forward)
            guard forward.count >= 3 else { return flow.packets.count >= 12 ? .notThis : .needMorePackets }
            let spis = Set(forward.map { flow.payload($0).u32(0) ?? 0 })
            let sequence = forward.compactMap { flow.payload($0).u32(4) }
            guard spis.count == 1, let spi = spis.first, spi > 255, spi != 0xFFFF_FFFF, sequence.count == forward.count,
                  zip(sequence, sequence.dropFirst()).allSatisfy({ $0 < $1 && $1 - $0 <= 4 }), let low = sequence.first, low < 1000,
                  forward.allSatisfy({ flow.packets[$0].payloadLength >= 8 + 16 }) else { return .notThis }
            return .verdict(TunnelVerdict(.globalprotect, product: "GlobalProtect", confidence: .confirmed,
                evidence: "ESP in UDP to port 4501 (GlobalProtect's IPsec port): SPI 0x\(String(spi, radix: 16)) with sequence numbers \(sequence.prefix(3).map(String.init).joined(separator: ", "))..."))
        default:
            return .notThis
        }
    }
}
