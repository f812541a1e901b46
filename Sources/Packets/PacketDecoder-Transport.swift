extension PacketDecoder {
    /// Reads ports, flags or ICMP type from the transport header at `packet.transportOffset`
    /// and marks where its payload lies, up to `end` (the IP packet's end within the capture).
    @inlinable
    static func decodeTransport(
        _ frame: UnsafeRawBufferPointer, end: Int, into packet: inout DecodedPacket
    ) -> DecodeFailure? {
        let start = packet.transportOffset
        var payloadStart = start
        switch packet.ipProtocol.rawValue {
        case 6:  // TCP, RFC 9293 §3.1
            guard end >= start + 14, let sourcePort = frame.uint16(at: start),
                  let destinationPort = frame.uint16(at: start + 2),
                  let offsetByte = frame.uint8(at: start + 12), let flags = frame.uint8(at: start + 13) else {
                return .truncated(header: "TCP")
            }
            let headerLength = Int(offsetByte >> 4) * 4
            guard headerLength >= 20 else { return .malformed(header: "TCP", field: "data offset") }
            packet.sourcePort = sourcePort
            packet.destinationPort = destinationPort
            packet.tcpFlags = flags
            payloadStart = start + headerLength
        case 17, 136:  // UDP (RFC 768), UDP-Lite (RFC 3828)
            guard end >= start + 8, let sourcePort = frame.uint16(at: start),
                  let destinationPort = frame.uint16(at: start + 2) else {
                return .truncated(header: "UDP")
            }
            packet.sourcePort = sourcePort
            packet.destinationPort = destinationPort
            payloadStart = start + 8
        case 132, 33:  // SCTP (RFC 9260), DCCP (RFC 4340): ports first
            guard end >= start + 4, let sourcePort = frame.uint16(at: start),
                  let destinationPort = frame.uint16(at: start + 2) else {
                return .truncated(header: packet.ipProtocol.rawValue == 132 ? "SCTP" : "DCCP")
            }
            packet.sourcePort = sourcePort
            packet.destinationPort = destinationPort
            payloadStart = start + (packet.ipProtocol.rawValue == 132 ? 12 : 16)
        case 1, 58:  // ICMP (RFC 792), ICMPv6 (RFC 4443)
            guard end >= start + 4, let type = frame.uint8(at: start), let code = frame.uint8(at: start + 1) else {
                return .truncated(header: "ICMP")
            }
            packet.icmpType = type
            packet.icmpCode = code
            payloadStart = start + 8
        default:
            break
        }
        packet.payloadOffset = min(payloadStart, end)
        packet.payloadLength = max(0, end - payloadStart)
        return nil
    }
}
