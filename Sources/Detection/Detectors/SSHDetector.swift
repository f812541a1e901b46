/// SSH (RFC 4253 §4.2, "Protocol Version Exchange"): each side opens with an identification
/// line `SSH-protoversion-softwareversion [comments]` ending in CR LF, protoversion "2.0" (or
/// "1.99" for servers that also speak SSH 1); at most 255 characters. The server may send other
/// lines first, so its first line that starts with "SSH-" counts.
public struct SSHDetector: TunnelDetector {
    public let family = TunnelFamily.ssh
    public let summary = "SSH: \"SSH-2.0-\" / \"SSH-1.99-\" identification line from either side (RFC 4253 §4.2)"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        var waiting = false
        for (stream, isServer) in [(flow.reverseStream, true), (flow.forwardStream, false)] where !stream.isEmpty {
            switch Self.identification(in: stream, allowLinesBefore: isServer) {
            case .found(let line):
                return .verdict(TunnelVerdict(.ssh, confidence: .confirmed, evidence: "SSH identification line \"\(line)\" (RFC 4253)"))
            case .undecided:
                waiting = true
            case .no:
                continue
            }
        }
        if flow.forwardStream.isEmpty && flow.reverseStream.isEmpty { return flow.packets.count >= 6 ? .notThis : .needMorePackets }
        return waiting && flow.packets.count < 10 ? .needMorePackets : .notThis
    }

    enum Search: Equatable {
        case found(String)
        case undecided
        case no
    }

    /// Looks for the identification line at the start of a stream, or for a server after a few
    /// other text lines.
    static func identification(in stream: [UInt8], allowLinesBefore: Bool) -> Search {
        // The identification line, and any line a server sends before it, is printable text.
        guard let first = stream.first else { return .undecided }
        guard (0x20...0x7E).contains(first) else { return .no }
        var offset = 0
        for _ in 0..<(allowLinesBefore ? 8 : 1) {
            guard offset < stream.count else { return .undecided }
            let rest = stream[offset...]
            guard let line = PayloadShape.firstLine(rest, limit: 256) else {
                // An unfinished line that could still be the identification line.
                let partial = Array(rest.prefix(8))
                let prefix = Array("SSH-".utf8)
                let compatible = partial.count < prefix.count ? prefix.starts(with: partial) : partial.starts(with: prefix)
                return compatible && rest.count < 256 ? .undecided : .no
            }
            if line.hasPrefix("SSH-2.0-") || line.hasPrefix("SSH-1.99-") { return .found(line) }
            if line.hasPrefix("SSH-") || line.hasPrefix("HTTP/") || line.contains(" HTTP/1.") { return .no }
            offset = rest.startIndex + line.utf8.count + 1
            if offset < stream.count, stream[offset - 1] == 0x0D, stream[offset] == 0x0A { offset += 1 }
        }
        return .no
    }
}
