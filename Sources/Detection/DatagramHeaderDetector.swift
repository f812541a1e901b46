/// A detector for a protocol whose every datagram carries a recognisable header (the UDP
/// encapsulations): one datagram with a well-formed header and a plausible inner packet
/// confirms the flow, so the detector need only say what a single datagram shows.
public protocol DatagramHeaderDetector: TunnelDetector {
    /// The evidence sentence when `payload` (the datagram's first bytes; `length` on the wire)
    /// is this protocol's, else nil.
    static func describe(_ payload: ArraySlice<UInt8>, length: Int) -> String?
}

extension DatagramHeaderDetector {
    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .udp else { return .notThis }
        let indices = flow.payloadPackets()
        guard !indices.isEmpty else { return .needMorePackets }
        for index in indices {
            if let evidence = Self.describe(flow.payload(index), length: flow.packets[index].payloadLength) {
                return .verdict(TunnelVerdict(family, confidence: .confirmed, evidence: evidence))
            }
        }
        return .notThis
    }
}
