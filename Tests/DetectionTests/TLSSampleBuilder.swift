import Detection
import Packets

/// Builds flow openings and TLS/DTLS handshake bytes for detector tests, following the wire
/// formats of RFC 8446 §4.1.2-4.1.3 (ClientHello, ServerHello), §4.4.2 (Certificate, TLS 1.2
/// framing), RFC 6066 §3 (server_name), RFC 7301 (ALPN) and RFC 6347 §4.1-4.2 (DTLS records).
enum TLSSampleBuilder {
    static func be16(_ value: Int) -> [UInt8] { [UInt8(value >> 8 & 0xFF), UInt8(value & 0xFF)] }
    static func be24(_ value: Int) -> [UInt8] { [UInt8(value >> 16 & 0xFF)] + be16(value) }

    /// Deterministic bytes that look random (a linear congruential sequence).
    static func noise(_ count: Int, seed: UInt32 = 1) -> [UInt8] {
        var state = seed &* 2_654_435_761 &+ 1
        return (0..<count).map { _ in
            state = state &* 1_664_525 &+ 1_013_904_223
            return UInt8(truncatingIfNeeded: state >> 24)
        }
    }

    /// A ClientHello handshake message body.
    static func clientHelloBody(serverName: String?, alpn: [String] = [], cipherSuites: [UInt16] = [0x1301, 0x1302, 0xC02F],
                                sessionID: [UInt8] = [], version: UInt16 = 0x0303, datagram: Bool = false) -> [UInt8] {
        var body = be16(Int(version)) + noise(32, seed: 3) + [UInt8(sessionID.count)] + sessionID
        if datagram { body += [0] }  // empty cookie
        body += be16(cipherSuites.count * 2) + cipherSuites.flatMap { be16(Int($0)) } + [1, 0]
        var extensions: [UInt8] = []
        if let serverName {
            let name = Array(serverName.utf8)
            let entry = [0] + be16(name.count) + name
            let list = be16(entry.count) + entry
            extensions += be16(0) + be16(list.count) + list
        }
        if !alpn.isEmpty {
            let names = alpn.flatMap { [UInt8($0.utf8.count)] + Array($0.utf8) }
            let list = be16(names.count) + names
            extensions += be16(0x10) + be16(list.count) + list
        }
        extensions += be16(0x0D) + be16(4) + be16(2) + be16(0x0403)
        return body + be16(extensions.count) + extensions
    }

    /// A TLS record holding one handshake message.
    static func tlsHandshakeRecord(type: UInt8, body: [UInt8], recordVersion: UInt16 = 0x0301) -> [UInt8] {
        let message = [type] + be24(body.count) + body
        return [22] + be16(Int(recordVersion)) + be16(message.count) + message
    }

    static func clientHello(serverName: String?, alpn: [String] = [], cipherSuites: [UInt16] = [0x1301, 0x1302, 0xC02F]) -> [UInt8] {
        tlsHandshakeRecord(type: 1, body: clientHelloBody(serverName: serverName, alpn: alpn, cipherSuites: cipherSuites))
    }

    /// A minimal certificate: just enough DER that names are found by their attribute OID
    /// (2.5.4.3) and a UTF8String, issuer first, then subject.
    static func certificate(issuer: String, subject: String) -> [UInt8] {
        func name(_ text: String) -> [UInt8] {
            let value = Array(text.utf8)
            return [0x30, UInt8(9 + value.count), 0x06, 0x03, 0x55, 0x04, 0x03, 0x0C, UInt8(value.count)] + value
        }
        let tbs = [0x02, 0x01, 0x01] + name(issuer) + name(subject)
        return [0x30, 0x81, UInt8(tbs.count)] + tbs
    }

    /// A TLS 1.2 server flight: ServerHello, then Certificate with one certificate.
    static func serverFlight(cipherSuite: UInt16 = 0xC02F, certificate: [UInt8]? = nil) -> [UInt8] {
        let hello = be16(0x0303) + noise(32, seed: 5) + [0] + be16(Int(cipherSuite)) + [0]
        var bytes = tlsHandshakeRecord(type: 2, body: hello, recordVersion: 0x0303)
        if let certificate {
            let list = be24(certificate.count) + certificate
            bytes += tlsHandshakeRecord(type: 11, body: be24(list.count) + list, recordVersion: 0x0303)
        }
        return bytes
    }

    /// A DTLS record holding one handshake message (record header 13 bytes, message header 12).
    static func dtlsHandshake(type: UInt8, body: [UInt8], recordVersion: UInt16) -> [UInt8] {
        let message = [type] + be24(body.count) + be16(0) + be24(0) + be24(body.count) + body
        return [22] + be16(Int(recordVersion)) + be16(0) + [0, 0, 0, 0, 0, 0] + be16(message.count) + message
    }

    /// A TLS application-data record of `length` bytes.
    static func applicationData(_ length: Int, seed: UInt32 = 9) -> [UInt8] {
        [23, 3, 3] + be16(length) + noise(length, seed: seed)
    }
}

/// A flow's opening from payloads in order; TCP flows start with a SYN from the initiator.
func makeFlow(_ proto: IPProtocol, client: UInt16 = 40000, server: UInt16, serverAddress: String = "203.0.113.7",
              handshake: Bool = true, _ packets: [(Direction, [UInt8])]) -> FlowSample {
    var flow = FlowSample(ipProtocol: proto, initiator: Endpoint(address: IPAddress("198.51.100.2")!, port: client),
                          responder: Endpoint(address: IPAddress(serverAddress)!, port: server))
    var all: [(Direction, [UInt8], UInt8)] = []
    if proto == .tcp && handshake {
        all.append((.forward, [], 0x02))
        all.append((.reverse, [], 0x12))
        all.append((.forward, [], 0x10))
    }
    all += packets.map { ($0.0, $0.1, proto == .tcp ? 0x18 : 0) }
    for (index, (direction, payload, flags)) in all.enumerated() {
        payload.withUnsafeBytes { bytes in
            flow.append(SampledPacket(direction: direction, timestamp: Timestamp(seconds: Int64(index)), payloadLength: payload.count,
                                      tcpFlags: flags), payload: bytes)
        }
    }
    return flow
}

func verdict(_ outcome: DetectorOutcome) -> TunnelVerdict? {
    if case .verdict(let verdict) = outcome { return verdict }
    return nil
}

/// Ordinary TLS to a website: browser-like hello with ALPN and a public certificate.
func ordinaryTLS(_ name: String) -> FlowSample {
    makeFlow(.tcp, server: 443, [
        (.forward, TLSSampleBuilder.clientHello(serverName: name, alpn: ["h2", "http/1.1"])),
        (.reverse, TLSSampleBuilder.serverFlight(certificate: TLSSampleBuilder.certificate(issuer: "Example Public CA G2", subject: name))),
        (.forward, TLSSampleBuilder.applicationData(300)),
        (.reverse, TLSSampleBuilder.applicationData(1400)),
    ])
}

let httpGet = Array("GET /index.html HTTP/1.1\r\nHost: www.example.com\r\nUser-Agent: test\r\n\r\n".utf8)
