/// SoftEther VPN (softether.org documentation and its open-source `Mayaqua/Pack.c`,
/// `Cedar/Protocol.c`, `Cedar/NatTraversal` message formats).
///
/// - Its messages are "PACK" serialisations: a 32-bit element count, then per element a 32-bit
///   name length plus one, the name, a 32-bit value type (0 int, 1 data, 2 ANSI string, 3
///   Unicode string, 4 int64), a 32-bit value count and the values (ints 4 bytes, int64 8
///   bytes, the others a 32-bit length then bytes). SoftEther's NAT-traversal and VPN Azure
///   exchanges send them in cleartext over UDP; a datagram that parses as a PACK of several
///   elements with printable names is SoftEther.
/// - The NAT-traversal server answers a client's probe with "IP=<address>,PORT=<port>".
/// - The VPN session starts with an HTTP request "POST /vpnsvc/connect.cgi" (or "/vpnsvc/vpn.cgi"),
///   normally inside TLS; seen in cleartext it is SoftEther.
/// - Its dynamic DNS, NAT-traversal and VPN Azure relay services live under softether-network.net,
///   softether.net and vpnazure.net (known servers: a likely verdict).
/// - A VPN Server that was never given a certificate serves the one it made on first start
///   (`SiGenerateDefaultCertEx` in Cedar/Server.c): self-signed, serial number 0, with common
///   name, organization and organizational unit all the machine's name and country US. Where
///   TLS 1.2 or older shows the certificate, that pattern is a likely verdict; TLS 1.3 hides it.
public struct SoftEtherDetector: TunnelDetector {
    public let family = TunnelFamily.softether
    public let summary = "SoftEther: cleartext PACK messages (NAT traversal), \"IP=..,PORT=..\" NAT-T replies, POST /vpnsvc/connect.cgi, softether/vpnazure server names, the VPN Server's default certificate (TLS 1.2 and older)"

    public init() {}

