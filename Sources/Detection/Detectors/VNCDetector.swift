/// VNC's Remote Framebuffer protocol (RFC 6143 §7.1.1): the server opens with the 12-byte
/// ProtocolVersion message "RFB 003.008\n" (3.3, 3.7 or 3.8; other minor numbers exist), and the
/// client answers with one of the same form.
public struct VNCDetector: TunnelDetector {
    public let family = TunnelFamily.vnc
    public let summary = "VNC: RFB ProtocolVersion message \"RFB xxx.yyy\\n\" (RFC 6143 §7.1.1)"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        let indices = flow.payloadPackets()
        guard let first = indices.first else { return .needMorePackets }
        guard let version = Self.version(flow.payload(first)) else { return .notThis }
        let side = flow.packets[first].direction == .reverse ? "server" : "first"
        return .verdict(TunnelVerdict(.vnc, confidence: .confirmed,
            evidence: "RFB ProtocolVersion \"RFB \(version)\" from the \(side) side (RFC 6143)"))
    }

    /// "003.008" for a ProtocolVersion message, else nil.
    static func version(_ payload: ArraySlice<UInt8>) -> String? {
        guard payload.count == 12, payload.matches(ascii: "RFB "), payload.u8(7) == UInt8(ascii: "."), payload.u8(11) == 0x0A else { return nil }
        let digits = [4, 5, 6, 8, 9, 10].compactMap { payload.u8($0) }
        guard digits.allSatisfy({ (0x30...0x39).contains($0) }) else { return nil }
        return String(decoding: payload[(payload.startIndex + 4)..<(payload.startIndex + 11)], as: UTF8.self)
    }
}
