import Packets

/// SOCKS proxies.
/// SOCKS5 (RFC 1928 §3, §6): the client's greeting is VER 5, NMETHODS, then NMETHODS method
/// bytes; the server selects one in a two-byte reply (VER 5, METHOD: 0 none, 1 GSSAPI,
/// 2 username/password, 3...0x7F IANA, 0x80...0xFE private, 0xFF none acceptable).
/// SOCKS4 (Ying-Da Lee, "SOCKS: A protocol for TCP proxy across firewalls"; SOCKS4A): VN 4,
/// CD 1 (connect) or 2 (bind), DSTPORT, DSTIP, USERID, NUL (then a host name and NUL when DSTIP
/// is 0.0.0.x); the server replies with 8 bytes, VN 0 and CD 90...93.
public struct SOCKSDetector: TunnelDetector {
    public let family = TunnelFamily.socks
    public let summary = "SOCKS: SOCKS5 greeting + method selection (RFC 1928), SOCKS4/4a request + reply"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        let forward = flow.forwardStream[...]
        guard let version = forward.u8(0) else { return flow.reverseStream.isEmpty ? .needMorePackets : .notThis }
        let reverse = flow.reverseStream[...]
        switch version {
        case 5:
            guard let count = forward.u8(1), count >= 1 else { return forward.count < 2 ? .needMorePackets : .notThis }
            let greetingLength = 2 + Int(count)
            // The server answers only a whole greeting.
            guard forward.count >= greetingLength else { return reverse.isEmpty ? .needMorePackets : .notThis }
            // The greeting stands alone: the client waits for the method selection, so it is
            // either all the client sent or followed by the request (VER 5, CMD 1...3, RSV 0).
            guard forward.count == greetingLength || (forward.u8(greetingLength) == 5 && forward.u8(greetingLength + 2) == 0) else { return .notThis }
            guard reverse.count >= 2 else { return .needMorePackets }
            guard reverse.u8(0) == 5, let method = reverse.u8(1) else { return .notThis }
            let offered = forward[(forward.startIndex + 2)..<(forward.startIndex + greetingLength)]
            guard method == 0xFF || offered.contains(method) else { return .notThis }
            var evidence = "SOCKS5 greeting offering \(count) method\(count == 1 ? "" : "s") answered by method selection 0x\(String(method, radix: 16, uppercase: true)) (RFC 1928)"
            if let target = Self.socks5Target(forward.dropFirst(greetingLength)) { evidence += ", then CONNECT to \(target)" }
            return .verdict(TunnelVerdict(.socks, confidence: .confirmed, evidence: evidence))
        case 4:
            guard forward.count >= 9 else { return .needMorePackets }
            guard let command = forward.u8(1), command == 1 || command == 2 else { return .notThis }
            // USERID is a NUL-terminated string after the 8-byte header.
            guard let end = forward.dropFirst(8).firstIndex(of: 0) else { return forward.count > 300 ? .notThis : .needMorePackets }
            guard forward[(forward.startIndex + 8)..<end].allSatisfy({ (0x20...0x7E).contains($0) }) else { return .notThis }
            var requestEnd = end + 1
            let ip = forward.u32(4) ?? 0
            let port = forward.u16(2) ?? 0
            var target = "\(IPAddress(ipv4: ip)):\(port)"
            if ip > 0 && ip < 256 {
                // SOCKS4A: a host name follows.
                guard let nameEnd = forward[requestEnd...].firstIndex(of: 0) else { return forward.count > 600 ? .notThis : .needMorePackets }
                let name = String(decoding: forward[requestEnd..<nameEnd], as: UTF8.self)
                guard PayloadShape.isHostName(Substring(name)) else { return .notThis }
                target = "\(name):\(port)"
                requestEnd = nameEnd + 1
            }
            guard reverse.count >= 8 else { return .needMorePackets }
            guard reverse.u8(0) == 0, let status = reverse.u8(1), (90...93).contains(status) else { return .notThis }
            return .verdict(TunnelVerdict(.socks, confidence: .confirmed,
                evidence: "SOCKS4 \(command == 1 ? "CONNECT" : "BIND") request for \(target) answered with status \(status)"))
        default:
            return .notThis
        }
    }

    /// "host:port" from a SOCKS5 request (RFC 1928 §4), when it is there.
    static func socks5Target(_ request: ArraySlice<UInt8>) -> String? {
        guard request.u8(0) == 5, request.u8(1) == 1, request.u8(2) == 0, let type = request.u8(3) else { return nil }
        switch type {
        case 1:
            guard let ip = request.u32(4), let port = request.u16(8) else { return nil }
            return "\(IPAddress(ipv4: ip)):\(port)"
        case 3:
            guard let length = request.u8(4), request.count >= 5 + Int(length) + 2 else { return nil }
            let start = request.startIndex + 5
            let name = String(decoding: request[start..<(start + Int(length))], as: UTF8.self)
            guard PayloadShape.isHostName(Substring(name)), let port = request.u16(5 + Int(length)) else { return nil }
            return "\(name):\(port)"
        case 4:
            guard request.count >= 22, let port = request.u16(20) else { return nil }
            return "[\(IPAddress(bytes: request[(request.startIndex + 4)..<(request.startIndex + 20)]))]:\(port)"
        default:
            return nil
        }
    }
}
