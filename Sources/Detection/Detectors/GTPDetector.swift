/// GTP, the mobile core's tunnels, over UDP.
///
/// GTP-U (3GPP TS 29.281 §5.1): a flags byte with version 1, protocol type 1 (GTP), a spare
/// zero bit and the E, S and PN flags; a message type (255 G-PDU, 1/2 Echo Request/Response, 26
/// Error Indication, 31 Supported Extension Headers Notification, 253 Tunnel Status, 254 End
/// Marker); a length counting the bytes after the first 8; the TEID; when any of E, S, PN is set
/// a sequence number, N-PDU number and next-extension-header type, then the extension headers
/// (each a length in 4-byte words ending in the next type). A G-PDU carries an IPv4 or IPv6 packet.
///
/// GTPv1-C (TS 29.060 §6) has the same header (with S set) and its own message types; GTPv2-C
/// (TS 29.274 §5.1) has version 2, the P and T flags, a length counting the bytes after the
/// first 4, an optional TEID, a 3-byte sequence number and a spare byte, then information
/// elements (type, 16-bit length, instance) that fill the message exactly.
///
/// GTP' (GTP prime, TS 32.295 §6), which carries charging data records from the core to a
/// charging gateway (UDP port 3386): version 0-2, protocol type 0, spare bits 111 and the
/// header-length bit (a 6-byte header, or the 20-byte one of version 0); a message type (1-7
/// path management, 240/241 Data Record Transfer Request/Response); a length counting the bytes
/// after the header; a sequence number; then information elements (Packet Transfer Command 126
/// in a request, Cause 1 in a response, Recovery 14 in an echo response). It is matched on its
/// assigned port only: its header is short and has no field as strict as GTP-U's inner packet.
/// It carries no inner packet, so there is nothing to open (`Packets.Encapsulation`).
///
/// The ports (2152, 2123) are not needed: the header's length matching the datagram and a valid
/// inner packet or IE chain decide.
public struct GTPDetector: DatagramHeaderDetector {
    public let family = TunnelFamily.gtp
    public let summary = "GTP: GTP' (charging records, port 3386) header, type and first IE; GTP-U v1 G-PDU with length matching the datagram and a valid inner IP packet, echo/end marker; GTPv1-C and GTPv2-C headers with known message types and consistent lengths/IEs"

    public init() {}

    /// A GTPv1 (TS 29.281/29.060) or GTPv2-C (TS 29.274) message.
    public static func describe(_ payload: ArraySlice<UInt8>, length: Int) -> String? {
        version1(payload, length: length) ?? version2(payload, length: length)
    }

