/// Checks shared by the encapsulation detectors (GRE, IP-in-IP, VXLAN, Geneve, GTP, CAPWAP,
/// Teredo, L2TP, ICMP tunnels): whether the bytes at an offset start a plausible IPv4 packet
/// (RFC 791: version, header length, total length, header checksum), IPv6 packet (RFC 8200:
/// version, payload length, next header) or Ethernet frame (IEEE 802.3: unicast source, a known
/// EtherType and a valid packet after it), so a tunnel header is believed only when a real
/// packet follows it.
///
/// `available` is the number of payload bytes from `offset` to the end of the outer packet as
/// captured (the slice itself holds only the kept prefix). Lengths may fall short of what a
/// header declares when the capture was cut by its snap length, and an inner Ethernet frame may
/// carry padding after its IP packet.
enum EncapsulatedPacket {
    /// Bytes of link-layer padding tolerated after an inner packet.
    static let paddingSlack = 64

    /// Whether an IPv4 header starts at `offset`: version 4, header length 5...15 words, total
    /// length at least the header and consistent with `available`, a correct (or unset) header
    /// checksum.
    static func isIPv4(_ bytes: ArraySlice<UInt8>, at offset: Int, available: Int) -> Bool {
        guard let first = bytes.u8(offset), first >> 4 == 4 else { return false }
        let headerLength = Int(first & 0x0F) * 4
        guard headerLength >= 20, let total = bytes.u16(offset + 2), Int(total) >= headerLength,
              available >= 20, lengthFits(declared: Int(total), available: available),
              let ttl = bytes.u8(offset + 8), ttl > 0,
              let declaredSum = bytes.u16(offset + 10) else { return false }
        // Flags: the reserved (evil) bit is zero.
        guard let flags = bytes.u8(offset + 6), flags & 0x80 == 0 else { return false }
        if declaredSum == 0 { return bytes.count >= offset + headerLength }
        var sum: UInt32 = 0
        for word in stride(from: 0, to: headerLength, by: 2) {
            guard let value = bytes.u16(offset + word) else { return false }
            sum += UInt32(value)
        }
        while sum > 0xFFFF { sum = (sum & 0xFFFF) + (sum >> 16) }
        return sum == 0xFFFF
    }

    /// Next-header values an IPv6 packet plausibly starts with (IANA protocol numbers).
    static let ipv6NextHeaders: Set<UInt8> = [0, 4, 6, 17, 41, 43, 44, 47, 50, 51, 58, 59, 60, 103, 112, 115, 132, 135, 136, 139, 140]

    /// Whether an IPv6 header starts at `offset`: version 6, a known next header, a nonzero hop
    /// limit, a unicast or unspecified source, and a payload length consistent with `available`.
    static func isIPv6(_ bytes: ArraySlice<UInt8>, at offset: Int, available: Int) -> Bool {
        guard let first = bytes.u8(offset), first >> 4 == 6, available >= 40,
              let payloadLength = bytes.u16(offset + 4), let next = bytes.u8(offset + 6),
              let hopLimit = bytes.u8(offset + 7), let sourceFirst = bytes.u8(offset + 8),
              bytes.u8(offset + 39) != nil else { return false }
        return ipv6NextHeaders.contains(next) && hopLimit > 0 && sourceFirst != 0xFF
            && lengthFits(declared: 40 + Int(payloadLength), available: available)
    }

    /// "IPv4" or "IPv6" when an IP packet of the version its first nibble names starts at `offset`.
    static func ipVersion(_ bytes: ArraySlice<UInt8>, at offset: Int, available: Int) -> String? {
        switch bytes.u8(offset).map({ $0 >> 4 }) {
        case 4: isIPv4(bytes, at: offset, available: available) ? "IPv4" : nil
        case 6: isIPv6(bytes, at: offset, available: available) ? "IPv6" : nil
        default: nil
        }
    }

    /// The EtherType of a plausible Ethernet frame starting at `offset` (after up to two VLAN
    /// tags), checking the packet that follows for IPv4, IPv6 and ARP; nil when implausible.
    static func ethernetType(_ bytes: ArraySlice<UInt8>, at offset: Int, available: Int) -> UInt16? {
        // The source address is never a group address.
        guard available >= 14, let source = bytes.u8(offset + 6), source & 0x01 == 0 else { return nil }
        var typeOffset = offset + 12
        for _ in 0..<3 {
            guard let type = bytes.u16(typeOffset) else { return nil }
            if type == 0x8100 || type == 0x88A8 || type == 0x9100 {
                typeOffset += 4
                continue
            }
            let bodyOffset = typeOffset + 2
            let bodyAvailable = available - (bodyOffset - offset)
            return payloadIsPlausible(etherType: type, bytes, at: bodyOffset, available: bodyAvailable) ? type : nil
        }
        return nil
    }

