import Capture
import Detection
import Flows
import Packets

#if canImport(Glibc)
import Glibc
#endif

/// Reads one packet source to its end and turns it into flow records with tunnel verdicts: the
/// packet loop that joins capture, decoding, the flow table and detection.
///
/// Reading never stops on a bad frame (it is counted and the first one described) and a bad
/// record ends the read with the flows so far kept, so a damaged capture still yields evidence.
/// Flows go to a `FlowSink` as they end, so memory follows the live flows, not the file; with
/// `threads` above 1 they are spread over worker threads (`PacketShards`).
public final class TrafficAnalyzer {
    public let configuration: FlowTableConfiguration
    /// Runs on each flow's opening; nil reads flows without detection.
    public let classifier: TunnelClassifier?
    /// Worker threads for flows and detection; 1 does everything on the calling thread.
    public var threads: Int
    /// Called every `progressInterval` packets with the number read so far.
    public var progress: ((Int) -> Void)?
    public var progressInterval = 1 << 16

    /// The processors this process may run on: the default number of threads for a gateway.
    public static var availableProcessors: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }

    public init(
        configuration: FlowTableConfiguration = FlowTableConfiguration(),
        classifier: TunnelClassifier? = TunnelClassifier(detectors: DetectorRegistry.all()),
        threads: Int = 1
    ) {
        self.configuration = configuration
        self.classifier = classifier
        self.threads = max(1, threads)
    }

    /// Reads the source and keeps every flow, each inner flow right after the outer flow that
    /// carries it, ids consecutive from 1 whatever the number of threads.
    public func analyze(_ source: PacketSource) -> TrafficSummary {
        collect([source])
    }

    /// Reads the source and hands each flow to a sink as it ends: `makeSink(i)` is worker i's.
    /// The summary's `flows` stays empty; its counts say how many went out.
    ///
    /// With one thread ids are consecutive from 1; with more they are twice the number of the
    /// flow's opening packet, plus 1 inside an encapsulation: in creation order and the same
    /// from run to run, but not consecutive. Flows still live at the end go out in id order.
    public func analyze(_ source: PacketSource, makeSink: (_ worker: Int) -> any FlowSink) -> TrafficSummary {
        read([source], linkCompanions: true, makeSink: makeSink)
    }

    /// Reads the handles of one fanout group (`FanoutGroup`), each on its own thread with its
    /// own flows, and keeps every flow, numbered in the order the flows began. A group of one
    /// handle is read as `analyze(_:)` reads it, over `threads` workers.
    public func analyze(fanout sources: [PacketSource]) -> TrafficSummary {
        collect(sources)
    }

    /// Reads the handles of one fanout group, each on its own thread, handing flows to that
    /// thread's sink as they end; a group of one is read as `analyze(_:makeSink:)` reads it.
    public func analyze(fanout sources: [PacketSource], makeSink: (_ reader: Int) -> any FlowSink) -> TrafficSummary {
        read(sources, linkCompanions: true, makeSink: makeSink)
    }

    private func collect(_ sources: [PacketSource]) -> TrafficSummary {
        let collectors = (0..<max(threads, sources.count)).map { _ in FlowCollector() }
        var summary = read(sources, linkCompanions: false) { collectors[$0] }
        var flows = collectors.flatMap(\.flows)
        if sources.count > 1 {
            Self.renumber(&flows, inOrderOf: { ($0.record.firstSeen, $0.record.id) < ($1.record.firstSeen, $1.record.id) })
        } else if threads > 1 {
            Self.renumber(&flows, inOrderOf: { $0.record.id < $1.record.id })
        }
        flows.sort { ($0.via ?? $0.record.id, $0.record.id) < ($1.via ?? $1.record.id, $1.record.id) }
        if classifier != nil { Self.linkCompanionChannels(&flows) }
        summary.flows = flows
        summary.tunnelFlows = flows.count { $0.tunnel?.family.tunnelClass.isTunnel == true }
        return summary
    }

    private func read(_ sources: [PacketSource], linkCompanions: Bool, makeSink: (Int) -> any FlowSink) -> TrafficSummary {
        let readers = sources.count
        let sinks = (0..<(readers > 1 ? readers : threads)).map(makeSink)
        let makeFlows = { [configuration, classifier, threads] (worker: Int) in
            LayeredFlows(configuration: configuration, classifier: classifier,
                         numbering: readers > 1 ? .byOpeningPacket(reader: worker, readers: readers)
                             : threads > 1 ? .byOpeningPacket(reader: 0, readers: 1) : .consecutive,
                         linkCompanions: linkCompanions, sink: sinks[worker])
        }
        var reads: [PacketRead]
        let workers: [LayeredFlows]
        if readers > 1 {
            // A fanout group: the kernel has already split the flows, one reading thread each.
            workers = (0..<readers).map(makeFlows)
            reads = sources.map { _ in PacketRead() }
            let threads = (0..<readers).map { member in
                WorkerThread { [self, reads] in
                    readPackets(sources[member], into: workers[member], read: reads[member], reportsProgress: member == 0)
                    workers[member].finish()
                }
            }
            for thread in threads { thread.join() }
        } else if threads == 1 {
            let flows = makeFlows(0)
            reads = [PacketRead()]
            readPackets(sources[0], into: flows, read: reads[0], reportsProgress: true)
            flows.finish()
            workers = [flows]
        } else {
            let shards = PacketShards(workers: threads, makeFlows: makeFlows)
            reads = [PacketRead()]
            readPackets(sources[0], into: shards, read: reads[0], reportsProgress: true)
            workers = shards.finish()
        }
        for sink in sinks { sink.close() }
        var table = FlowTableStatistics()
        for worker in workers { table.add(worker.outer.table.statistics) }
        let first = reads[0]
        for other in reads.dropFirst() { first.merge(other) }
        return TrafficSummary(
            source: sources[0].name, linkType: sources[0].linkType, flows: [], capture: first.capture,
            table: table, frames: first.frames, error: first.error,
            flowCount: workers.reduce(0) { $0 + $1.flowsEnded }, tunnelFlows: workers.reduce(0) { $0 + $1.tunnelFlows },
            threadTimes: ThreadTimes(readers: reads.map(\.cpuSeconds), workers: workers.compactMap(\.cpuSeconds)))
    }
}

