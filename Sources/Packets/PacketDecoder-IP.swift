extension PacketDecoder {
    /// Decodes an IPv4 header (RFC 791) and, unless this is a later fragment, the transport
    /// header after it.
    @inlinable
    public static func decodeIPv4(
        _ frame: UnsafeRawBufferPointer, at offset: Int, into packet: inout DecodedPacket
    ) -> DecodeFailure? {
        guard frame.count >= offset + 20, let versionAndLength = frame.uint8(at: offset) else {
            return .truncated(header: "IPv4")
        }
        guard versionAndLength >> 4 == 4 else { return .malformed(header: "IPv4", field: "version") }
        let headerLength = Int(versionAndLength & 0x0F) * 4
        guard headerLength >= 20 else { return .malformed(header: "IPv4", field: "header length") }
        guard frame.count >= offset + headerLength else { return .truncated(header: "IPv4 options") }
        let totalLength = Int(frame.uint16(at: offset + 2)!)
        // Zero total length appears on captures of TCP segmentation offload; trust the capture.
        let end: Int
        if totalLength == 0 {
            end = frame.count
        } else {
            guard totalLength >= headerLength else { return .malformed(header: "IPv4", field: "total length") }
            end = min(offset + totalLength, frame.count)
            packet.ipLengthExceedsCapture = offset + totalLength > frame.count
        }
        let identification = UInt32(frame.uint16(at: offset + 4)!)
        let flagsAndOffset = frame.uint16(at: offset + 6)!
        packet.ipVersion = 4
        packet.ipProtocol = IPProtocol(frame.uint8(at: offset + 9)!)
        packet.source = IPAddress(ipv4: frame.uint32(at: offset + 12)!)
        packet.destination = IPAddress(ipv4: frame.uint32(at: offset + 16)!)
        packet.networkOffset = offset
        packet.transportOffset = offset + headerLength

        let fragmentOffset = flagsAndOffset & 0x1FFF
        let moreFragments = flagsAndOffset & 0x2000 != 0
        if fragmentOffset != 0 {
            packet.fragment = .later(identification: identification)
            packet.payloadOffset = packet.transportOffset
            packet.payloadLength = max(0, end - packet.transportOffset)
            return nil
        }
        if moreFragments { packet.fragment = .first(identification: identification) }
        return decodeTransport(frame, end: end, into: &packet)
    }

    /// Decodes an IPv6 header (RFC 8200), walks its extension headers, then the transport
    /// header. AH and ESP end the walk: they are reported as the packet's protocol.
    @inlinable
    public static func decodeIPv6(
        _ frame: UnsafeRawBufferPointer, at offset: Int, into packet: inout DecodedPacket
    ) -> DecodeFailure? {
        guard frame.count >= offset + 40, let first = frame.uint8(at: offset) else {
            return .truncated(header: "IPv6")
        }
        guard first >> 4 == 6 else { return .malformed(header: "IPv6", field: "version") }
        let payloadLength = Int(frame.uint16(at: offset + 4)!)
        // Zero payload length means a jumbogram (RFC 2675) or offload; trust the capture.
        let end = payloadLength == 0 ? frame.count : min(offset + 40 + payloadLength, frame.count)
        packet.ipLengthExceedsCapture = offset + 40 + payloadLength > frame.count
        var next = frame.uint8(at: offset + 6)!
        packet.ipVersion = 6
        packet.source = IPAddress(high: frame.uint64(at: offset + 8)!, low: frame.uint64(at: offset + 16)!)
        packet.destination = IPAddress(high: frame.uint64(at: offset + 24)!, low: frame.uint64(at: offset + 32)!)
        packet.networkOffset = offset

        var cursor = offset + 40
        walk: for _ in 0..<maximumStackedHeaders {
            switch next {
            case 0, 43, 60:  // hop-by-hop, routing, destination options
                guard let nextHeader = frame.uint8(at: cursor), let units = frame.uint8(at: cursor + 1) else {
                    return .truncated(header: "IPv6 extension")
                }
                next = nextHeader
                cursor += (Int(units) + 1) * 8
            case 44:  // fragment
                guard let nextHeader = frame.uint8(at: cursor), let offsetAndFlags = frame.uint16(at: cursor + 2),
                      let identification = frame.uint32(at: cursor + 4) else {
                    return .truncated(header: "IPv6 fragment")
                }
                next = nextHeader
                cursor += 8
                if offsetAndFlags >> 3 != 0 {
                    packet.ipProtocol = IPProtocol(next)
                    packet.fragment = .later(identification: identification)
                    packet.transportOffset = cursor
                    packet.payloadOffset = cursor
                    packet.payloadLength = max(0, end - cursor)
                    return nil
                }
                if offsetAndFlags & 1 != 0 { packet.fragment = .first(identification: identification) }
            default:
                break walk
            }
        }
        packet.ipProtocol = IPProtocol(next)
        packet.transportOffset = cursor
        return decodeTransport(frame, end: end, into: &packet)
    }
}
