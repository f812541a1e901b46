import Packets

/// Commercial VPN services, SD-WAN and proxy providers named in a `ProviderCatalog`
/// (`policies/providers.yaml`, built from the providers' own published domains and address
/// ranges): the TLS server name (RFC 6066 §3) or a server certificate's common name under one of
/// a provider's domains, or an endpoint inside a range the provider publishes (e.g. Cloudflare's
/// "WARP with firewall" ingress ranges). Names and lists are heuristics, so verdicts are `likely`.
///
/// When a structural detector has already named the protocol (WireGuard to a WARP ingress, say),
/// `annotate(_:flow:)` adds the provider as the verdict's product.
public struct VPNServiceDetector: TunnelDetector, VerdictAnnotator {
    public let family = TunnelFamily.vpnService
    public let summary = "VPN services, SD-WAN and proxy providers: TLS server name or certificate name under a provider's domain, or a provider's published address range (policies/providers.yaml)"
    public let catalog: ProviderCatalog

    public init(catalog: ProviderCatalog) {
        self.catalog = catalog
    }

    /// The family a provider's traffic is reported under: VPN services and SD-WAN carry whole
    /// networks (tunnels); proxy services are reported but not counted as tunnels.
    public static func family(for kind: ProviderCatalog.Kind) -> TunnelFamily {
        switch kind {
        case .vpnService, .sdWan: .vpnService
        case .proxy: .httpProxy
        }
    }

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard !catalog.isEmpty else { return .notThis }
        // The endpoints never change, so their ranges are looked up on the first packet only;
        // names are looked up as the handshake brings them.
        let found = flow.packets.count == 1 ? match(flow) : matchName(flow)
        if let match = found {
            return .verdict(TunnelVerdict(Self.family(for: match.provider.kind), product: match.provider.name,
                                          confidence: .likely, evidence: match.evidence))
        }
        // Names need the handshake: wait while a TLS hello or the server's first flight may come.
        guard flow.ipProtocol == .tcp || flow.ipProtocol == .udp else { return .notThis }
        let forward = flow.forwardStream
        if forward.isEmpty { return flow.initiatorSilentOutcome }
        guard forward[0] == 0x16 else { return .notThis }
        if flow.clientHello == nil && forward.count < 2048 { return .needMorePackets }
        if !flow.serverCertificateNames.isEmpty { return .notThis }
        return flow.reverseStream.count >= 3072 || flow.packets.count >= 12 ? .notThis : .needMorePackets
    }

    /// Adds the provider to a verdict that has no product yet (for the classifier to call on
    /// another detector's verdict): the product becomes the provider's name.
    public func annotate(_ verdict: inout TunnelVerdict, flow: FlowSample) {
        guard verdict.product == nil, let match = match(flow) else { return }
        verdict.product = match.provider.name
    }

    /// Whether `name` appears in `text` as whole words, ignoring case ("Windscribe" in
    /// "Windscribe Limited", not "Mullvad" in "Mullvadx").
    static func name(_ name: String, appearsIn text: String) -> Bool {
        let words = text.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        let wanted = name.lowercased().split(whereSeparator: { !$0.isLetter && !$0.isNumber })
        guard !wanted.isEmpty, words.count >= wanted.count else { return false }
        return (0...(words.count - wanted.count)).contains { Array(words[$0..<($0 + wanted.count)]) == wanted }
    }

    /// The provider the flow goes to and a sentence saying why.
    public func match(_ flow: FlowSample) -> (provider: ProviderCatalog.Provider, evidence: String)? {
        if let named = matchName(flow) { return named }
        for endpoint in [flow.responder, flow.initiator] {
            if let provider = catalog.match(address: endpoint.address), let range = provider.rangeHolding(endpoint.address) {
                return (provider, "Server address \(endpoint.address) lies in \(range), published by \(provider.name)")
            }
        }
        return nil
    }

    /// The provider named by the TLS server name or the server's certificate, if any.
    func matchName(_ flow: FlowSample) -> (provider: ProviderCatalog.Provider, evidence: String)? {
        if let name = flow.clientHello?.serverName, let provider = catalog.match(serverName: name),
           let suffix = provider.domainMatching(name) {
            return (provider, "TLS ClientHello with SNI \(name) matches \(provider.name)'s domain \(suffix)")
        }
        for name in flow.serverCertificateNames {
            if let provider = catalog.match(serverName: name), let suffix = provider.domainMatching(name) {
                return (provider, "Server certificate for \(name) matches \(provider.name)'s domain \(suffix)")
            }
        }
        for organization in flow.serverHello?.certificateOrganizations ?? [] {
            if let provider = catalog.providers.first(where: { Self.name($0.name, appearsIn: organization) }) {
                return (provider, "Server certificate issued to the organization \"\(organization)\", which is \(provider.name)")
            }
        }
        return nil
    }
}
