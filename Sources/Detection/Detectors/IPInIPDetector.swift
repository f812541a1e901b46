/// IP in IP: IP protocol 4 carries an IPv4 packet (RFC 2003; 4in4 and, inside IPv6, 4in6 per
/// RFC 2473) and IP protocol 41 an IPv6 packet (RFC 4213 6in4, and 6in6 per RFC 2473). The
/// payload right after the outer header must be an inner header of the version the protocol
/// number names, with a length that fits the outer packet.
public struct IPInIPDetector: TunnelDetector {
    public let family = TunnelFamily.ipInIP
    public let summary = "IP-in-IP: IP protocol 4 or 41 whose payload is a valid IPv4 or IPv6 header of the matching version (4in4, 6in4, 4in6, 6in6)"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        let innerVersion: String
        switch flow.ipProtocol {
        case .ipInIP: innerVersion = "IPv4"
        case .ipv6: innerVersion = "IPv6"
        default: return .notThis
        }
        let outerVersion = flow.initiator.address.isIPv4 ? "IPv4" : "IPv6"
        let indices = flow.payloadPackets()
        guard !indices.isEmpty else { return .needMorePackets }
        for index in indices {
            let payload = flow.payload(index)
            let length = flow.packets[index].payloadLength
            let valid = innerVersion == "IPv4" ? EncapsulatedPacket.isIPv4(payload, at: 0, available: length)
                : EncapsulatedPacket.isIPv6(payload, at: 0, available: length)
            if valid {
                let name = "\(innerVersion.dropFirst(3))in\(outerVersion.dropFirst(3))"
                return .verdict(TunnelVerdict(.ipInIP, confidence: .confirmed,
                    evidence: "\(innerVersion) packets inside \(outerVersion) (IP protocol \(flow.ipProtocol.rawValue), \(name)) with valid inner headers"))
            }
        }
        return indices.count >= 4 ? .notThis : .needMorePackets
    }
}
