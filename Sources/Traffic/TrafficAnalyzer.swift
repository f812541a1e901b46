import Capture
import Flows
import Packets

/// Reads one packet source to its end and turns it into flow records: the packet loop that
/// joins capture, decoding and the flow table.
///
/// Reading never stops on a bad frame (it is counted and the first one described) and a bad
/// record ends the read with the flows so far kept, so a damaged capture still yields evidence.
public final class TrafficAnalyzer {
    public let configuration: FlowTableConfiguration
    /// Called every `progressInterval` packets with the number read so far.
    public var progress: ((Int) -> Void)?
    public var progressInterval = 1 << 16

    public init(configuration: FlowTableConfiguration = FlowTableConfiguration()) {
        self.configuration = configuration
    }

    public func analyze(_ source: PacketSource) -> TrafficSummary {
        var flows: [FlowRecord] = []
        let table = FlowTable(configuration: configuration) { record, _ in flows.append(record) }
        let decoder = PacketDecoder(linkType: source.linkType)
        var frames = FrameStatistics()
        let progress = self.progress
        let interval = progressInterval
        var captureError: CaptureError?
        var captureStatistics: CaptureStatistics
        do {
            captureStatistics = try source.forEach { packet in
                switch decoder.decode(packet.bytes, wireLength: packet.wireLength) {
                case .success(let decoded):
                    table.add(decoded, timestamp: packet.timestamp, wireLength: packet.wireLength)
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
        flows.sort { $0.id < $1.id }
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
    public var flows: [FlowRecord]
    public var capture: CaptureStatistics
    public var table: FlowTableStatistics
    public var frames: FrameStatistics
    /// Set when the read ended early; the flows before it are still in `flows`.
    public var error: CaptureError?
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