    static let serviceDomains = ["softether-network.net", "softether.net", "softether.co.jp", "vpnazure.net"]

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        switch flow.ipProtocol {
        case .udp: return examineUDP(flow)
        case .tcp: return examineTCP(flow)
        default: return .notThis
        }
    }

    private func examineUDP(_ flow: FlowSample) -> DetectorOutcome {
        let indices = flow.payloadPackets()
        guard !indices.isEmpty else { return .needMorePackets }
        var natReply = false
        for index in indices {
            let payload = flow.payload(index)
            if let names = Self.packElementNames(payload, length: flow.packets[index].payloadLength) {
                let listed = names.prefix(3).joined(separator: ", ")
                return .verdict(TunnelVerdict(.softether, product: "SoftEther VPN", confidence: .confirmed,
                    evidence: "SoftEther PACK message over UDP (\(names.count) elements: \(listed)...)"))
            }
            if flow.packets[index].direction == .reverse, Self.isNATTraversalReply(payload, length: flow.packets[index].payloadLength) {
                natReply = true
            }
        }
        if natReply && indices.count >= 8 {
            return .verdict(TunnelVerdict(.softether, product: "SoftEther VPN", confidence: .likely,
                evidence: "SoftEther NAT-traversal reply \"IP=<address>,PORT=<port>\" to the client's probe"))
        }
        if natReply { return .needMorePackets }
        return indices.count >= 4 ? .notThis : .needMorePackets
    }

    private func examineTCP(_ flow: FlowSample) -> DetectorOutcome {
        let forward = flow.forwardStream
        if let hello = flow.clientHello {
            if let name = hello.serverName, let domain = Self.serviceDomain(name) {
                return .verdict(TunnelVerdict(.softether, product: domain == "vpnazure.net" ? "VPN Azure" : "SoftEther VPN", confidence: .likely,
                    evidence: "TLS to \(name), a SoftEther service name (\(domain))"))
            }
            // The server's certificate, if its version shows it.
            guard let server = flow.serverHello else {
                return flow.reverseStream.count >= FlowSample.streamLimit || flow.packets.count >= 12 || flow.reverseStream.first.map({ $0 != 22 }) == true
                    ? .notThis : .needMorePackets
            }
            guard server.cipherSuite >> 8 != 0x13, server.version != 0x0304 else { return .notThis }
            guard let certificate = HandshakeReader.firstMessage(in: flow.reverseStream, datagram: false, type: 11) else {
                return flow.reverseStream.count >= FlowSample.streamLimit || flow.packets.count >= 12 ? .notThis : .needMorePackets
            }
            if let name = Self.defaultCertificateName(certificate) {
                return .verdict(TunnelVerdict(.softether, product: "SoftEther VPN", confidence: .likely,
                    evidence: "TLS server certificate is SoftEther VPN Server's first-start default: self-signed, serial 0, CN, O and OU all \"\(name)\", C US"))
            }
            return .notThis
        }
        if forward.isEmpty { return flow.reverseStream.isEmpty ? .needMorePackets : .notThis }
        guard forward.count >= 16 else { return .needMorePackets }
        let head = forward[...]
        if head.matches(ascii: "POST /vpnsvc/connect.cgi") || head.matches(ascii: "POST /vpnsvc/vpn.cgi") {
            return .verdict(TunnelVerdict(.softether, product: "SoftEther VPN", confidence: .confirmed,
                evidence: "Cleartext SoftEther session request \"POST /vpnsvc/...cgi\""))
        }
        guard Self.isHTTPRequest(head) else { return .notThis }
        guard let end = Self.headerEnd(forward) else { return forward.count < FlowSample.plainStreamLimit ? .needMorePackets : .notThis }
        if let host = Self.header("host", in: forward[..<end]), let domain = Self.serviceDomain(host) {
            return .verdict(TunnelVerdict(.softether, product: "SoftEther VPN", confidence: .likely,
                evidence: "HTTP request to \(host), a SoftEther service name (\(domain))"))
        }
        return .notThis
    }

    /// The element names when `bytes` is a whole PACK with at least two elements (or, when the
    /// kept prefix is shorter than the datagram, a PACK that is well formed as far as it goes).
    static func packElementNames(_ bytes: ArraySlice<UInt8>, length: Int) -> [String]? {
        guard let count = bytes.u32(0), (2...256).contains(count) else { return nil }
        let truncated = bytes.count < length
        var offset = 4
        var names: [String] = []
        func cut() -> [String]? { truncated && names.count >= 2 ? names : nil }
        for _ in 0..<count {
            guard let nameField = bytes.u32(offset) else { return cut() }
            guard (2...64).contains(nameField) else { return nil }
            let nameLength = Int(nameField) - 1
            let start = offset + 4
            guard start + nameLength <= bytes.count else { return cut() }
            let name = bytes[(bytes.startIndex + start)..<(bytes.startIndex + start + nameLength)]
            guard name.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
            names.append(String(decoding: name, as: UTF8.self))
            offset = start + nameLength
            guard let type = bytes.u32(offset), let values = bytes.u32(offset + 4) else { return cut() }
            guard type <= 4, (1...4096).contains(values) else { return nil }
            offset += 8
            for _ in 0..<values {
                switch type {
                case 0: offset += 4
                case 4: offset += 8
                default:
                    guard let size = bytes.u32(offset) else { return cut() }
                    guard Int(size) <= length else { return nil }
                    offset += 4 + Int(size)
                }
                guard offset <= length else { return nil }
            }
        }
        return offset == length && names.count >= 2 ? names : nil
    }

    /// The machine name when a Certificate message's first certificate is SoftEther's default:
    /// version 3 with serial number 0, and issuer and subject both CN = O = OU = that name,
    /// C = US.
    static func defaultCertificateName(_ message: [UInt8]) -> String? {
        // Certificate message: 3-byte list length, then each certificate's 3-byte length and DER.
        guard message.count > 6 else { return nil }
        let length = Int(message[3]) << 16 | Int(message[4]) << 8 | Int(message[5])
        let der = Array(message[6..<min(message.count, 6 + length)])
        // Certificate and TBSCertificate SEQUENCEs (long lengths), [0] version 2 (v3), serial 0.
        let prefix = der.prefix(24)
        guard let version = (0..<max(0, prefix.count - 8)).first(where: { Array(prefix[$0..<($0 + 5)]) == [0xA0, 0x03, 0x02, 0x01, 0x02] }),
              Array(prefix.dropFirst(version + 5).prefix(3)) == [0x02, 0x01, 0x00] else { return nil }
        let names = TLSServerHello.commonNames(in: der)
        guard names.count == 2, names[0] == names[1], let name = names.first, !name.isEmpty else { return nil }
        let organizations = TLSServerHello.attributeValues(in: der, oid: [0x06, 0x03, 0x55, 0x04, 0x0A])
        let units = TLSServerHello.attributeValues(in: der, oid: [0x06, 0x03, 0x55, 0x04, 0x0B])
        let countries = TLSServerHello.attributeValues(in: der, oid: [0x06, 0x03, 0x55, 0x04, 0x06])
        guard organizations == [name, name], units == [name, name], countries == ["US", "US"] else { return nil }
        return name
    }

    /// "IP=<address>,PORT=<digits>" (the NAT-traversal server's reply), whole datagram.
    static func isNATTraversalReply(_ bytes: ArraySlice<UInt8>, length: Int) -> Bool {
        guard length == bytes.count, length <= 80, bytes.matches(ascii: "IP=") else { return false }
        let text = String(decoding: bytes, as: UTF8.self)
        let parts = text.split(separator: ",")
        guard parts.count == 2, parts[1].hasPrefix("PORT="), let port = Int(parts[1].dropFirst(5)), (1...65535).contains(port) else { return false }
        let address = parts[0].dropFirst(3)
        return !address.isEmpty && address.allSatisfy { $0.isHexDigit || $0 == "." || $0 == ":" }
    }

    static func serviceDomain(_ host: String) -> String? {
        var name = host.lowercased()
        if let colon = name.lastIndex(of: ":"), !name.hasPrefix("[") { name = String(name[..<colon]) }
        if name.hasSuffix(".") { name.removeLast() }
        return serviceDomains.first { name == $0 || name.hasSuffix("." + $0) }
    }

    static func isHTTPRequest(_ bytes: ArraySlice<UInt8>) -> Bool {
        ["GET ", "POST ", "PUT ", "HEAD ", "CONNECT ", "OPTIONS "].contains { bytes.matches(ascii: $0) }
    }

    static func headerEnd(_ stream: [UInt8]) -> Int? {
        guard stream.count >= 4 else { return nil }
        for index in 0...(stream.count - 4) where stream[index] == 0x0D && stream[index + 1] == 0x0A && stream[index + 2] == 0x0D && stream[index + 3] == 0x0A {
            return index
        }
        return nil
    }

    /// The value of an HTTP header (case-insensitive name) in a request head.
    static func header(_ name: String, in head: ArraySlice<UInt8>) -> String? {
        let text = String(decoding: head, as: UTF8.self)
        for line in text.split(separator: "\r\n").dropFirst() {
            guard let colon = line.firstIndex(of: ":") else { continue }
            if line[..<colon].lowercased() == name {
                return String(line[line.index(after: colon)...].drop(while: { $0 == " " || $0 == "\t" }).reversed().drop(while: { $0 == " " || $0 == "\t" }).reversed())
            }
        }
        return nil
    }
}
