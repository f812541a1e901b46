import Detection
import FuzzSupport

/// The TLS and DTLS hello reader on its own: record reassembly, the ClientHello's extensions
/// (server name, ALPN, supported versions) and the ServerHello with its certificate's names,
/// read from a stream as a flow's first bytes arrive. The first byte picks TLS or DTLS and
/// which side; the rest is the stream, read whole and at every length a packet could end at.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzTLS(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzDriver.bytes(start, count)
    guard let selector = input.first else { return 0 }
    let stream = Array(input.dropFirst().prefix(FlowSample.streamLimit))
    let datagram = selector & 1 == 1
    let server = selector & 2 == 2
    // A stream grows packet by packet and is parsed at each step, as FlowSample does: here in
    // steps of 64 bytes to 4 KiB, so one input costs at most 64 parses.
    let step = (Int(selector >> 2) + 1) * 64
    var length = min(step, stream.count)
    while true {
        let prefix = Array(stream.prefix(length))
        if server { _ = TLSServerHello(stream: prefix, datagram: datagram) } else { _ = TLSClientHello(stream: prefix, datagram: datagram) }
        if length == stream.count { break }
        length = min(length + step, stream.count)
    }
    return 0
}

@_cdecl("fuzz_tls_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzTLS)
}