    /// Whether the packet after an EtherType (or GRE/Geneve protocol type) is plausible: IP
    /// packets and ARP are checked, a few other well-known types are taken at their word, and an
    /// 802.3 length field must be followed by an LLC header of spanning tree or SNAP.
    static func payloadIsPlausible(etherType: UInt16, _ bytes: ArraySlice<UInt8>, at offset: Int, available: Int) -> Bool {
        switch etherType {
        case 0x0800:
            return isIPv4(bytes, at: offset, available: available)
        case 0x86DD:
            return isIPv6(bytes, at: offset, available: available)
        case 0x0806:
            // RFC 826 ARP for IPv4 over Ethernet: hardware 1, protocol 0x0800, sizes 6 and 4, op 1 or 2.
            return bytes.u16(offset) == 1 && bytes.u16(offset + 2) == 0x0800 && bytes.u8(offset + 4) == 6
                && bytes.u8(offset + 5) == 4 && (bytes.u16(offset + 6) == 1 || bytes.u16(offset + 6) == 2)
        case 0x8847, 0x8848:
            return isMPLS(bytes, at: offset, available: available)
        case 0x88CC, 0x8809, 0x888E, 0x8863, 0x8864, 0x88E5, 0x8035, 0x88F7, 0x8902:
            return available > 0
        case ..<0x0600:
            // 802.3 length, then LLC: spanning tree (42 42 03) or SNAP (AA AA 03).
            return Int(etherType) <= available && (bytes.matches([0x42, 0x42, 0x03], at: offset) || bytes.matches([0xAA, 0xAA, 0x03], at: offset))
        default:
            return false
        }
    }

    /// Whether an MPLS label stack (RFC 3032) starts at `offset` whose bottom entry is followed by
    /// an IP packet.
    static func isMPLS(_ bytes: ArraySlice<UInt8>, at offset: Int, available: Int) -> Bool {
        var position = offset
        for _ in 0..<8 {
            guard let entry = bytes.u32(position) else { return false }
            position += 4
            if entry & 0x100 != 0 {
                return ipVersion(bytes, at: position, available: available - (position - offset)) != nil
            }
        }
        return false
    }

    /// A name for an EtherType or GRE protocol type, for evidence sentences.
    static func etherTypeName(_ type: UInt16) -> String {
        switch type {
        case 0x0800: "IPv4"
        case 0x86DD: "IPv6"
        case 0x0806: "ARP"
        case 0x6558: "transparent Ethernet bridging"
        case 0x880B: "PPP"
        case 0x8847: "MPLS"
        case 0x8848: "MPLS multicast"
        case 0x8100: "802.1Q VLAN"
        case 0x88BE: "ERSPAN type II"
        case 0x22EB: "ERSPAN type III"
        case 0x883E: "WCCP redirection"
        case 0x88CC: "LLDP"
        case 0x8809: "slow protocols (LACP)"
        case 0x888E: "EAPOL"
        case 0x8863, 0x8864: "PPPoE"
        case ..<0x0600: "802.3 LLC"
        default: "protocol type"
        }
    }

    /// "IPv4 (0x0800)" style label.
    static func describe(_ type: UInt16) -> String {
        "\(etherTypeName(type)) (0x\(hex(type, digits: 4)))"
    }

    static func hex<T: BinaryInteger>(_ value: T, digits: Int) -> String {
        let text = String(value, radix: 16, uppercase: true)
        return String(repeating: "0", count: max(0, digits - text.count)) + text
    }

    /// A PPP protocol field (RFC 1661, with optional address/control FF 03 and protocol-field
    /// compression) at `offset`, when it names a known protocol; returns its value and a name.
    static func pppProtocol(_ bytes: ArraySlice<UInt8>, at offset: Int) -> (UInt16, String)? {
        var position = offset
        if bytes.matches([0xFF, 0x03], at: position) { position += 2 }
        guard let first = bytes.u8(position) else { return nil }
        let value: UInt16
        if first & 0x01 == 1 {
            value = UInt16(first) // compressed one-byte protocol field
        } else {
            guard let full = bytes.u16(position), full & 0x01 == 1 else { return nil }
            value = full
        }
        let names: [UInt16: String] = [
            0x0021: "IPv4", 0x0057: "IPv6", 0x00FD: "compressed (MPPE) data", 0x00FB: "compressed data",
            0x002D: "Van Jacobson compressed TCP/IP", 0x002F: "Van Jacobson uncompressed TCP/IP",
            0xC021: "LCP", 0xC023: "PAP", 0xC223: "CHAP", 0xC227: "EAP", 0x8021: "IPCP", 0x8057: "IPv6CP",
            0x80FD: "CCP", 0x80FB: "CCP", 0x803F: "NBFCP", 0xC025: "link quality report", 0x0031: "bridged data",
            0x003D: "multilink",
        ]
        return names[value].map { (value, $0) }
    }

    /// Whether a declared length agrees with the bytes there are: equal, a little shorter
    /// (padding), or longer when the capture was cut short.
    static func lengthFits(declared: Int, available: Int) -> Bool {
        declared >= available || available - declared <= paddingSlack
    }
}
