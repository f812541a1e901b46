/// V2Ray VMess with AEAD headers (V2Ray docs, "VMess protocol" and the VMessAEAD header
/// format): the client opens with a 16-byte authentication id (AES-encrypted timestamp, random
/// and CRC32), an 18-byte sealed header length, an 8-byte nonce, then the sealed request header
/// (version, body IV and key, options, security, command, port, address, padding, FNV checksum:
/// at least 49 bytes plus a 16-byte tag) and usually the first sealed data chunk. Nothing in it
/// is in the clear, so only a heuristic is possible (confidence `likely`): a fully encrypted
/// first client packet (the shared test in ShadowsocksDetector.swift) longer than a Shadowsocks
/// address chunk can be (326 bytes or more, header plus request data), answered by an encrypted
/// reply. Because many ordinary protocols are fully encrypted too (see ShadowsocksDetector), the
/// test counts only on the port V2Ray's documentation uses for VMess inbounds (10086 in its
/// example configurations).
public struct VMessDetector: TunnelDetector {
    public let family = TunnelFamily.vmess
    public let summary = "V2Ray VMess (heuristic): fully encrypted first client packet of 326+ bytes (auth id, sealed header and data) and encrypted reply"

    public init() {}

    /// Auth id 16 + sealed length 18 + nonce 8 + sealed header 49 + 16.
    public static let minimumRequest = 107
    /// The port of V2Ray's documented example VMess inbound.
    public static let defaultPort: UInt16 = 10086

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.serverPort == Self.defaultPort else { return .notThis }
        switch FullyEncryptedOpening.examine(flow) {
        case .undecided:
            return .needMorePackets
        case .no:
            return .notThis
        case .yes(let first, let reply):
            guard first > ShadowsocksDetector.lengths.upperBound, first >= Self.minimumRequest else { return .notThis }
            return .verdict(TunnelVerdict(.vmess, confidence: .likely,
                evidence: "First client packet (\(first) bytes) and server reply (\(reply) bytes) to V2Ray's VMess port \(Self.defaultPort) look fully encrypted, as a VMess auth id, sealed header and data do"))
        }
    }
}
