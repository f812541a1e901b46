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
        var flows: [AnalyzedFlow] = []
        // Detection state per live flow, indexed by the flow table's handle.
        var detections: [FlowDetection?] = []
        let table = FlowTable(configuration: configuration) { record, handle in
            var verdict: TunnelVerdict?
            if Int(handle.index) < detections.count, var detection = detections[Int(handle.index)] {
                detection.finish()
                verdict = detection.verdict
                detections[Int(handle.index)] = nil
            }
            flows.append(AnalyzedFlow(record: record, tunnel: verdict))
        }
        let decoder = PacketDecoder(linkType: source.linkType)
        var frames = FrameStatistics()
        let progress = self.progress
        let interval = progressInterval
        let classifier = self.classifier
        var captureError: CaptureError?
        var captureStatistics: CaptureStatistics
        do throws(CaptureError) {
            captureStatistics = try source.forEach { packet in
                switch decoder.decode(packet.bytes, wireLength: packet.wireLength) {
                case .success(let decoded):
                    guard let update = table.add(decoded, timestamp: packet.timestamp, wireLength: packet.wireLength),
                          let classifier else { break }
                    let slot = Int(update.handle.index)
                    if update.isNew {
                        if slot >= detections.count { detections.append(contentsOf: repeatElement(nil, count: slot - detections.count + 1)) }
                        detections[slot] = classifier.start(
                            ipProtocol: decoded.ipProtocol,
                            initiator: Endpoint(address: decoded.source, port: decoded.sourcePort),
                            responder: Endpoint(address: decoded.destination, port: decoded.destinationPort))
                    }
                    guard detections[slot]?.isFinished == false else { break }
                    let sampled = SampledPacket(
                        direction: update.isForward ? .forward : .reverse, timestamp: packet.timestamp,
                        payloadLength: decoded.payloadLength, tcpFlags: decoded.tcpFlags,
                        icmpType: decoded.icmpType, icmpCode: decoded.icmpCode)
                    classifier.observe(sampled, payload: packet.bytes.slice(from: decoded.payloadOffset, count: decoded.payloadLength),
                                       in: &detections[slot]!)
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
        table.finish()
        flows.sort { $0.record.id < $1.record.id }
        return TrafficSummary(
            source: source.name, linkType: source.linkType, flows: flows, capture: captureStatistics,
            table: table.statistics, frames: frames, error: captureError
        )
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
}

/// A flow and what detection said of it.
public struct AnalyzedFlow: Sendable, Equatable {
    public var record: FlowRecord
    public var tunnel: TunnelVerdict?
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
