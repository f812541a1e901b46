/// FortiClient SSL VPN to a FortiGate (OpenConnect's Fortinet protocol notes; FortiOS
/// Administration Guide, "SSL VPN" and "Certificates: Fortinet_Factory"):
/// - in clear HTTP (rare): the portal's `/remote/login`, `/remote/logincheck`,
///   `/remote/fortisslvpn` and the tunnel request `GET /remote/sslvpn-tunnel`;
/// - in TLS up to 1.2, the FortiGate's factory certificate, which the SSL VPN portal serves
///   unless replaced: subject common name the unit's serial number (FGT..., FWF..., FG...),
///   issued by Fortinet's device CA (common name "support" or "fortinet-subca...").
public struct FortinetSSLVPNDetector: TunnelDetector {
    public let family = TunnelFamily.fortinetSSLVPN
    public let summary = "FortiClient SSL VPN: /remote/logincheck, /remote/sslvpn-tunnel requests; FortiGate factory certificate (serial-number CN)"

    public init() {}

    private static let paths = ["/remote/sslvpn-tunnel", "/remote/logincheck", "/remote/login", "/remote/fortisslvpn", "/remote/saml/"]

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        let stream = flow.forwardStream
        guard !stream.isEmpty else { return flow.initiatorSilentOutcome }
        if let line = PayloadShape.firstLine(stream, limit: 1024) {
            let parts = line.split(separator: " ")
            if parts.count == 3, parts[2].hasPrefix("HTTP/1."), let path = Self.paths.first(where: { parts[1].hasPrefix($0) }) {
                return .verdict(TunnelVerdict(.fortinetSSLVPN, product: "FortiClient", confidence: .confirmed,
                    evidence: "HTTP \(parts[0]) \(path) request to a FortiGate SSL VPN portal"))
            }
            return .notThis
        }
        guard stream[0] == 0x16 else { return .notThis }
        let names = flow.serverCertificateNames
        if !names.isEmpty {
            let issuer = names.first { $0 == "support" || $0.lowercased().hasPrefix("fortinet-subca") || $0.lowercased().hasPrefix("fortinet-ca") || $0 == "FortiGate CA" }
            let serial = names.first(where: Self.isSerialNumber)
            if let issuer, let serial {
                return .verdict(TunnelVerdict(.fortinetSSLVPN, product: "FortiClient", confidence: .likely,
                    evidence: "TLS server certificate is a FortiGate factory certificate: subject CN \(serial), issuer CN \(issuer)"))
            }
            return .notThis
        }
        if let server = flow.serverHello, server.cipherSuite >> 8 == 0x13 { return .notThis }  // TLS 1.3: certificate hidden
        return flow.reverseStream.count >= 4096 || flow.packets.count >= 12 ? .notThis : .needMorePackets
    }

    /// A Fortinet unit serial number: "FG", "FW", "FGT", "FWF", "FGVM"... then upper-case letters
    /// and digits, 14 to 20 characters in all.
    static func isSerialNumber(_ name: String) -> Bool {
        (name.hasPrefix("FG") || name.hasPrefix("FW") || name.hasPrefix("FK") || name.hasPrefix("FOS")) && (14...20).contains(name.count)
            && name.allSatisfy { $0.isASCII && ($0.isUppercase || $0.isNumber) } && name.contains(where: \.isNumber)
    }
}
