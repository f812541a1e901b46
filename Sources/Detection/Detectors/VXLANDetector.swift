/// VXLAN (RFC 7348 §5): over UDP, an 8-byte header of flags (only the I flag, 0x08, set), 24
/// reserved zero bits, a 24-bit VXLAN network identifier and 8 more reserved zero bits, then an
/// inner Ethernet frame. Also the Group Policy extension (draft-smith-vxlan-group-policy: G flag
/// 0x80, D and A bits, a 16-bit group id) and VXLAN-GPE (draft-ietf-nvo3-vxlan-gpe: I and P
/// flags, version 0, a next-protocol byte of 1 IPv4, 2 IPv6 or 3 Ethernet).
///
/// The port (4789) is not needed: the header's fixed zero bits and a plausible inner frame
/// decide.
public struct VXLANDetector: DatagramHeaderDetector {
    public let family = TunnelFamily.vxlan
    public let summary = "VXLAN: 8-byte header with the I flag, reserved bits zero and a VNI, then a valid inner Ethernet frame (also VXLAN-GBP and VXLAN-GPE)"

    public init() {}

    /// Evidence for one datagram that is a VXLAN packet with a plausible inner frame.
    public static func describe(_ bytes: ArraySlice<UInt8>, length: Int) -> String? {
        guard length >= 8 + 14, let flags = bytes.u8(0), let second = bytes.u8(1), let third = bytes.u8(2),
              let nextProtocol = bytes.u8(3), let vni = bytes.u32(4).map({ $0 >> 8 }), bytes.u8(7) == 0 else { return nil }
        let available = length - 8
        switch flags {
        case 0x08:
            // RFC 7348: everything but the I flag and the VNI is reserved and zero.
            guard second == 0, third == 0, nextProtocol == 0,
                  let type = EncapsulatedPacket.ethernetType(bytes, at: 8, available: available) else { return nil }
            return "VXLAN header (VNI \(vni)) carrying an Ethernet frame of \(EncapsulatedPacket.describe(type))"
        case 0x88:
            // Group Policy: byte 1 holds only the D (0x40) and A (0x08) bits.
            guard second & ~0x48 == 0,
                  let type = EncapsulatedPacket.ethernetType(bytes, at: 8, available: available) else { return nil }
            return "VXLAN-GBP header (VNI \(vni), group \(bytes.u16(2) ?? 0)) carrying an Ethernet frame of \(EncapsulatedPacket.describe(type))"
        case 0x0C, 0x0D, 0x0E, 0x0F:
            // VXLAN-GPE: I and P set, version 0 (bits 0x30 of the first byte clear), reserved zero.
            guard second == 0, third == 0 else { return nil }
            switch nextProtocol {
            case 1 where EncapsulatedPacket.isIPv4(bytes, at: 8, available: available):
                return "VXLAN-GPE header (VNI \(vni)) carrying IPv4"
            case 2 where EncapsulatedPacket.isIPv6(bytes, at: 8, available: available):
                return "VXLAN-GPE header (VNI \(vni)) carrying IPv6"
            case 3:
                guard let type = EncapsulatedPacket.ethernetType(bytes, at: 8, available: available) else { return nil }
                return "VXLAN-GPE header (VNI \(vni)) carrying an Ethernet frame of \(EncapsulatedPacket.describe(type))"
            default:
                return nil
            }
        default:
            return nil
        }
    }
}
