import FuzzSupport
import Packets

/// The packet decoder over every link type it supports, and the inner packet of any
/// encapsulation it finds (GRE, IP-in-IP, VXLAN, Geneve, GTP, Teredo, CAPWAP). Input: one link
/// type selector byte, then a frame.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPackets(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzDriver.bytes(start, count)
    guard let selector = input.first else { return 0 }
    let kinds = LinkType.supported
    let decoder = PacketDecoder(linkType: kinds[Int(selector) % kinds.count])
    input.dropFirst().withUnsafeBytes { frame in
        if case .success(let decoded) = decoder.decode(frame) {
            _ = PacketDecoder.decodeInner(frame, outer: decoded)
        }
    }
    return 0
}

@_cdecl("fuzz_packets_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzPackets)
}
