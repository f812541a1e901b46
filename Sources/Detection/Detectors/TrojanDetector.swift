/// Trojan (trojan-gfw "The Trojan Protocol" documentation): inside TLS the client's first bytes
/// are hex(SHA224(password)) — 56 lower-case hex digits — then CRLF, a SOCKS5-style request
/// (CMD 1 connect or 3 UDP associate, ATYP 1/3/4, address, port), CRLF, then the payload.
///
/// That header is visible only when the outer layer is not TLS. Through TLS the sign is
/// TLS-in-TLS: a Trojan client relays an inner TLS handshake, so with an outer TLS 1.3 session
/// (AEAD overhead 17 bytes per record) the heuristic asks for
/// 1. a first client application-data record of 200...2200 bytes of plaintext (header plus an
///    inner ClientHello record),
/// 2. at least 1000 bytes of server application data after it (the inner ServerHello and
///    certificate flight), and
/// 3. a second client record whose plaintext is exactly 64 or 80 bytes: an inner TLS 1.3
///    ChangeCipherSpec record (6) and Finished record (58 with SHA-256, 74 with SHA-384), which
///    Trojan forwards unchanged (RFC 8446 §4.4.4 and Appendix D.4).
/// Other proxies that add framing (VMess) do not give these exact sizes. Verdicts from sizes are
/// `likely`.
public struct TrojanDetector: TunnelDetector {
    public let family = TunnelFamily.trojan
    public let summary = "Trojan: clear header hex(SHA224)+CRLF+request; through TLS 1.3, client records sized like a relayed inner TLS handshake"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        let stream = flow.forwardStream
        guard !stream.isEmpty else { return flow.initiatorSilentOutcome }
        if stream[0] != 0x16 {
            return Self.clearHeader(stream[...]) ? .verdict(TunnelVerdict(.trojan, confidence: .confirmed,
                evidence: "Trojan request: 56 hex digits of SHA224(password), CRLF and a connect request")) : (stream.count < 64 ? .needMorePackets : .notThis)
        }
        guard flow.clientHello != nil else { return stream.count >= 2048 ? .notThis : .needMorePackets }
        guard let server = flow.serverHello else { return flow.packets.count >= 16 ? .notThis : .needMorePackets }
        guard server.cipherSuite >> 8 == 0x13 else { return .notThis }  // outer TLS 1.3 only
        let overhead = 17
        // In TLS 1.3 the client's Finished is itself the first application-data record.
        let clientRecords = PayloadShape.applicationDataRecords(stream).dropFirst().map { $0 - overhead }
        guard let first = clientRecords.first else { return .needMorePackets }
        guard (200...2200).contains(first) else { return .notThis }
        guard clientRecords.count >= 2 else { return .needMorePackets }
        // Server application data between the client's first and second records: count what the
        // server sent before the client's second record appeared.
        let serverBytes = serverApplicationBytesBeforeSecondClientRecord(flow)
        guard serverBytes >= 1000, clientRecords[1] == 64 || clientRecords[1] == 80 else { return .notThis }
        return .verdict(TunnelVerdict(.trojan, confidence: .likely,
            evidence: "TLS-in-TLS: client's first records carry \(first) then \(clientRecords[1]) bytes, an inner ClientHello and inner ChangeCipherSpec+Finished, around \(serverBytes) bytes from the server"))
    }

    /// Bytes of server payload sent after the client's first application data and before the
    /// packet holding the client's second.
    private func serverApplicationBytesBeforeSecondClientRecord(_ flow: FlowSample) -> Int {
        var clientDataPackets = 0
        var handshakeDone = false
        var bytes = 0
        for (index, packet) in flow.packets.enumerated() where packet.payloadLength > 0 {
            let payload = flow.payload(index)
            if packet.direction == .forward {
                if payload.u8(0) == 23 || (handshakeDone && payload.u8(0) != 0x14) {
                    clientDataPackets += 1
                    if clientDataPackets == 2 { break }
                }
                if payload.u8(0) == 0x14 || payload.u8(0) == 23 { handshakeDone = true }
            } else if clientDataPackets == 1 {
                bytes += packet.payloadLength
            }
        }
        return bytes
    }

    /// Whether the stream opens with Trojan's clear header.
    static func clearHeader(_ bytes: ArraySlice<UInt8>) -> Bool {
        guard bytes.count >= 56 + 2 + 2 + 7 + 2 else { return false }
        let hex = bytes.prefix(56)
        guard hex.allSatisfy({ (0x30...0x39).contains($0) || (0x61...0x66).contains($0) }),
              bytes.u8(56) == 0x0D, bytes.u8(57) == 0x0A, let command = bytes.u8(58), command == 1 || command == 3,
              let type = bytes.u8(59) else { return false }
        let addressLength: Int
        switch type {
        case 1: addressLength = 4
        case 4: addressLength = 16
        case 3: addressLength = 1 + Int(bytes.u8(60) ?? 0)
        default: return false
        }
        let end = 60 + addressLength + 2
        return bytes.u8(end) == 0x0D && bytes.u8(end + 1) == 0x0A
    }
}
