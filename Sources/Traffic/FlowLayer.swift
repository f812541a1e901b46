import Capture
import Detection
import Flows
import Packets

/// Receives flows as they end, so a read of any length holds only its live flows.
///
/// With several worker threads each worker has its own sink, called only from that worker.
public protocol FlowSink: AnyObject {
    func receive(_ flow: AnalyzedFlow)
    /// No flow follows: write out what is buffered.
    func close()
}

/// The flows of one reader or worker: the outer packets' flows, the flows inside their
/// encapsulations, and the confirmed sessions their companion channels are linked to.
final class LayeredFlows {
    let outer: FlowLayer
    let inner: FlowLayer
    /// Processor time the thread that owned these flows spent on them (worker threads only).
    var cpuSeconds: Double?

    /// How flows are numbered: 1, 2, 3... on a single thread; from the opening packet when the
    /// flows are split over threads (`FlowIDSequence`).
    enum Numbering {
        case consecutive
        case byOpeningPacket(reader: Int, readers: Int)
    }

    /// - Parameter linkCompanions: give companion channels their verdict as flows end (a read
    ///   that keeps every flow links them all at the end instead).
    init(configuration: FlowTableConfiguration, classifier: TunnelClassifier?, numbering: Numbering,
         linkCompanions: Bool, sink: any FlowSink) {
        // Both layers link to the same confirmed sessions: a tunnel's inner flow can anchor too.
        let anchors = linkCompanions && classifier != nil ? AnchorSet() : nil
        let outerIDs: FlowIDSequence, innerIDs: FlowIDSequence
        switch numbering {
        case .consecutive:
            outerIDs = FlowIDSequence()
            innerIDs = outerIDs
        case .byOpeningPacket(let reader, let readers):
            outerIDs = FlowIDSequence(openingPacketIdsForLayer: 0, reader: reader, readers: readers)
            innerIDs = FlowIDSequence(openingPacketIdsForLayer: 1, reader: reader, readers: readers)
        }
        outer = FlowLayer(configuration: configuration, classifier: classifier, ids: outerIDs, anchors: anchors, sink: sink)
        inner = FlowLayer(configuration: configuration, classifier: classifier, ids: innerIDs, anchors: anchors, sink: sink)
    }

    /// Counts one decoded packet into its flow, and the packet it encapsulates into the inner layer.
    @inline(__always)
    func add(_ decoded: DecodedPacket, _ packet: CapturedPacket) {
        guard let outerFlow = outer.add(decoded, packet, wireLength: packet.wireLength) else { return }
        if decoded.ipProtocol.isEncapsulationCandidate,
           let (encapsulation, innerPacket) = PacketDecoder.decodeInner(packet.bytes, outer: decoded) {
            // An inner packet's length is its IP packet's: from its header to the frame's end.
            inner.add(innerPacket, packet, wireLength: max(0, packet.wireLength - innerPacket.networkOffset),
                      via: (outer.id(of: outerFlow), encapsulation))
        }
    }

    /// Ends every live flow: detection settles first (so every confirmed session can anchor its
    /// companions), then flows go out outer by id, each followed by the flows it carries.
    func finish() {
        outer.settleDetections()
        inner.settleDetections()
        // Sorting the handles alone (4 bytes a flow) keeps the end of a read from adding to
        // the peak memory that the live flows set.
        var outerFlows = outer.table.liveHandles
        outerFlows.sort { outer.id(of: $0) < outer.id(of: $1) }
        var innerFlows = inner.table.liveHandles
        func innerKey(_ handle: FlowHandle) -> (UInt64, UInt64) {
            let id = inner.id(of: handle)
            return (inner.carrier(of: handle) ?? id, id)
        }
        innerFlows.sort { innerKey($0) < innerKey($1) }
        var next = innerFlows.startIndex
        for handle in outerFlows {
            let id = outer.id(of: handle)
            while next < innerFlows.endIndex, innerKey(innerFlows[next]).0 < id {
                inner.table.end(innerFlows[next])
                next += 1
            }
            outer.table.end(handle)
        }
        while next < innerFlows.endIndex {
            inner.table.end(innerFlows[next])
            next += 1
        }
    }

    var flowsEnded: Int { outer.flowsEnded + inner.flowsEnded }
    var tunnelFlows: Int { outer.tunnelFlows + inner.tunnelFlows }
}

/// Confirmed sessions shared by a worker's two layers.
final class AnchorSet {
    var anchors = CompanionChannels.Anchors()
}

/// One layer of flows with detection state per live flow, indexed by the flow table's handle.
///
/// Memory per live flow is the table's entry and four bytes here; a flow's detection sample is
/// held only while its opening is examined, and its verdict only if it has one.
final class FlowLayer {
    let table: FlowTable
    let ids: FlowIDSequence
    private let classifier: TunnelClassifier?
    private let anchors: AnchorSet?
    private let sink: any FlowSink
    // One thread owns a layer and nothing escapes these arrays, so, as in FlowTable, dynamic
    // exclusivity checks on them buy nothing and cost a measurable share of each packet.
    /// Per table slot: the index of its open detection in `openDetections`, or -1.
    @exclusivity(unchecked) private var detectionOfSlot: [Int32] = []
    /// Detections in progress, with the slot of their flow (a pool: a flow holds one only
    /// during its opening).
    @exclusivity(unchecked) private var openDetections: [(slot: Int32, detection: FlowDetection)?] = []
    @exclusivity(unchecked) private var freeDetections: [Int32] = []
    /// What finished detections found, for the live flows that have a verdict or a server name.
    @exclusivity(unchecked) private var results: [Int32: DetectionResult] = [:]
    /// For the live flows inside an encapsulation: the carrying flow's id and the encapsulation.
    @exclusivity(unchecked) private var carriers: [Int32: (id: UInt64, encapsulation: Encapsulation)] = [:]
    @exclusivity(unchecked) private(set) var flowsEnded = 0
    @exclusivity(unchecked) private(set) var tunnelFlows = 0

