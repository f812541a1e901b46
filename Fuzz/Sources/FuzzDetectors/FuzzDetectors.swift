import Detection
import Foundation
import FuzzSupport
import Packets
import Policy

/// Each detector family on its own, fed a flow's opening as the classifier feeds it: the
/// packets one by one, each examined as it comes, then the window's end (a concluding
/// detector's last word and the annotators'). Taken one at a time, a detector meets inputs
/// that the others would have settled before it in a whole capture.
///
/// Input: the detector (its index in `DetectorRegistry.all`; past the end, all of them), the IP
/// protocol, the two ports and the address family, then packets, each a flags byte (bit 0: from
/// the responder; bit 1: claims more bytes than captured; bits 2-7: TCP flags), a 16-bit length
/// and its payload.
let detectors = DetectorRegistry.all(providers: (try? ProviderCatalogLoader.load(contentsOf: URL(fileURLWithPath: "policies/providers.yaml"))) ?? .empty)
let protocols: [IPProtocol] = [.tcp, .udp, .icmp, .icmpv6, IPProtocol(47), IPProtocol(50), IPProtocol(4), IPProtocol(41), IPProtocol(115)]

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzDetectors(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzDriver.bytes(start, count)
    guard input.count >= 7 else { return 0 }
    let chosen = Int(input[0])
    let classifier = TunnelClassifier(detectors: chosen < detectors.count ? [detectors[chosen]] : detectors)
    let ipProtocol = protocols[Int(input[1]) % protocols.count]
    let responderPort = UInt16(input[2]) << 8 | UInt16(input[3])
    let initiatorPort = UInt16(input[4]) << 8 | UInt16(input[5])
    let v6 = input[6] & 1 == 1
    let initiator = Endpoint(address: v6 ? IPAddress("2001:db8::10")! : IPAddress(ipv4: 0x0A00_0010), port: initiatorPort)
    let responder = Endpoint(address: v6 ? IPAddress("2001:db8:ffff::1")! : IPAddress(ipv4: 0xCB00_7101), port: responderPort)
    var detection = classifier.start(ipProtocol: ipProtocol, initiator: initiator, responder: responder)
    var offset = 7, packet = 0
    while offset + 3 <= input.count, packet < 64 {
        let flags = input[offset]
        let length = min(Int(input[offset + 1]) << 8 | Int(input[offset + 2]), input.count - offset - 3)
        let payload = input[(offset + 3)..<(offset + 3 + length)]
        offset += 3 + length
        let sampled = SampledPacket(direction: flags & 1 == 0 ? .forward : .reverse, timestamp: Timestamp(seconds: 1_700_000_000 + Int64(packet)),
                                    payloadLength: flags & 2 == 2 ? length + 1_000 : length, tcpFlags: ipProtocol == .tcp ? flags >> 2 : 0,
                                    icmpType: ipProtocol == .icmp || ipProtocol == .icmpv6 ? UInt8(length & 0xFF) : 0)
        let finished = Array(payload).withUnsafeBytes { classifier.observe(sampled, payload: $0, in: &detection) }
        packet += 1
        if finished { break }
    }
    if !detection.isFinished { classifier.finish(&detection) }
    return 0
}

@_cdecl("fuzz_detectors_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzDetectors)
}
