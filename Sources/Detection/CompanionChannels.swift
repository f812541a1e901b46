import Packets

/// Several VPNs open a second channel beside the one detection recognises: AnyConnect's TLS
/// control channel (CSTP) beside its DTLS data channel, to the same gateway (OpenConnect
/// protocol draft, §2); tinc's UDP data beside its TCP meta connection, between the same peers
/// and from each daemon's own port (tinc manual, "The meta-protocol"); PPTP's enhanced GRE beside
/// its TCP control connection (RFC 2637 §1.3). Once one channel is confirmed, the other flows
/// between the same two hosts that fit the protocol's pairing get a `likely` verdict.
public enum CompanionChannels {
    /// What linking needs to know of a flow.
    public struct Flow: Sendable {
        public var id: UInt64
        public var ipProtocol: IPProtocol
        public var initiator: Endpoint
        public var responder: Endpoint
        public var verdict: TunnelVerdict?

        public init(id: UInt64, ipProtocol: IPProtocol, initiator: Endpoint, responder: Endpoint, verdict: TunnelVerdict?) {
            self.id = id
            self.ipProtocol = ipProtocol
            self.initiator = initiator
            self.responder = responder
            self.verdict = verdict
        }

        func connects(_ other: Flow) -> Bool {
            (initiator.address == other.initiator.address && responder.address == other.responder.address)
                || (initiator.address == other.responder.address && responder.address == other.initiator.address)
        }

        var ports: Set<UInt16> { [initiator.port, responder.port] }
    }

    /// Gives a verdict to each unlabelled flow that is the companion channel of a confirmed one;
    /// returns the flows that gained one, by index.
    @discardableResult
    public static func link(_ flows: inout [Flow]) -> [Int] {
        var anchors = Anchors()
        for flow in flows { anchors.add(flow) }
        guard !anchors.isEmpty else { return [] }
        var linked: [Int] = []
        for index in flows.indices where flows[index].verdict == nil {
            if let verdict = anchors.verdict(for: flows[index]) {
                flows[index].verdict = verdict
                linked.append(index)
            }
        }
        return linked
    }

    /// The confirmed sessions seen so far, for linking flows one at a time as they end (a
    /// stream of flows never holds them all).
    public struct Anchors: Sendable {
        /// Confirmed sessions by the unordered pair of their hosts, so each flow looks only at
        /// the sessions between its own two hosts.
        private var byHosts: [HostPair: [Flow]] = [:]

        public init() {}

        public var isEmpty: Bool { byHosts.isEmpty }

        /// Keeps `flow` if its verdict is confirmed; any other flow is ignored.
        public mutating func add(_ flow: Flow) {
            guard flow.verdict?.confidence == .confirmed else { return }
            byHosts[HostPair(flow), default: []].append(flow)
        }

        /// The verdict `flow` gets as the companion channel of a kept session, if it is one.
        public func verdict(for flow: Flow) -> TunnelVerdict? {
            guard !byHosts.isEmpty else { return nil }
            for anchor in byHosts[HostPair(flow)] ?? [] where anchor.connects(flow) {
                if let verdict = companionVerdict(of: anchor, for: flow) { return verdict }
            }
            return nil
        }
    }

    private struct HostPair: Hashable {
        var low: IPAddress
        var high: IPAddress

        init(_ flow: Flow) {
            low = min(flow.initiator.address, flow.responder.address)
            high = max(flow.initiator.address, flow.responder.address)
        }
    }

    private static func companionVerdict(of anchor: Flow, for flow: Flow) -> TunnelVerdict? {
        guard let confirmed = anchor.verdict else { return nil }
        switch confirmed.family {
        case .anyconnect where anchor.responder.address == flow.responder.address
            && anchor.responder.port == flow.responder.port && anchor.ipProtocol != flow.ipProtocol:
            return TunnelVerdict(.anyconnect, product: confirmed.product, confidence: .likely,
                                 evidence: "\(flow.ipProtocol) to the same gateway \(flow.responder.address):\(flow.responder.port) as the AnyConnect session of flow \(anchor.id) (its \(flow.ipProtocol == .tcp ? "TLS control" : "DTLS data") channel)")
        case .tinc where flow.ipProtocol == .udp && anchor.ipProtocol == .tcp && !flow.ports.isDisjoint(with: anchor.ports):
            return TunnelVerdict(.tinc, product: confirmed.product, confidence: .likely,
                                 evidence: "UDP between the peers of the tinc meta connection of flow \(anchor.id), from a tinc daemon's port")
        case .pptp where flow.ipProtocol == .gre:
            return TunnelVerdict(.pptp, confidence: .likely,
                                 evidence: "GRE between the two ends of the PPTP control connection of flow \(anchor.id)")
        default:
            return nil
        }
    }
}
