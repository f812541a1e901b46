/// CAPWAP (RFC 5415 §4.1-4.5, with the IEEE 802.11 binding of RFC 5416), over UDP.
///
/// Every packet starts with a preamble byte: version 0 and type 0 (a CAPWAP header follows) or
/// type 1 (a CAPWAP DTLS header: three reserved zero bytes, then a DTLS record). The header then
/// holds HLEN (5 bits, the header length in 4-byte words), RID, WBID (1 IEEE 802.11, 3
/// EPCGlobal), the T, F, L, W, M, K flags and 3 reserved zero bits, a fragment id and offset,
/// and the optional radio MAC address and wireless-specific information (each a length byte,
/// padded to 4 bytes), which together must add up to HLEN.
///
/// Data packets carry a native frame (T=1, an IEEE 802.11 data frame with an LLC/SNAP header)
/// or an 802.3 frame (T=0); keep-alives (K=1) carry message elements. Control messages add a
/// message type (IANA enterprise 0, types 1-26 from Discovery Request to Station Configuration
/// Response), a sequence number, a message element length covering the rest, and zero flags,
/// then message elements (16-bit type and length) that fill it.
///
/// The ports (5246, 5247) are not needed: the header's lengths and what follows decide.
public struct CAPWAPDetector: DatagramHeaderDetector {
    public let family = TunnelFamily.capwap
    public let summary = "CAPWAP: preamble, HLEN/WBID/flags consistent with optional fields, then an 802.11 or 802.3 data frame with a valid packet, control message elements, or a DTLS record"

    public init() {}

    static let controlNames: [UInt32: String] = [
        1: "Discovery Request", 2: "Discovery Response", 3: "Join Request", 4: "Join Response",
        5: "Configuration Status Request", 6: "Configuration Status Response", 7: "Configuration Update Request",
        8: "Configuration Update Response", 9: "WTP Event Request", 10: "WTP Event Response",
        11: "Change State Event Request", 12: "Change State Event Response", 13: "Echo Request", 14: "Echo Response",
        15: "Image Data Request", 16: "Image Data Response", 17: "Reset Request", 18: "Reset Response",
        19: "Primary Discovery Request", 20: "Primary Discovery Response", 21: "Data Transfer Request",
        22: "Data Transfer Response", 23: "Clear Configuration Request", 24: "Clear Configuration Response",
        25: "Station Configuration Request", 26: "Station Configuration Response",
    ]

    public static func describe(_ bytes: ArraySlice<UInt8>, length: Int) -> String? {
        guard let preamble = bytes.u8(0) else { return nil }
        if preamble == 0x01 {
            // CAPWAP DTLS header: reserved zero bytes, then a DTLS record (RFC 6347 §4.1).
            guard bytes.matches([0, 0, 0], at: 1), let contentType = bytes.u8(4), (20...23).contains(contentType),
                  let version = bytes.u16(5), version == 0xFEFF || version == 0xFEFD,
                  let recordLength = bytes.u16(15), 4 + 13 + Int(recordLength) <= length else { return nil }
            let kind = contentType == 22 ? "handshake" : contentType == 23 ? "application data" : contentType == 21 ? "alert" : "change cipher spec"
            return "CAPWAP DTLS header followed by a DTLS \(kind) record"
        }
        guard preamble == 0x00, let word = bytes.u32(0) else { return nil }
        let hlen = Int((word >> 19) & 0x1F) * 4
        let wbid = (word >> 9) & 0x1F
        let native = word & 0x100 != 0
        let fragmented = word & 0x80 != 0
        let wireless = word & 0x20 != 0
        let radioMAC = word & 0x10 != 0
        let keepAlive = word & 0x08 != 0
        guard word & 0x07 == 0, hlen >= 8, hlen <= length, wbid == 1 || wbid == 3 || (wbid == 0 && !native),
              let fragmentOffset = bytes.u16(6), fragmented || fragmentOffset & 0xFFF8 == 0 else { return nil }
        // The optional fields must fill HLEN exactly.
        var offset = 8
        if radioMAC {
            guard let size = bytes.u8(offset), size == 6 || size == 8 else { return nil }
            offset += (1 + Int(size) + 3) / 4 * 4
        }
        if wireless {
            guard let size = bytes.u8(offset), size > 0 else { return nil }
            offset += (1 + Int(size) + 3) / 4 * 4
        }
        guard offset == hlen else { return nil }
        let available = length - hlen
        if fragmented && fragmentOffset != 0 { return nil } // a later fragment: nothing to check
        if keepAlive {
            // Data channel keep-alive: a message element length, then elements (Session ID, type 35).
            guard let total = bytes.u16(hlen), Int(total) + 2 == available, bytes.u16(hlen + 2) == 35 else { return nil }
            return "CAPWAP data channel keep-alive carrying the Session ID message element"
        }
        if native {
            guard wbid == 1, let inner = Self.ieee80211(bytes, at: hlen, available: available) else { return nil }
            return "CAPWAP data (HLEN \(hlen), WBID IEEE 802.11) carrying an 802.11 data frame with \(inner)"
        }
        if let type = EncapsulatedPacket.ethernetType(bytes, at: hlen, available: available) {
            return "CAPWAP data (HLEN \(hlen)) carrying an 802.3 frame of \(EncapsulatedPacket.describe(type))"
        }
        // Control message header.
        guard let messageType = bytes.u32(hlen), let name = controlNames[messageType],
              let elementsLength = bytes.u16(hlen + 5),
              // "the number of bytes following the Sequence Number field" (some stacks count only the elements)
              Int(elementsLength) + 5 == available || Int(elementsLength) + 8 == available, bytes.u8(hlen + 7) == 0 else { return nil }
        var position = hlen + 8
        while position < length {
            guard bytes.u16(position) != nil, let elementLength = bytes.u16(position + 2) else { break }
            position += 4 + Int(elementLength)
        }
        guard position == length || (position < length && bytes.u8(position) == nil) else { return nil }
        return "CAPWAP control \(name) whose message elements fill the declared length"
    }

    /// The inner packet of an 802.11 data frame: frame control in either byte order (some access
    /// points swap it), a 24-byte header (30 with four addresses, plus 2 for QoS), an LLC/SNAP
    /// header and a valid packet of its EtherType.
    static func ieee80211(_ bytes: ArraySlice<UInt8>, at offset: Int, available: Int) -> String? {
        guard let first = bytes.u8(offset), let second = bytes.u8(offset + 1) else { return nil }
        for (control, flags) in [(first, second), (second, first)] where control & 0x0C == 0x08 && control & 0x03 == 0 {
            var header = 24
            if flags & 0x03 == 0x03 { header += 6 }
            if control & 0x80 != 0 { header += 2 }
            if flags & 0x80 != 0 { header += 4 } // HT control (order bit)
            let snap = offset + header
            guard bytes.matches([0xAA, 0xAA, 0x03, 0x00, 0x00, 0x00], at: snap), let type = bytes.u16(snap + 6) else { continue }
            if EncapsulatedPacket.payloadIsPlausible(etherType: type, bytes, at: snap + 8, available: available - header - 8) {
                return EncapsulatedPacket.describe(type)
            }
        }
        return nil
    }
}
