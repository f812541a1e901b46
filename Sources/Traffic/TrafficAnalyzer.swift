import Capture
import Detection
import Flows
import Packets

/// Reads one packet source to its end and turns it into flow records with tunnel verdicts: the
/// packet loop that joins capture, decoding, the flow table and detection.
///
/// Reading never stops on a bad frame (it is counted and the first one described) and a bad
/// record ends the read with the flows so far kept, so a damaged capture still yields evidence.
public final class TrafficAnalyzer {
    public let configuration: FlowTableConfiguration
    /// Runs on each flow's opening; nil reads flows without detection.
    public let classifier: TunnelClassifier?
    /// Called every `progressInterval` packets with the number read so far.
    public var progress: ((Int) -> Void)?
    public var progressInterval = 1 << 16

    public init(
        configuration: FlowTableConfiguration = FlowTableConfiguration(),
        classifier: TunnelClassifier? = TunnelClassifier(detectors: DetectorRegistry.all())
    ) {
        self.configuration = configuration
        self.classifier = classifier
    }

    public func analyze(_ source: PacketSource) -> TrafficSummary {
        let ids = FlowIDSequence()
        let outer = FlowLayer(configuration: configuration, classifier: classifier, ids: ids)
        let inner = FlowLayer(configuration: configuration, classifier: classifier, ids: ids)
        let decoder = PacketDecoder(linkType: source.linkType)
        var frames = FrameStatistics()
        let progress = self.progress
        let interval = progressInterval
        var captureError: CaptureError?
        var captureStatistics: CaptureStatistics
        do throws(CaptureError) {
            captureStatistics = try source.forEach { packet in
                switch decoder.decode(packet.bytes, wireLength: packet.wireLength) {
                case .success(let decoded):
                    guard let outerFlow = outer.add(decoded, packet, wireLength: packet.wireLength) else { break }
                    if decoded.ipProtocol.isEncapsulationCandidate,
                       let (encapsulation, innerPacket) = PacketDecoder.decodeInner(packet.bytes, outer: decoded) {
                        // An inner packet's length is its IP packet's: from its header to the frame's end.
                        inner.add(innerPacket, packet, wireLength: max(0, packet.wireLength - innerPacket.networkOffset),
                                  via: (outer.id(of: outerFlow), encapsulation))
                    }
                case .failure(let failure):
                    frames.count(failure, packetNumber: packet.number)
                }
                if let progress, packet.number % interval == 0 { progress(packet.number) }
                return true
            }
        } catch {
            captureError = error
            captureStatistics = source.statistics()
        }
        // Each inner flow right after the outer flow that carries it.
        var flows = (outer.finish() + inner.finish()).sorted {
            ($0.via ?? $0.record.id, $0.record.id) < ($1.via ?? $1.record.id, $1.record.id)
        }
        if classifier != nil { Self.linkCompanionChannels(&flows) }
        return TrafficSummary(
            source: source.name, linkType: source.linkType, flows: flows, capture: captureStatistics,
            table: outer.table.statistics, frames: frames, error: captureError
        )
    }
}

extension TrafficAnalyzer {
    /// Gives the second channel of a confirmed VPN session its verdict (`CompanionChannels`).
    static func linkCompanionChannels(_ flows: inout [AnalyzedFlow]) {
        var linkable = flows.map { flow in
            CompanionChannels.Flow(
                id: flow.record.id, ipProtocol: flow.record.ipProtocol,
                initiator: Endpoint(address: flow.record.source, port: flow.record.sourcePort),
                responder: Endpoint(address: flow.record.destination, port: flow.record.destinationPort), verdict: flow.tunnel)
        }
        for index in CompanionChannels.link(&linkable) { flows[index].tunnel = linkable[index].verdict }
    }
}

/// One layer of flows (the outer packets, or the packets inside encapsulations) with detection
/// state per live flow, indexed by the flow table's handle.
private final class FlowLayer {
    let table: FlowTable
    private let classifier: TunnelClassifier?
    // One thread owns a layer and nothing escapes these arrays, so, as in FlowTable, dynamic
    // exclusivity checks on them buy nothing and cost a measurable share of each packet.
    @exclusivity(unchecked) private var detections: [FlowDetection?] = []
    /// Whether slot i's detection is still open: read on every packet, so kept apart from the
    /// detections themselves (reading an element of `detections` would copy its sample).
    @exclusivity(unchecked) private var detecting: [Bool] = []
    @exclusivity(unchecked) private var outerFlows: [(id: UInt64, encapsulation: Encapsulation)?] = []
    @exclusivity(unchecked) private var ended: [AnalyzedFlow] = []

    init(configuration: FlowTableConfiguration, classifier: TunnelClassifier?, ids: FlowIDSequence) {
        self.classifier = classifier
        let relay = FlowEndRelay()
        table = FlowTable(configuration: configuration, ids: ids) { relay.layer?.flowEnded($0, $1) }
        relay.layer = self
    }

