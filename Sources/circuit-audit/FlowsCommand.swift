import ArgumentParser
import Capture
import Detection
import Policy
import Flows
import Traffic

#if canImport(Glibc)
import Glibc
#endif

struct FlowsCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "flows",
        abstract: "Read captures or a live interface and print one line per bidirectional flow.",
        discussion: """
            Exit codes: 0 success, 64 bad usage, 65 a capture is damaged or not a capture \
            (the flows read before the damage are still printed), 66 a file or interface cannot be opened.
            """
    )

    enum Format: String, ExpressibleByArgument, CaseIterable {
        case table, jsonl
    }

    @Argument(help: "Capture files (pcap or pcapng).")
    var files: [String] = []

    @Option(name: .long, help: "Capture live from this interface instead of reading files (needs CAP_NET_RAW).")
    var interface: String?

    @Option(name: .long, help: "Seconds to capture from --interface.")
    var duration: Double?

    @Option(name: .long, help: "A BPF filter expression (pcap-filter(7)).")
    var filter: String?

    @Flag(name: .long, help: "Capture in promiscuous mode (off by default).")
    var promiscuous = false

    @Option(name: .long, help: "Output format: table (default on a terminal) or jsonl.")
    var format: Format?

    @Flag(name: .long, help: "Print only flows with a tunnel verdict (VPN, tunnel, circumvention, encapsulation or covert channel).")
    var tunnelsOnly = false

    @Flag(name: .long, help: "Skip tunnel detection (flows only).")
    var noDetection = false

    @Option(name: .long, help: "End a flow after this many seconds without a packet (default: never for files, 300 for --interface).")
    var idleTimeout: Double?

    @Option(name: .long, help: "End a flow after this many seconds and continue it in a new record (default: never for files, a day for --interface).")
    var activeTimeout: Double?

    @Option(name: .long, help: "Most live flows kept at once; past it the least recently active is evicted and counted.")
    var maxFlows: Int = FlowTableConfiguration().maximumFlows

    @Option(name: .long, help: ArgumentHelp(
        "Worker threads for flows and detection (default: the number of cores).",
        discussion: "Flows are spread over the workers by their two addresses; 1 reads on one thread. With more than one, jsonl ids keep creation order but are not consecutive."))
    var threads: Int = TrafficAnalyzer.availableProcessors

    @Option(name: .long, help: ArgumentHelp(
        "With --interface: open this many capture handles in one PACKET_FANOUT group, each read by its own thread.",
        discussion: "The kernel splits the interface's flows over the handles (a symmetric flow hash, fragments reassembled first), so reading scales past one reader; --threads does not apply then."))
    var fanout: Int?

    func validate() throws {
        if files.isEmpty && interface == nil { throw ValidationError("Give capture files or --interface.") }
        if !files.isEmpty && interface != nil { throw ValidationError("Give capture files or --interface, not both.") }
        if duration != nil && interface == nil { throw ValidationError("--duration applies to --interface only.") }
        if let duration, duration <= 0 { throw ValidationError("--duration must be positive.") }
        if (idleTimeout ?? 1) <= 0 || (activeTimeout ?? 1) <= 0 { throw ValidationError("Timeouts must be positive.") }
        if maxFlows < 1 { throw ValidationError("--max-flows must be at least 1.") }
        if threads < 1 || threads > 256 { throw ValidationError("--threads must be between 1 and 256.") }
        if let fanout {
            if interface == nil { throw ValidationError("--fanout applies to --interface only.") }
            if fanout < 1 || fanout > 64 { throw ValidationError("--fanout must be between 1 and 64.") }
        }
    }

    func run() throws {
        let analyzer = TrafficAnalyzer(
            configuration: FlowTableConfiguration(
                idleTimeout: idleTimeout ?? (interface == nil ? nil : 300),
                activeTimeout: activeTimeout ?? (interface == nil ? nil : 86_400), maximumFlows: maxFlows),
            classifier: noDetection ? nil : TunnelClassifier(detectors: DetectorRegistry.all(providers: Self.bundledProviders())),
            threads: threads)
        let output = StandardOutput()
        let format = self.format ?? (isatty(STDOUT_FILENO) == 1 ? .table : .jsonl)
        var exitCode = ExitCode.success

        let inputs: [String] = interface.map { [$0] } ?? files
        for input in inputs {
            let sources: [PacketSource]
            do {
                sources = try open(input)
            } catch {
                StandardError.write("circuit-audit: \(error)")
                if exitCode == .success { exitCode = Self.exitCode(for: error) }
                continue
            }
            let name = sources[0].name
            let progress = ProgressLine(label: name)
            analyzer.progress = { progress.update(packets: $0) }
            let summary: TrafficSummary
            switch format {
            case .jsonl:
                // Each flow is written as it ends: memory holds the live flows only.
                output.flush()
                summary = analyzer.analyze(fanout: sources) { _ in JSONLinesSink(source: name, tunnelsOnly: tunnelsOnly) }
            case .table:
                summary = analyzer.analyze(fanout: sources)
                let flows = tunnelsOnly ? summary.flows.filter { $0.tunnel?.family.tunnelClass.isTunnel == true } : summary.flows
                if inputs.count > 1 { output.write("== \(summary.source)") }
                output.write(FlowTableFormatter.render(flows), newline: false)
            }
            progress.clear()
            StandardError.write(Self.describe(summary))
            if let error = summary.error {
                StandardError.write("circuit-audit: \(error)")
                if exitCode == .success { exitCode = Self.exitCode(for: error) }
            }
        }
        output.flush()
        if exitCode != .success { throw exitCode }
    }

    private func open(_ input: String) throws(CaptureError) -> [PacketSource] {
        guard interface != nil else { return [try PacketSource.open(file: input, filter: filter)] }
        return try FanoutGroup.open(interface: input, options: LiveCaptureOptions(
            promiscuous: promiscuous, filter: filter, duration: duration), members: fanout ?? 1)
    }

    /// The provider catalog shipped in policies/, so flows can name VPN services; empty if absent.
    static func bundledProviders() -> ProviderCatalog {
        guard let installation = try? Installation.locate(needing: "policies/providers.yaml"),
              let catalog = try? ProviderCatalogLoader.load(contentsOf: installation.policies.appendingPathComponent("providers.yaml")) else { return .empty }
        return catalog
    }

    static func exitCode(for error: CaptureError) -> ExitCode {
        switch error {
        case .cannotOpen: ExitStatus.cannotOpen
        case .invalidFilter: ExitStatus.usage
        case .notACapture, .unsupportedLinkType, .badRecord, .captureFailed: ExitStatus.dataError
        }
    }

    static func describe(_ summary: TrafficSummary) -> String {
        var parts = ["\(summary.source): \(summary.capture.packetsRead) packets", "\(summary.flowCount) flows"]
        if summary.tunnelFlows > 0 { parts.append("\(summary.tunnelFlows) with a tunnel verdict") }
        if summary.frames.notIP > 0 { parts.append("\(summary.frames.notIP) non-IP frames") }
        if let (number, reason) = summary.frames.firstUndecodable {
            parts.append("\(summary.frames.undecodable) undecodable frames (first: packet \(number), \(reason))")
        }
        if summary.table.unattributedFragments > 0 {
            parts.append("\(summary.table.unattributedFragments) fragments without their first fragment")
        }
        if summary.table.flowsEvictedForCapacity > 0 {
            parts.append("\(summary.table.flowsEvictedForCapacity) flows evicted at the --max-flows bound")
        }
        if !summary.threadTimes.workers.isEmpty || summary.threadTimes.readers.count > 1 {
            func seconds(_ values: [Double]) -> String { values.map { String(format: "%.2f", $0) }.joined(separator: " + ") }
            parts.append("CPU seconds: reading \(seconds(summary.threadTimes.readers))"
                + (summary.threadTimes.workers.isEmpty ? "" : ", workers \(seconds(summary.threadTimes.workers))"))
        }
        if let dropped = summary.capture.droppedByKernel {
            parts.append("kernel dropped \(dropped), interface dropped \(summary.capture.droppedByInterface ?? 0)")
        }
        return parts.joined(separator: ", ")
    }
}

/// Writes each flow's JSON line as the flow ends (one per worker thread).
private final class JSONLinesSink: FlowSink {
    private let source: String
    private let tunnelsOnly: Bool
    private let output = StandardOutput()

    init(source: String, tunnelsOnly: Bool) {
        self.source = source
        self.tunnelsOnly = tunnelsOnly
    }

    func receive(_ flow: AnalyzedFlow) {
        if tunnelsOnly, flow.tunnel?.family.tunnelClass.isTunnel != true { return }
        FlowJSONLines.append(flow, source: source, to: output.buffer, newline: true)
        output.flushIfFull()
    }

    func close() { output.flush() }
}