    init(configuration: FlowTableConfiguration, classifier: TunnelClassifier?, ids: FlowIDSequence, anchors: AnchorSet?, sink: any FlowSink) {
        self.classifier = classifier
        self.ids = ids
        self.anchors = anchors
        self.sink = sink
        let relay = FlowEndRelay()
        table = FlowTable(configuration: configuration, ids: ids) { relay.layer?.flowEnded($0, $1) }
        relay.layer = self
    }

    /// Counts the packet and runs detection on the flow's opening; returns the flow's handle.
    @discardableResult
    func add(_ decoded: DecodedPacket, _ packet: CapturedPacket, wireLength: Int, via carrier: (UInt64, Encapsulation)? = nil) -> FlowHandle? {
        ids.openingPacket = packet.number
        let scope = carrier.map { FlowKey.scope(carrier: $0.0) } ?? 0
        guard let update = table.add(decoded, timestamp: packet.timestamp, wireLength: wireLength, scope: scope) else { return nil }
        let slot = Int(update.handle.index)
        if update.isNew {
            if slot >= detectionOfSlot.count {
                detectionOfSlot.append(contentsOf: repeatElement(-1, count: slot - detectionOfSlot.count + 1))
            }
            if let carrier { carriers[Int32(slot)] = carrier }
            detectionOfSlot[slot] = classifier.map { classifier in
                openDetection(classifier.start(
                    ipProtocol: decoded.ipProtocol,
                    initiator: Endpoint(address: decoded.source, port: decoded.sourcePort),
                    responder: Endpoint(address: decoded.destination, port: decoded.destinationPort)), slot: slot)
            } ?? -1
        }
        let detection = Int(detectionOfSlot[slot])
        if detection >= 0, let classifier {
            let sampled = SampledPacket(
                direction: update.isForward ? .forward : .reverse, timestamp: packet.timestamp,
                payloadLength: decoded.payloadLength, tcpFlags: decoded.tcpFlags,
                icmpType: decoded.icmpType, icmpCode: decoded.icmpCode)
            let payload = packet.bytes.slice(from: decoded.payloadOffset, count: decoded.payloadLength)
            if classifier.observe(sampled, payload: payload, in: &openDetections[detection]!.detection) {
                closeDetection(detection, slot: slot)
            }
        }
        return update.handle
    }

    func id(of handle: FlowHandle) -> UInt64 { table.id(of: handle) }

    /// The id of the flow carrying a live inner flow.
    func carrier(of handle: FlowHandle) -> UInt64? { carriers[handle.index]?.id }

    /// Finishes every detection still open (the read is ending).
    func settleDetections() {
        for index in openDetections.indices {
            guard let slot = openDetections[index]?.slot else { continue }
            classifier?.finish(&openDetections[index]!.detection)
            closeDetection(index, slot: Int(slot))
        }
    }

    private func openDetection(_ detection: FlowDetection, slot: Int) -> Int32 {
        if let free = freeDetections.popLast() {
            openDetections[Int(free)] = (Int32(slot), detection)
            return free
        }
        openDetections.append((Int32(slot), detection))
        return Int32(openDetections.count - 1)
    }

    /// Keeps a finished detection's result for its flow and returns its place to the pool.
    private func closeDetection(_ detection: Int, slot: Int) {
        let finished = openDetections[detection]!.detection
        openDetections[detection] = nil
        freeDetections.append(Int32(detection))
        detectionOfSlot[slot] = -1
        guard finished.verdict != nil || finished.serverName != nil else { return }
        results[Int32(slot)] = DetectionResult(verdict: finished.verdict, serverName: finished.serverName)
        if let anchors, let verdict = finished.verdict, verdict.confidence == .confirmed {
            let handle = FlowHandle(index: Int32(slot))
            anchors.anchors.add(CompanionChannels.Flow(table.record(handle), verdict: verdict))
        }
    }

    private func flowEnded(_ record: FlowRecord, _ handle: FlowHandle) {
        let slot = Int(handle.index)
        if slot < detectionOfSlot.count, detectionOfSlot[slot] >= 0 {
            let detection = Int(detectionOfSlot[slot])
            classifier?.finish(&openDetections[detection]!.detection)
            closeDetection(detection, slot: slot)
        }
        let result = results.removeValue(forKey: handle.index)
        let carrier = carriers.isEmpty ? nil : carriers.removeValue(forKey: handle.index)
        var verdict = result?.verdict
        if verdict == nil, let anchors, !anchors.anchors.isEmpty {
            verdict = anchors.anchors.verdict(for: CompanionChannels.Flow(record, verdict: nil))
        }
        flowsEnded += 1
        if verdict?.family.tunnelClass.isTunnel == true { tunnelFlows += 1 }
        sink.receive(AnalyzedFlow(record: record, tunnel: verdict, via: carrier?.id, encapsulation: carrier?.encapsulation,
                                  serverName: result?.serverName))
    }

}

extension CompanionChannels.Flow {
    /// What linking needs of a flow record (Detection knows nothing of flow records).
    init(_ record: FlowRecord, verdict: TunnelVerdict?) {
        self.init(id: record.id, ipProtocol: record.ipProtocol,
                  initiator: Endpoint(address: record.source, port: record.sourcePort),
                  responder: Endpoint(address: record.destination, port: record.destinationPort), verdict: verdict)
    }
}

/// What a finished detection found.
private struct DetectionResult {
    var verdict: TunnelVerdict?
    var serverName: String?
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