    /// GTP' is recognised only to or from its assigned port; GTP-U and GTP-C on any.
    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .udp else { return .notThis }
        let indices = flow.payloadPackets()
        guard !indices.isEmpty else { return .needMorePackets }
        let prime = flow.usesPort(Self.primePort)
        for index in indices {
            let payload = flow.payload(index), length = flow.packets[index].payloadLength
            if let evidence = Self.describe(payload, length: length) ?? (prime ? Self.prime(payload, length: length) : nil) {
                return .verdict(TunnelVerdict(family, confidence: .confirmed, evidence: evidence))
            }
        }
        return .notThis
    }

    /// GTP''s port (TS 32.295 §6.1; both UDP and TCP, only UDP is read here).
    public static let primePort: UInt16 = 3386

    static let primeTypes: [UInt8: String] = [
        1: "Echo Request", 2: "Echo Response", 3: "Version Not Supported", 4: "Node Alive Request", 5: "Node Alive Response",
        6: "Redirection Request", 7: "Redirection Response", 240: "Data Record Transfer Request", 241: "Data Record Transfer Response",
    ]

    /// GTP' (TS 32.295 §6.1-6.2) evidence for one datagram.
    static func prime(_ bytes: ArraySlice<UInt8>, length: Int) -> String? {
        guard let flags = bytes.u8(0), flags >> 5 <= 2, flags & 0x1E == 0x0E, let type = bytes.u8(1), let name = primeTypes[type],
              let declared = bytes.u16(2) else { return nil }
        let header = flags & 0x01 == 0 ? 6 : 20
        guard Int(declared) + header == length else { return nil }
        let first = bytes.u8(header)
        switch type {
        case 240:
            // Packet Transfer Command: 1 send, 2 send possibly duplicated, 3 cancel, 4 release.
            guard first == 126, let command = bytes.u8(header + 1), (1...4).contains(command) else { return nil }
        case 241, 6, 7:
            guard first == 1 else { return nil } // Cause
        case 2:
            guard first == 14 || first == nil && length == header else { return nil } // Recovery
        case 1, 3:
            guard length == header || first == 255 else { return nil } // nothing, or a private extension
        default:
            guard let first, first != 0 else { return nil }
        }
        return "GTP' \(name) (version \(flags >> 5), sequence \(bytes.u16(4) ?? 0)) whose length matches the datagram, on GTP''s port \(primePort)"
    }

    static let userPlaneTypes: [UInt8: String] = [
        1: "Echo Request", 2: "Echo Response", 26: "Error Indication", 31: "Supported Extension Headers Notification",
        253: "Tunnel Status", 254: "End Marker", 255: "G-PDU",
    ]

    static let v1ControlTypes: [UInt8: String] = [
        1: "Echo Request", 2: "Echo Response", 3: "Version Not Supported", 4: "Node Alive Request", 5: "Node Alive Response",
        6: "Redirection Request", 7: "Redirection Response", 16: "Create PDP Context Request", 17: "Create PDP Context Response",
        18: "Update PDP Context Request", 19: "Update PDP Context Response", 20: "Delete PDP Context Request",
        21: "Delete PDP Context Response", 22: "Initiate PDP Context Activation Request", 23: "Initiate PDP Context Activation Response",
        27: "PDU Notification Request", 28: "PDU Notification Response", 29: "PDU Notification Reject Request",
        30: "PDU Notification Reject Response", 31: "Supported Extension Headers Notification",
        32: "Send Routeing Information for GPRS Request", 33: "Send Routeing Information for GPRS Response",
        48: "Identification Request", 49: "Identification Response", 50: "SGSN Context Request", 51: "SGSN Context Response",
        52: "SGSN Context Acknowledge", 53: "Forward Relocation Request", 54: "Forward Relocation Response",
        55: "Forward Relocation Complete", 56: "Relocation Cancel Request", 57: "Relocation Cancel Response",
        96: "MBMS Notification Request", 97: "MBMS Notification Response",
    ]

    static let v2ControlTypes: [UInt8: String] = [
        1: "Echo Request", 2: "Echo Response", 3: "Version Not Supported Indication",
        32: "Create Session Request", 33: "Create Session Response", 34: "Modify Bearer Request", 35: "Modify Bearer Response",
        36: "Delete Session Request", 37: "Delete Session Response", 38: "Change Notification Request",
        39: "Change Notification Response", 64: "Modify Bearer Command", 65: "Modify Bearer Failure Indication",
        66: "Delete Bearer Command", 67: "Delete Bearer Failure Indication", 68: "Bearer Resource Command",
        69: "Bearer Resource Failure Indication", 70: "Downlink Data Notification Failure Indication",
        95: "Create Bearer Request", 96: "Create Bearer Response", 97: "Update Bearer Request", 98: "Update Bearer Response",
        99: "Delete Bearer Request", 100: "Delete Bearer Response", 128: "Identification Request", 129: "Identification Response",
        130: "Context Request", 131: "Context Response", 132: "Context Acknowledge", 133: "Forward Relocation Request",
        134: "Forward Relocation Response", 170: "Release Access Bearers Request", 171: "Release Access Bearers Response",
        176: "Downlink Data Notification", 177: "Downlink Data Notification Acknowledge", 200: "Update PDN Connection Set Request",
        201: "Update PDN Connection Set Response",
    ]

    /// GTPv1 (user or control plane) evidence for one datagram.
    static func version1(_ bytes: ArraySlice<UInt8>, length: Int) -> String? {
        // Version 1, PT 1, spare bit clear.
        guard let flags = bytes.u8(0), flags & 0xF8 == 0x30, let type = bytes.u8(1),
              let declared = bytes.u16(2), let teid = bytes.u32(4), Int(declared) + 8 == length else { return nil }
        var offset = 8
        if flags & 0x07 != 0 {
            guard declared >= 4, var nextType = bytes.u8(11) else { return nil }
            offset = 12
            // Extension headers: a length in 4-byte words (nonzero), contents, then the next type.
            var hops = 0
            while nextType != 0 {
                guard let words = bytes.u8(offset), words > 0, hops < 8 else { return nil }
                offset += Int(words) * 4
                guard offset <= length, let following = bytes.u8(offset - 1) else { return nil }
                nextType = following
                hops += 1
            }
        }
        let available = length - offset
        if type == 255 {
            // The inner packet fills the rest exactly (no padding inside GTP).
            guard let ip = EncapsulatedPacket.ipVersion(bytes, at: offset, available: available) else { return nil }
            let declaredInner = ip == "IPv4" ? bytes.u16(offset + 2).map(Int.init) : bytes.u16(offset + 4).map { Int($0) + 40 }
            guard let declaredInner, declaredInner == available else { return nil }
            return "GTP-U G-PDU (TEID 0x\(EncapsulatedPacket.hex(teid, digits: 8))) whose length matches the datagram, carrying an \(ip) packet"
        }
        // Signalling: echo needs a sequence number and TEID 0; control messages carry IEs whose
        // first type byte is a valid IE type (TV 1...127 or TLV 128...255, never 0).
        if type == 1 || type == 2 {
            guard flags & 0x02 != 0, teid == 0 else { return nil }
            if type == 2 {
                // Echo Response carries the Recovery IE (type 14, 1 byte value).
                guard bytes.u8(offset) == 14 else { return nil }
            } else {
                guard available == 0 || bytes.u8(offset) == 0xFF /* private extension */ else { return nil }
            }
            return "GTPv1 \(type == 1 ? "Echo Request" : "Echo Response") (sequence-numbered, TEID 0) whose length matches the datagram"
        }
        if let name = userPlaneTypes[type], type != 255 {
            if type == 254 {
                guard available == 0 || bytes.u8(offset) == 0xFF else { return nil }
            } else {
                guard available > 0, let ie = bytes.u8(offset), ie != 0 else { return nil }
            }
            return "GTP-U \(name) (TEID 0x\(EncapsulatedPacket.hex(teid, digits: 8))) whose length matches the datagram"
        }
        if let name = v1ControlTypes[type] {
            // GTP-C always carries a sequence number; the first IE follows the 12-byte header.
            guard flags & 0x02 != 0, available > 0, let ie = bytes.u8(offset), ie != 0,
                  Self.v1InformationElementsFit(bytes, from: offset, end: length) else { return nil }
            return "GTPv1-C \(name) whose length and information elements match the datagram"
        }
        return nil
    }

    /// TS 29.060 §7.7: TV elements have fixed lengths by type; TLV elements (type >= 128) a
    /// 16-bit length. Walks them and requires the last to end at the datagram's end (within the
    /// kept bytes; trusts the rest).
    static func v1InformationElementsFit(_ bytes: ArraySlice<UInt8>, from start: Int, end: Int) -> Bool {
        let tvLengths: [UInt8: Int] = [
            1: 1, 2: 8, 3: 6, 4: 4, 5: 4, 8: 1, 9: 28, 11: 1, 12: 3, 13: 1, 14: 1, 15: 1, 16: 4, 17: 4, 18: 5, 19: 1,
            20: 1, 21: 1, 22: 9, 23: 1, 24: 1, 25: 2, 26: 2, 27: 2, 28: 2, 29: 1, 127: 4,
        ]
        var offset = start
        var previous: UInt8 = 0
        while offset < end {
            guard let type = bytes.u8(offset) else { return true } // beyond the kept prefix
            // IEs appear in ascending order of type.
            guard type != 0, type >= previous else { return false }
            previous = type
            if type >= 128 {
                guard let length = bytes.u16(offset + 1) else { return true }
                offset += 3 + Int(length)
            } else {
                guard let length = tvLengths[type] else { return false }
                offset += 1 + length
            }
        }
        return offset == end
    }

    /// GTPv2-C evidence for one datagram.
    static func version2(_ bytes: ArraySlice<UInt8>, length: Int) -> String? {
        // Version 2, spare bits (0x03... the low 3 bits; MP may use 0x04) clear.
        guard let flags = bytes.u8(0), flags >> 5 == 2, flags & 0x03 == 0, let type = bytes.u8(1),
              let name = v2ControlTypes[type], let declared = bytes.u16(2), Int(declared) + 4 == length else { return nil }
        let hasTEID = flags & 0x08 != 0
        // Echo and Version Not Supported never carry a TEID; the others always do.
        if type <= 3 { guard !hasTEID else { return nil } } else { guard hasTEID else { return nil } }
        var offset = hasTEID ? 12 : 8
        guard offset <= length else { return nil }
        // Information elements: type (nonzero), 16-bit length, spare/instance byte, value.
        var elements = 0
        while offset < length {
            guard let ieType = bytes.u8(offset) else { break } // past the kept bytes: trust the rest
            guard ieType != 0, let ieLength = bytes.u16(offset + 1), let instance = bytes.u8(offset + 3), instance & 0xF0 == 0 else { return nil }
            offset += 4 + Int(ieLength)
            elements += 1
        }
        guard offset == length || bytes.u8(offset) == nil && offset < length, elements > 0 || type == 1 else { return nil }
        return "GTPv2-C \(name) whose length and \(elements) information element\(elements == 1 ? "" : "s") match the datagram"
    }
}
