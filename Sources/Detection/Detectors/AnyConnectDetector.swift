/// Cisco AnyConnect / OpenConnect SSL VPN (OpenConnect's protocol notes, "Cisco AnyConnect
/// protocol", and the IETF draft-mavrogiannopoulos-openconnect):
/// - CSTP: after login the client sends `CONNECT /CSCOSSLC/tunnel HTTP/1.1` with `X-CSTP-*`
///   headers inside TLS; visible only when the TLS is not in the way (plain HTTP or decrypted).
/// - DTLS: the client resumes a session the CSTP exchange set up (`X-DTLS-Session-ID`,
///   `X-DTLS-Master-Secret`), so its first datagram is a ClientHello with a 32-byte session id,
///   and the server answers with an abbreviated handshake (ServerHello echoing that id, no
///   certificate). Legacy AnyConnect uses Cisco's pre-standard DTLS version 0x0100
///   ("DTLS1_BAD_VER"), which nothing else sends.
/// - DTLS-PSK (OpenConnect and ocserv's `X-DTLS-CipherSuite: PSK-NEGOTIATE`): the ClientHello
///   carries the 32-byte `X-DTLS-App-ID` as its session id and offers only pre-shared-key
///   cipher suites (the key comes from the CSTP session's TLS exporter), and the server's
///   ServerHello picks one of them. Certificate-based DTLS (WebRTC, CAPWAP, VPNs with their own
///   DTLS) always offers suites with a certificate key exchange.
public struct AnyConnectDetector: TunnelDetector {
    public let family = TunnelFamily.anyconnect
    public let summary = "Cisco AnyConnect: CSTP CONNECT /CSCOSSLC/tunnel with X-CSTP headers; DTLS 0x0100 or session-id resumption answered by an abbreviated handshake"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        switch flow.ipProtocol {
        case .tcp: return examineCSTP(flow)
        case .udp: return examineDTLS(flow)
        default: return .notThis
        }
    }

    private func examineCSTP(_ flow: FlowSample) -> DetectorOutcome {
        let stream = flow.forwardStream
        guard !stream.isEmpty else { return flow.initiatorSilentOutcome }
        guard let line = PayloadShape.firstLine(stream, limit: 1024) else {
            return stream.count < 64 && stream.allSatisfy(PayloadShape.isPrintable) ? .needMorePackets : .notThis
        }
        if line.hasPrefix("CONNECT /CSCOSSLC/tunnel ") {
            return .verdict(TunnelVerdict(.anyconnect, product: "Cisco AnyConnect", confidence: .confirmed,
                evidence: "CSTP request \"CONNECT /CSCOSSLC/tunnel\" in clear HTTP"))
        }
        guard line.hasSuffix(" HTTP/1.1") || line.hasSuffix(" HTTP/1.0") else { return .notThis }
        let text = String(decoding: stream, as: UTF8.self)
        for header in ["X-CSTP-", "X-DTLS-Master-Secret", "X-Transcend-Version", "X-Aggregate-Auth"] where text.contains(header) {
            return .verdict(TunnelVerdict(.anyconnect, product: "Cisco AnyConnect", confidence: .confirmed,
                evidence: "HTTP request \"\(line.prefix(60))\" carrying AnyConnect's \(header) header"))
        }
        return text.contains("\r\n\r\n") || stream.count >= 2048 ? .notThis : .needMorePackets
    }

    private func examineDTLS(_ flow: FlowSample) -> DetectorOutcome {
        guard let first = flow.payloadPackets().first else { return .needMorePackets }
        guard flow.packets[first].direction == .forward, let hello = Self.hello(flow.payload(first), type: 1) else { return .notThis }
        if hello.recordVersion == 0x0100 || hello.helloVersion == 0x0100 {
            return .verdict(TunnelVerdict(.anyconnect, product: "Cisco AnyConnect", confidence: .confirmed,
                evidence: "DTLS ClientHello with Cisco's pre-standard version 0x0100 resuming a \(hello.sessionID.count)-byte session id"))
        }
        guard hello.sessionID.count == 32, hello.helloVersion == 0xFEFF || hello.helloVersion == 0xFEFD else { return .notThis }
        guard let replyIndex = flow.payloadPackets(.reverse).first else { return flow.packets.count >= 6 ? .notThis : .needMorePackets }
        guard let reply = Self.hello(flow.payload(replyIndex), type: 2) else { return .notThis }
        if reply.sessionID == hello.sessionID {
            return .verdict(TunnelVerdict(.anyconnect, product: "Cisco AnyConnect", confidence: .likely,
                evidence: "DTLS ClientHello resuming a 32-byte session id answered at once by a ServerHello echoing it (AnyConnect's pre-shared DTLS session)"))
        }
        if !hello.cipherSuites.isEmpty, hello.cipherSuites.allSatisfy(Self.isPreSharedKeySuite),
           let chosen = reply.cipherSuites.first, Self.isPreSharedKeySuite(chosen) {
            return .verdict(TunnelVerdict(.anyconnect, product: "OpenConnect", confidence: .likely,
                evidence: "DTLS ClientHello with a 32-byte application id offering only pre-shared-key suites, answered by a ServerHello choosing PSK suite 0x\(String(chosen, radix: 16, uppercase: true)) (OpenConnect's PSK-NEGOTIATE DTLS)"))
        }
        return .notThis
    }

    /// TLS cipher suites whose key exchange is a pre-shared key (PSK, DHE_PSK, ECDHE_PSK,
    /// RSA_PSK in the IANA TLS Cipher Suites registry), and the renegotiation SCSV.
    static func isPreSharedKeySuite(_ suite: UInt16) -> Bool {
        switch suite {
        case 0x008A...0x0095, 0x00A8...0x00B9, 0xC033...0xC03B, 0xC064...0xC071, 0xC08E...0xC09B, 0xC0A4...0xC0A9, 0xC0AA...0xC0AB,
             0xCCAB...0xCCAE, 0xD001...0xD005, 0x00FF:
            return true
        default:
            return false
        }
    }

    struct Hello {
        var recordVersion: UInt16
        var helloVersion: UInt16
        var sessionID: [UInt8]
        /// Offered (ClientHello) or chosen (ServerHello) cipher suites; empty when cut short.
        var cipherSuites: [UInt16] = []
    }

    /// A DTLS handshake record (RFC 6347 §4.1, §4.2.2) starting the datagram whose first
    /// message is `type`: record header 13 bytes, handshake header 12, then version, random,
    /// session id.
    static func hello(_ payload: ArraySlice<UInt8>, type: UInt8) -> Hello? {
        guard payload.u8(0) == 22, let recordVersion = payload.u16(1), recordVersion == 0x0100 || recordVersion >> 8 == 0xFE,
              payload.u16(3) == 0, payload.u8(13) == type, let version = payload.u16(25), let length = payload.u8(59),
              length <= 32, payload.count >= 60 + Int(length) else { return nil }
        let start = payload.startIndex + 60
        var hello = Hello(recordVersion: recordVersion, helloVersion: version, sessionID: Array(payload[start..<(start + Int(length))]))
        var offset = 60 + Int(length)
        if type == 1 {
            // ClientHello: cookie, then the suites' length and the suites.
            guard let cookie = payload.u8(offset) else { return hello }
            offset += 1 + Int(cookie)
            guard let bytes = payload.u16(offset), bytes % 2 == 0, payload.count >= offset + 2 + Int(bytes) else { return hello }
            hello.cipherSuites = stride(from: offset + 2, to: offset + 2 + Int(bytes), by: 2).compactMap { payload.u16($0) }
        } else if let chosen = payload.u16(offset) {
            hello.cipherSuites = [chosen]
        }
        return hello
    }
}