/// What one reading thread saw besides flows: the capture's counters, the frames that gave no
/// IP packet, and the error that ended the read early, if one did.
private final class PacketRead: @unchecked Sendable {
    // Unchecked: written by one reading thread, read after it is joined.
    var capture = CaptureStatistics(packetsRead: 0)
    var frames = FrameStatistics()
    var error: CaptureError?
    var cpuSeconds = 0.0

    /// Adds another handle's read of the same interface (a fanout group's member).
    func merge(_ other: PacketRead) {
        capture.packetsRead += other.capture.packetsRead
        if let received = other.capture.received { capture.received = (capture.received ?? 0) + received }
        if let dropped = other.capture.droppedByKernel { capture.droppedByKernel = (capture.droppedByKernel ?? 0) + dropped }
        if let dropped = other.capture.droppedByInterface {
            // Every member reads the same interface counter: keep it once.
            capture.droppedByInterface = max(capture.droppedByInterface ?? 0, dropped)
        }
        frames.notIP += other.frames.notIP
        frames.undecodable += other.frames.undecodable
        if frames.firstUndecodable == nil { frames.firstUndecodable = other.frames.firstUndecodable }
        if error == nil { error = other.error }
    }
}

extension TrafficAnalyzer {
    /// The packet loop: decode each frame and hand it on. Generic so each consumer gets its own
    /// specialised loop, with direct calls and no reference counting per packet.
    private func readPackets<Consumer: DecodedPacketConsumer>(
        _ source: PacketSource, into consumer: Consumer, read: PacketRead, reportsProgress: Bool
    ) {
        let started = threadCPUSeconds()
        defer { read.cpuSeconds = threadCPUSeconds() - started }
        let decoder = PacketDecoder(linkType: source.linkType)
        let interval = reportsProgress ? progressInterval : Int.max
        var frames = FrameStatistics()
        do throws(CaptureError) {
            read.capture = try source.forEach { packet in
                switch decoder.decode(packet.bytes, wireLength: packet.wireLength) {
                case .success(let decoded):
                    consumer.add(decoded, packet)
                case .failure(let failure):
                    frames.count(failure, packetNumber: packet.number)
                }
                if packet.number % interval == 0 { progress?(packet.number) }
                return true
            }
        } catch {
            read.error = error
            read.capture = source.statistics()
        }
        read.frames = frames
    }

