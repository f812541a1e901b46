/// SSTP, the Secure Socket Tunneling Protocol ([MS-SSTP] §2.2.1, §2.2.3-2.2.9): after TLS (or in
/// cleartext where a proxy or load balancer terminates TLS) the client sends the HTTP request
/// "SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/ HTTP/1.1"; then both sides
/// exchange SSTP packets: version 0x10, a C bit (1 control, 0 data), a 12-bit length, and for
/// control packets a message type (1 SSTP_MSG_CALL_CONNECT_REQUEST ...), an attribute count and
/// attributes; the connect request carries one Encapsulated Protocol Id attribute (id 1, length
/// 6, protocol 1 = PPP).
public struct SSTPDetector: TunnelDetector {
    public let family = TunnelFamily.sstp
    public let summary = "SSTP: the SSTP_DUPLEX_POST /sra_{BA195980-...}/ request, or SSTP control packets (version 0x10, Call Connect Request), in cleartext"

    public init() {}

    static let method = "SSTP_DUPLEX_POST"
    static let resource = "/sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/"

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        let forward = flow.forwardStream[...]
        if forward.isEmpty { return flow.reverseStream.isEmpty ? .needMorePackets : .notThis }
        if Self.isCallConnectRequest(forward) {
            return .verdict(TunnelVerdict(.sstp, confidence: .confirmed,
                evidence: "SSTP control packet Call Connect Request (version 0x10) asking for PPP encapsulation"))
        }
        if forward.count < Self.method.utf8.count {
            return Array(Self.method.utf8).starts(with: forward) || Self.isControlPrefix(forward) ? .needMorePackets : .notThis
        }
        if forward.matches(ascii: Self.method + " ") {
            let resourceSeen = forward.matches(ascii: Self.method + " " + Self.resource) || forward.matches(ascii: Self.method + " " + Self.resource.lowercased())
            return .verdict(TunnelVerdict(.sstp, confidence: .confirmed,
                evidence: resourceSeen ? "Cleartext SSTP request \"SSTP_DUPLEX_POST /sra_{BA195980-CD49-458b-9E23-C84EE0ADCD75}/\""
                    : "Cleartext SSTP request method SSTP_DUPLEX_POST"))
        }
        return .notThis
    }

    static func isControlPrefix(_ bytes: ArraySlice<UInt8>) -> Bool {
        [0x10, 0x01, 0x00, 0x0E].starts(with: bytes.prefix(4))
    }

    /// SSTP_MSG_CALL_CONNECT_REQUEST: 10 01, length 14, type 1, one attribute: reserved 0, id 1
    /// (Encapsulated Protocol Id), length 6, protocol 1 (PPP).
    static func isCallConnectRequest(_ bytes: ArraySlice<UInt8>) -> Bool {
        bytes.matches([0x10, 0x01, 0x00, 0x0E, 0x00, 0x01, 0x00, 0x01, 0x00, 0x01, 0x00, 0x06, 0x00, 0x01])
    }
}
