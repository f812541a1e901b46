import Capture
import Foundation
import FuzzSupport
import Traffic

/// A whole capture file (pcap or pcapng) through the tool's packet path: libpcap, the decoder,
/// both flow layers and every detector with its TLS reader, as `circuit-audit flows` runs them:
/// kept whole as an audit keeps them, then streamed flow by flow with companion channels linked
/// as flows end. Seeds are the corpus' real captures.
let path = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-capture-\(getpid()).pcap").path

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzCapture(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Data(FuzzDriver.bytes(start, count))
    guard (try? data.write(to: URL(fileURLWithPath: path))) != nil else { return 0 }
    guard let source = try? PacketSource.open(file: path) else { return 0 }
    _ = TrafficAnalyzer().analyze(source)
    guard let again = try? PacketSource.open(file: path) else { return 0 }
    _ = TrafficAnalyzer().analyze(again) { _ in DiscardingSink() }
    return 0
}

/// Takes each flow and keeps nothing.
final class DiscardingSink: FlowSink {
    func receive(_ flow: AnalyzedFlow) {}
    func close() {}
}

@_cdecl("fuzz_capture_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    defer { unlink(path) }
    return FuzzDriver.run(argc, argv, fuzzCapture)
}
