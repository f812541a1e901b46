/// Geneve (RFC 8926 §3.4): over UDP, a version (2 bits, 0) and options length (6 bits, in
/// 4-byte words), the O (control) and C (critical options) bits with 6 reserved zero bits, a
/// 16-bit protocol type (an EtherType: 0x6558 for Ethernet frames, 0x0800 IPv4, 0x86DD IPv6), a
/// 24-bit VNI and a reserved zero byte; then options, each a 16-bit class, a type byte and a
/// byte of 3 reserved bits and a 5-bit length in 4-byte words, which must add up exactly to the
/// options length; then the inner packet of the protocol type.
///
/// The port (6081) is not needed: the header's structure and a plausible inner packet decide.
public struct GeneveDetector: DatagramHeaderDetector {
    public let family = TunnelFamily.geneve
    public let summary = "Geneve: version 0 header, option TLVs adding up to the options length, protocol type, and a valid inner Ethernet frame or IP packet"

    public init() {}

    public static func describe(_ bytes: ArraySlice<UInt8>, length: Int) -> String? {
        guard let first = bytes.u8(0), first >> 6 == 0, let second = bytes.u8(1), second & 0x3F == 0,
              let type = bytes.u16(2), let vni = bytes.u32(4).map({ $0 >> 8 }), bytes.u8(7) == 0 else { return nil }
        let optionsLength = Int(first & 0x3F) * 4
        let innerOffset = 8 + optionsLength
        guard innerOffset < length else { return nil }
        // Walk the option TLVs: they must end exactly at the options' end.
        var offset = 8
        var options = 0
        while offset < innerOffset {
            guard bytes.u16(offset) != nil, let lengthByte = bytes.u8(offset + 3), lengthByte & 0xE0 == 0 else { return nil }
            offset += 4 + Int(lengthByte & 0x1F) * 4
            options += 1
        }
        guard offset == innerOffset else { return nil }
        let available = length - innerOffset
        let inner: String
        if type == 0x6558 {
            guard let innerType = EncapsulatedPacket.ethernetType(bytes, at: innerOffset, available: available) else { return nil }
            inner = "an Ethernet frame of \(EncapsulatedPacket.describe(innerType))"
        } else {
            guard type == 0x0800 || type == 0x86DD || type == 0x8847,
                  EncapsulatedPacket.payloadIsPlausible(etherType: type, bytes, at: innerOffset, available: available) else { return nil }
            inner = EncapsulatedPacket.describe(type)
        }
        let control = second & 0x80 != 0 ? " control (O bit)" : ""
        return "Geneve\(control) header (VNI \(vni), \(options) option\(options == 1 ? "" : "s")) carrying \(inner)"
    }
}
