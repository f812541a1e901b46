import Foundation
import FuzzSupport
import Inventory

/// Every configuration collector on text it did not expect: the first byte picks a collector
/// and one of its inputs (a file such as /etc/wireguard/NAME.conf, or a saved command output
/// such as `ip -d -j link show`), the rest is that file, laid out in a tree as `--root` reads it.
let root = FileManager.default.temporaryDirectory.appendingPathComponent("fuzz-config-\(getpid())")
let collectors = CollectorRegistry.all()
let inputs: [(collector: any Collector, input: CollectorInput, path: String)] = collectors.flatMap { collector in
    collector.inputs.map { input -> (any Collector, CollectorInput, String) in
        switch input {
        case .files(let pattern): (collector, input, pattern.replacingOccurrences(of: "**/", with: "").replacingOccurrences(of: "*", with: "fuzz"))
        case .command(_, let stateFile): (collector, input, "/state/" + stateFile)
        }
    }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzConfig(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzDriver.bytes(start, count)
    guard let selector = input.first, !inputs.isEmpty else { return 0 }
    let (collector, collectorInput, path) = inputs[Int(selector) % inputs.count]
    let file = root.appendingPathComponent(String(path.dropFirst()))
    try? FileManager.default.removeItem(at: root)
    try? FileManager.default.createDirectory(at: file.deletingLastPathComponent(), withIntermediateDirectories: true)
    guard (try? Data(input.dropFirst()).write(to: file)) != nil else { return 0 }
    let system = SystemView(.tree(root: root.path))
    _ = collector.collect(from: system)
    _ = collector.redact(String(decoding: input.dropFirst(), as: UTF8.self), input: collectorInput, path: path)
    return 0
}

@_cdecl("fuzz_config_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    defer { try? FileManager.default.removeItem(at: root) }
    return FuzzDriver.run(argc, argv, fuzzConfig)
}
