/// One protocol family's recogniser. Each lives in its own file under `Detectors/` and is listed
/// once in `DetectorRegistry.all`; adding one touches nothing else.
///
/// A detector is a pure function of a flow's opening: it is shown the sample again after each
/// new packet, until it decides or the opening window closes. Rules must come from the
/// protocol's specification or documentation (message formats, magic values, state machines),
/// never from addresses or sizes copied from particular captures.
public protocol TunnelDetector: Sendable {
    /// The family this detector names in its verdicts (for `circuit-audit detectors`).
    var family: TunnelFamily { get }
    /// One line for `circuit-audit detectors`: what it recognises and by what.
    var summary: String { get }
    /// Looks at the flow's opening so far.
    func examine(_ flow: FlowSample) -> DetectorOutcome
}

/// A detector's answer after seeing the packets so far.
public enum DetectorOutcome: Sendable, Equatable {
    /// Not sure yet: show me the next packet.
    case needMorePackets
    /// This flow is not of my family: do not ask again.
    case notThis
    /// Decided.
    case verdict(TunnelVerdict)
}

/// A detector that can also name the product behind another detector's verdict (a WireGuard
/// handshake to an address Cloudflare publishes for WARP), once detection has settled.
public protocol VerdictAnnotator: Sendable {
    func annotate(_ verdict: inout TunnelVerdict, flow: FlowSample)
}

/// A detector whose evidence can be complete only once nothing more is coming: a flow seen in
/// one direction (asymmetric routing, a one-way capture), or an initiator retrying a handshake
/// nobody answers. While the opening lasts it answers `needMorePackets`, so the other
/// direction, if it comes, can still confirm; when the window closes or the flow ends the
/// classifier asks it once what the packets seen already show.
public protocol ConcludingDetector: TunnelDetector {
    /// The verdict the whole opening supports, or nil. Called once, at the end of detection,
    /// only if this detector had not answered yet.
    func conclude(_ flow: FlowSample) -> TunnelVerdict?
}
