/// Fully encrypted proxies on any port: Shadowsocks (AEAD, SIP004/SIP007, and 2022, SIP022),
/// V2Ray VMess with AEAD headers, obfs4 and their like send nothing in the clear, so their
/// first byte already looks random. The anchor is the rule the Great Firewall was shown to use
/// (Wu et al., "How the Great Firewall of China Detects and Blocks Fully Encrypted Traffic",
/// USENIX Security 2023, §4, `PayloadShape.looksFullyEncrypted`): the client's first payload
/// is flagged unless its average set bits per byte are at most 3.4 or at least 4.6, its first
/// six bytes are printable, more than half of it is printable, it holds a run of more than 20
/// printable bytes, or it opens as TLS or HTTP.
///
/// That rule alone flags many ordinary protocols (the paper measured 0.6% of benign
/// connections), so this detector adds what the rest of the opening shows:
/// - the flow is seen from its SYN and the client speaks first;
/// - the client's first payload is at least as long as the smallest of these openings (a
///   Shadowsocks salt, sealed length and address: 16 + 18 + 7 + 16 = 57 bytes) and has the
///   byte variety of ciphertext;
/// - the server's first reply passes the same test (a proxy answers with ciphertext too);
/// - neither shows a cleartext header (`PayloadShape.hasCleartextHeader`: a length field that
///   matches the packet, a printable magic with version bytes), which framed protocols with
///   encrypted or compressed bodies have and fully encrypted ones never do;
/// - the opening is not Telegram's obfuscated transport, whose random-looking header decrypts
///   with its own bytes to a fixed tag (`MTProtoObfuscation`).
///
/// The family is a guess among protocols nothing in the clear tells apart: a first payload
/// shorter than a VMess request can be (107 bytes) is Shadowsocks; otherwise Shadowsocks, the
/// most deployed of them, is named and the evidence says VMess or obfs4 look the same. Always
/// `likely`; the port-specific Shadowsocks and VMess detectors, earlier in the registry, name
/// the family where the documented default port supports it.
public struct FullyEncryptedDetector: TunnelDetector {
    public let family = TunnelFamily.shadowsocks
    public let summary = "Fully encrypted proxies on any port (heuristic): the GFW's published rule on the client's first payload (popcount, printable exemptions, TLS/HTTP exemptions) plus an encrypted server reply and no fixed lengths"

    public init() {}

    /// Salt 16 + sealed length 18 + shortest address 7 + tag 16.
    public static let minimumFirstPayload = 57

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        switch FullyEncryptedOpening.examine(flow) {
        case .undecided:
            return .needMorePackets
        case .no:
            return .notThis
        case .yes(let first, let reply):
            guard first >= Self.minimumFirstPayload, let request = flow.payloadPackets(.forward).first,
                  let answer = flow.payloadPackets(.reverse).first,
                  !PayloadShape.hasCleartextHeader(flow.payload(request), length: first),
                  !PayloadShape.hasCleartextHeader(flow.payload(answer), length: reply),
                  MTProtoObfuscation.transport(of: flow.payload(request)) == nil else { return .notThis }
            let guess = first < VMessDetector.minimumRequest
                ? "sized like a Shadowsocks AEAD salt, sealed length and address"
                : "as Shadowsocks, VMess and obfs4 openings are (nothing in the clear tells them apart)"
            return .verdict(TunnelVerdict(.shadowsocks, confidence: .likely,
                evidence: "First client packet (\(first) bytes) is fully encrypted by the GFW's published rule (popcount, no printable prefix or run, not TLS or HTTP) and the server's reply (\(reply) bytes) is too, \(guess)"))
        }
    }
}
