/// Tor's link protocol over TLS (tor-spec.txt §2 "Connections", and `tortls.c`/`crypto_rand.c`
/// in the Tor source, which define the names):
/// - the client puts a made-up server name in its ClientHello: "www." + 4 to 25 random base32
///   characters (a-z, 2-7) + ".com"; Tor's OpenSSL client offers no ALPN;
/// - a relay's link certificate (visible up to TLS 1.2) has a subject common name
///   "www." + 8 to 20 base32 characters + ".net", issued by a name of the same form ending in
///   ".com" (or ".net" for old relays): both random, unrelated to any public site.
/// Certificate names are structural (`confirmed`); the server name alone is a heuristic
/// (`likely`) and needs a digit 2-7 in the random part and no ALPN, so real "www.word.com"
/// sites, which browsers reach with ALPN, do not match.
public struct TorDetector: TunnelDetector {
    public let family = TunnelFamily.tor
    public let summary = "Tor: relay certificate names www.<base32>.net issued by www.<base32>.com; ClientHello SNI www.<base32>.com without ALPN"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        let stream = flow.forwardStream
        guard !stream.isEmpty else { return flow.initiatorSilentOutcome }
        guard stream[0] == 0x16 else { return .notThis }
        guard let hello = flow.clientHello else { return stream.count >= 2048 ? .notThis : .needMorePackets }
        let names = flow.serverCertificateNames
        if names.count >= 2 {
            let subjects = names.filter { Self.randomName($0, suffix: ".net", lengths: 8...20) != nil }
            let issuers = names.filter { Self.randomName($0, suffix: ".com", lengths: 8...20) != nil || Self.randomName($0, suffix: ".net", lengths: 8...20) != nil }
            if let subject = subjects.first, let issuer = issuers.first(where: { $0 != subject }) {
                return .verdict(TunnelVerdict(.tor, confidence: .confirmed,
                    evidence: "Tor relay link certificate: subject CN \(subject) issued by \(issuer), both random base32 names"))
            }
        }
        guard let name = hello.serverName, let random = Self.randomName(name, suffix: ".com", lengths: 4...25),
              random.contains(where: { ("2"..."7").contains($0) }), hello.alpn.isEmpty, !hello.isDatagram else { return .notThis }
        // The certificate may still confirm it (TLS 1.2); otherwise the name is the evidence.
        if flow.serverHello == nil && flow.packets.count < 8 { return .needMorePackets }
        if let server = flow.serverHello, server.cipherSuite >> 8 != 0x13, names.isEmpty, flow.packets.count < 8 { return .needMorePackets }
        return .verdict(TunnelVerdict(.tor, confidence: .likely,
            evidence: "TLS ClientHello with Tor's made-up SNI \(name) (www.<random base32>.com) and no ALPN"))
    }

    /// The random middle of "www.<random><suffix>" when it is base32 (a-z, 2-7) of a length in
    /// `lengths`, else nil.
    static func randomName(_ name: String, suffix: String, lengths: ClosedRange<Int>) -> String? {
        guard name.hasPrefix("www."), name.hasSuffix(suffix) else { return nil }
        let middle = name.dropFirst(4).dropLast(suffix.count)
        guard lengths.contains(middle.count), middle.allSatisfy({ ("a"..."z").contains($0) || ("2"..."7").contains($0) }) else { return nil }
        return String(middle)
    }
}
