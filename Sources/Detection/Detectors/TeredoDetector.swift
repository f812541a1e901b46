/// Teredo (RFC 4380 §5.1.1): IPv6 packets carried directly in UDP, optionally preceded by an
/// authentication indicator (0x0001, client-id and authentication-value lengths, those values,
/// an 8-byte nonce and a confirmation byte) and/or an origin indication (0x0000, the obfuscated
/// origin port and IPv4 address: 8 bytes).
///
/// The inner IPv6 header must be valid with a payload length that fills the datagram; then
/// either one of its addresses is in the Teredo prefix 2001:0::/32, or an encapsulation header
/// was present, or it is the qualification exchange (§5.2.1: a router solicitation from a
/// link-local address whose interface id is the Teredo constant fe80::(8000:)ffff:ffff:fffX).
/// The port (3544) is not needed.
public struct TeredoDetector: DatagramHeaderDetector {
    public let family = TunnelFamily.teredo
    public let summary = "Teredo: IPv6 in UDP (after optional authentication/origin indication headers) with a 2001:0::/32 address or the qualification router solicitation"

    public init() {}

    public static func describe(_ bytes: ArraySlice<UInt8>, length: Int) -> String? {
        var offset = 0
        var headers: [String] = []
        if bytes.u16(0) == 0x0001 {
            guard let idLength = bytes.u8(2), let authLength = bytes.u8(3) else { return nil }
            offset = 4 + Int(idLength) + Int(authLength) + 8 + 1
            headers.append("authentication indicator")
        }
        if bytes.u16(offset) == 0x0000 {
            offset += 8
            headers.append("origin indication")
        }
        // The IPv6 packet fills the rest of the datagram exactly.
        guard EncapsulatedPacket.isIPv6(bytes, at: offset, available: length - offset),
              let payloadLength = bytes.u16(offset + 4), 40 + Int(payloadLength) == length - offset else { return nil }
        let source = bytes.dropFirst(offset + 8).prefix(16)
        let destination = bytes.dropFirst(offset + 24).prefix(16)
        let teredoPrefix: [UInt8] = [0x20, 0x01, 0x00, 0x00]
        let after = headers.isEmpty ? "" : " after the \(headers.joined(separator: " and "))"
        if source.matches(teredoPrefix) || destination.matches(teredoPrefix) {
            return "IPv6 packet in UDP\(after) with a Teredo address (2001:0::/32)"
        }
        let nextHeader = bytes.u8(offset + 6)
        let icmpType = bytes.u8(offset + 40)
        // Qualification: router solicitation (ICMPv6 133) from a Teredo link-local address, or
        // the server's router advertisement (134) to one.
        let teredoLinkLocal = { (address: ArraySlice<UInt8>) -> Bool in
            address.matches([0xFE, 0x80, 0, 0, 0, 0, 0, 0]) && (address.u8(8) == 0x80 || address.u8(8) == 0x00)
                && address.u8(9) == 0x00 && address.matches([0xFF, 0xFF, 0xFF, 0xFF, 0xFF], at: 10)
                && (address.u8(15) ?? 0) & 0xFC == 0xFC
        }
        if nextHeader == 58, icmpType == 133 || icmpType == 134,
           teredoLinkLocal(source) || teredoLinkLocal(destination) {
            return "Teredo qualification: ICMPv6 router \(icmpType == 133 ? "solicitation" : "advertisement") in UDP\(after) with the Teredo link-local address"
        }
        if !headers.isEmpty {
            return "IPv6 packet in UDP after the Teredo \(headers.joined(separator: " and "))"
        }
        return nil
    }
}