    /// Gives the second channel of a confirmed VPN session its verdict (`CompanionChannels`).
    static func linkCompanionChannels(_ flows: inout [AnalyzedFlow]) {
        var linkable = flows.map { CompanionChannels.Flow($0.record, verdict: $0.tunnel) }
        for index in CompanionChannels.link(&linkable) { flows[index].tunnel = linkable[index].verdict }
    }

    /// Replaces opening-packet ids with consecutive ones in the given order (id order is the
    /// order one thread would have numbered the flows in) and points each inner flow at its
    /// carrier's new id.
    static func renumber(_ flows: inout [AnalyzedFlow], inOrderOf areInIncreasingOrder: (AnalyzedFlow, AnalyzedFlow) -> Bool) {
        flows.sort(by: areInIncreasingOrder)
        var newID: [UInt64: UInt64] = [:]
        newID.reserveCapacity(flows.count)
        for index in flows.indices {
            newID[flows[index].record.id] = UInt64(index + 1)
            flows[index].record.id = UInt64(index + 1)
        }
        for index in flows.indices {
            if let via = flows[index].via { flows[index].via = newID[via] }
        }
    }
}

/// Where the packet loop hands decoded packets: one thread's flows, or the worker threads'.
protocol DecodedPacketConsumer: AnyObject {
    func add(_ decoded: DecodedPacket, _ packet: CapturedPacket)
}

extension LayeredFlows: DecodedPacketConsumer {}
extension PacketShards: DecodedPacketConsumer {}

/// Keeps every flow it receives (`TrafficAnalyzer.analyze(_:)`).
private final class FlowCollector: FlowSink {
    var flows: [AnalyzedFlow] = []
    func receive(_ flow: AnalyzedFlow) { flows.append(flow) }
    func close() {}
}

extension FlowTableStatistics {
    /// Adds another table's counts (the peak is the sum of peaks: an upper bound).
    mutating func add(_ other: FlowTableStatistics) {
        packets += other.packets
        flowsCreated += other.flowsCreated
        flowsEvictedForCapacity += other.flowsEvictedForCapacity
        flowsEndedIdle += other.flowsEndedIdle
        flowsEndedActive += other.flowsEndedActive
        unattributedFragments += other.unattributedFragments
        peakLiveFlows += other.peakLiveFlows
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
    /// Flows read, and those with a tunnel verdict: the same as `flows` says when it holds them,
    /// and the only record of them when the flows went to a sink.
    public var flowCount: Int
    public var tunnelFlows: Int
    /// Processor time of the reading and worker threads, so an engineer can see which one
    /// limits the rate (`ThreadTimes`).
    public var threadTimes: ThreadTimes

    public init(source: String, linkType: LinkType, flows: [AnalyzedFlow], capture: CaptureStatistics, table: FlowTableStatistics,
                frames: FrameStatistics, error: CaptureError?, flowCount: Int? = nil, tunnelFlows: Int? = nil,
                threadTimes: ThreadTimes = ThreadTimes()) {
        self.source = source
        self.linkType = linkType
        self.flows = flows
        self.capture = capture
        self.table = table
        self.frames = frames
        self.error = error
        self.flowCount = flowCount ?? flows.count
        self.tunnelFlows = tunnelFlows ?? flows.count { $0.tunnel?.family.tunnelClass.isTunnel == true }
        self.threadTimes = threadTimes
    }
}

/// Processor seconds each thread of a read used. With one thread the reader did everything;
/// with workers, the busiest of reader and workers bounds the rate (the scaling model in
/// `bench/RESULTS.md`).
public struct ThreadTimes: Sendable, Equatable {
    /// One per capture handle (several in a fanout group).
    public var readers: [Double]
    public var workers: [Double]

    public init(readers: [Double] = [], workers: [Double] = []) {
        self.readers = readers
        self.workers = workers
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
