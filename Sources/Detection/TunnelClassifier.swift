import Packets

/// Runs the registered detectors over one flow's opening and settles on a verdict.
///
/// Each detector sees the sample after every new packet until it answers; the classifier stops
/// at the first `confirmed` verdict, or when the opening window closes, keeping the strongest
/// verdict seen (registry order breaks ties). Then the sample, with its payload bytes, is freed.
public struct TunnelClassifier: Sendable {
    public let detectors: [any TunnelDetector]
    /// How many packets with payload detection looks at, at most (and four times as many
    /// packets in all, so a flow of bare ACKs cannot keep it open).
    public var windowPackets: Int

    /// Detectors that also name products behind other detectors' verdicts.
    private let annotators: [any VerdictAnnotator]
    /// Bit i set: detector i is a `ConcludingDetector`, asked once more when detection ends.
    private let concluding: UInt128
    /// Those detectors, cast once here rather than for every flow that ends.
    private let concluders: [Int: any ConcludingDetector]

    /// The most detectors one classifier runs: which are still undecided is one 128-bit mask.
    public static let maximumDetectors = 128

    public init(detectors: [any TunnelDetector], windowPackets: Int = 16) {
        precondition(detectors.count <= Self.maximumDetectors, "a classifier runs at most \(Self.maximumDetectors) detectors")
        self.detectors = detectors
        self.windowPackets = windowPackets
        self.annotators = detectors.compactMap { $0 as? any VerdictAnnotator }
        self.concluding = detectors.indices.reduce(0) { mask, index in
            detectors[index] is any ConcludingDetector ? mask | (1 << UInt128(index)) : mask
        }
        self.concluders = detectors.indices.reduce(into: [:]) { found, index in
            if let detector = detectors[index] as? any ConcludingDetector { found[index] = detector }
        }
    }

    /// Starts detection for a new flow.
    public func start(ipProtocol: IPProtocol, initiator: Endpoint, responder: Endpoint) -> FlowDetection {
        FlowDetection(sample: FlowSample(ipProtocol: ipProtocol, initiator: initiator, responder: responder),
                      undecided: detectors.count == 128 ? ~0 : (1 << UInt128(detectors.count)) - 1)
    }

    /// Adds one packet to an open detection; returns true when detection has finished for this
    /// flow (its verdict, if any, is then in `detection.verdict`).
    @discardableResult
    public func observe(_ packet: SampledPacket, payload: UnsafeRawBufferPointer, in detection: inout FlowDetection) -> Bool {
        guard !detection.isFinished else { return true }
        detection.sample!.append(packet, payload: payload)
        // A packet without payload (a bare ACK) tells no detector anything new, except as a
        // flow's first packet (a SYN, an empty datagram).
        guard payload.count > 0 || detection.sample!.packets.count == 1 else {
            if detection.sample!.packets.count >= 4 * windowPackets { finish(&detection) }
            return detection.isFinished
        }
        (detection.undecided, detection.verdict) = examine(detection.sample!, undecided: detection.undecided, verdict: detection.verdict)
        detection.payloadPackets += payload.count > 0 ? 1 : 0
        if detection.verdict?.confidence == .confirmed || detection.payloadPackets >= windowPackets
            || detection.sample!.packets.count >= 4 * windowPackets || detection.undecided == 0 {
            finish(&detection)
            return true
        }
        return false
    }

    /// Runs the undecided detectors (set bits of `undecided`) on the sample; returns those still
    /// undecided and the strongest verdict so far. The sample is borrowed, never copied.
    private func examine(_ sample: borrowing FlowSample, undecided: UInt128, verdict: TunnelVerdict?) -> (UInt128, TunnelVerdict?) {
        var undecided = undecided, verdict = verdict
        var pending = undecided
        while pending != 0 {
            let index = pending.trailingZeroBitCount
            pending &= pending - 1
            switch detectors[index].examine(sample) {
            case .needMorePackets:
                continue
            case .notThis:
                undecided &= ~(1 << UInt128(index))
            case .verdict(let found):
                undecided &= ~(1 << UInt128(index))
                if verdict.map({ found.confidence > $0.confidence }) ?? true { verdict = found }
            }
        }
        return (undecided, verdict)
    }

    /// Ends detection for a flow (its window closed, or the flow ended first): asks the
    /// concluding detectors still waiting what the opening shows, lets annotators name the
    /// product while the sample is still there, then frees the sample.
    public func finish(_ detection: inout FlowDetection) {
        if let sample = detection.sample, detection.verdict?.confidence != .confirmed {
            var pending = detection.undecided & concluding
            while pending != 0 {
                let index = pending.trailingZeroBitCount
                pending &= pending - 1
                guard let found = concluders[index]?.conclude(sample) else { continue }
                if detection.verdict.map({ found.confidence > $0.confidence }) ?? true { detection.verdict = found }
            }
        }
        if let sample = detection.sample, var verdict = detection.verdict {
            for annotator in annotators { annotator.annotate(&verdict, flow: sample) }
            detection.verdict = verdict
        }
        if let name = detection.sample?.clientHello?.serverName { detection.serverName = name }
        detection.finish()
    }
}

/// One flow's detection in progress, and then its result.
public struct FlowDetection: Sendable {
    /// The opening seen so far; nil once detection has finished.
    public fileprivate(set) var sample: FlowSample?
    /// Bit i set: detector i has not answered yet.
    fileprivate var undecided: UInt128
    fileprivate var payloadPackets = 0
    public fileprivate(set) var verdict: TunnelVerdict?
    /// The TLS server name the client asked for, kept as metadata once the sample is freed
    /// (the data-export audit matches it against data-store providers).
    public fileprivate(set) var serverName: String?

    public var isFinished: Bool { sample == nil }

    /// Ends detection (at the window's end or when the flow ends) and frees the sample.
    public mutating func finish() {
        sample = nil
        undecided = 0
    }
}