    /// Counts the packet and runs detection on the flow's opening; returns the flow's handle.
    @discardableResult
    func add(_ decoded: DecodedPacket, _ packet: CapturedPacket, wireLength: Int, via outer: (UInt64, Encapsulation)? = nil) -> FlowHandle? {
        guard let update = table.add(decoded, timestamp: packet.timestamp, wireLength: wireLength) else { return nil }
        let slot = Int(update.handle.index)
        if update.isNew {
            if slot >= detections.count {
                detections.append(contentsOf: repeatElement(nil, count: slot - detections.count + 1))
                detecting.append(contentsOf: repeatElement(false, count: slot - detecting.count + 1))
                outerFlows.append(contentsOf: repeatElement(nil, count: slot - outerFlows.count + 1))
            }
            outerFlows[slot] = outer
            detecting[slot] = classifier != nil
            detections[slot] = classifier?.start(
                ipProtocol: decoded.ipProtocol,
                initiator: Endpoint(address: decoded.source, port: decoded.sourcePort),
                responder: Endpoint(address: decoded.destination, port: decoded.destinationPort))
        }
        if let classifier, detecting[slot] {
            let sampled = SampledPacket(
                direction: update.isForward ? .forward : .reverse, timestamp: packet.timestamp,
                payloadLength: decoded.payloadLength, tcpFlags: decoded.tcpFlags,
                icmpType: decoded.icmpType, icmpCode: decoded.icmpCode)
            detecting[slot] = !classifier.observe(sampled, payload: packet.bytes.slice(from: decoded.payloadOffset, count: decoded.payloadLength),
                                                  in: &detections[slot]!)
        }
        return update.handle
    }

    func id(of handle: FlowHandle) -> UInt64 { table.id(of: handle) }

    fileprivate func flowEnded(_ record: FlowRecord, _ handle: FlowHandle) {
        let slot = Int(handle.index)
        var verdict: TunnelVerdict?
        var serverName: String?
        if slot < detections.count, var detection = detections[slot] {
            classifier?.finish(&detection)
            verdict = detection.verdict
            serverName = detection.serverName
            detections[slot] = nil
            detecting[slot] = false
        }
        let outer = slot < outerFlows.count ? outerFlows[slot] : nil
        ended.append(AnalyzedFlow(record: record, tunnel: verdict, via: outer?.id, encapsulation: outer?.encapsulation, serverName: serverName))
    }

    /// Ends every live flow and returns all flows of this layer.
    func finish() -> [AnalyzedFlow] {
        table.finish()
        return ended
    }
}

/// Lets the flow table report to the layer that owns it without a reference cycle.
private final class FlowEndRelay {
    weak var layer: FlowLayer?
}

extension IPProtocol {
    /// Protocols that can carry an encapsulation the decoder opens.
    fileprivate var isEncapsulationCandidate: Bool {
        switch rawValue {
        case 4, 41, 47, 17: true
        default: false
        }
    }
}

/// Everything one read produced: the flows, and what was skipped or went wrong.
public struct TrafficSummary: Sendable {
    public var source: String
    public var linkType: LinkType
    public var flows: [AnalyzedFlow]
    public var capture: CaptureStatistics
    public var table: FlowTableStatistics
    public var frames: FrameStatistics
    /// Set when the read ended early; the flows before it are still in `flows`.
    public var error: CaptureError?

    public init(source: String, linkType: LinkType, flows: [AnalyzedFlow], capture: CaptureStatistics, table: FlowTableStatistics,
                frames: FrameStatistics, error: CaptureError?) {
        self.source = source
        self.linkType = linkType
        self.flows = flows
        self.capture = capture
        self.table = table
        self.frames = frames
        self.error = error
    }
}

/// A flow and what detection said of it.
public struct AnalyzedFlow: Sendable, Equatable {
    public var record: FlowRecord
    public var tunnel: TunnelVerdict?
    /// For a flow inside an encapsulation: the outer flow's id, and the encapsulation.
    public var via: UInt64?
    public var encapsulation: Encapsulation?
    /// The TLS server name (SNI) the client sent, when the flow opened with a ClientHello.
    public var serverName: String?

    public init(record: FlowRecord, tunnel: TunnelVerdict? = nil, via: UInt64? = nil, encapsulation: Encapsulation? = nil, serverName: String? = nil) {
        self.record = record
        self.tunnel = tunnel
        self.via = via
        self.encapsulation = encapsulation
        self.serverName = serverName
    }
}

/// Frames that gave no IP packet: the ones that are not IP (ARP, LLDP...) and the damaged ones,
/// with the first damaged one described so a user can look at it.
public struct FrameStatistics: Sendable, Equatable {
    public var notIP = 0
    public var undecodable = 0
    public var firstUndecodable: (packetNumber: Int, reason: String)?

    public init() {}

    mutating func count(_ failure: DecodeFailure, packetNumber: Int) {
        if case .notIP = failure {
            notIP += 1
            return
        }
        undecodable += 1
        if firstUndecodable == nil { firstUndecodable = (packetNumber, failure.description) }
    }

    public static func == (lhs: FrameStatistics, rhs: FrameStatistics) -> Bool {
        lhs.notIP == rhs.notIP && lhs.undecodable == rhs.undecodable
            && lhs.firstUndecodable?.packetNumber == rhs.firstUndecodable?.packetNumber
    }
}
