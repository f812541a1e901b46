/// tinc's meta protocol over TCP (tinc manual, "The meta-protocol", and doc/PROTOCOL in the
/// tinc sources): each side's first line is an ID request, "0 <name> <version>\n", with the
/// request number 0, the node name (letters, digits and underscores) and the protocol version:
/// 17 for tinc 1.0, "17.<minor>" for tinc 1.1. Both sides send one; in tinc 1.0 the next line is
/// the METAKEY request ("1 <cipher> <digest> <maclength> <compression> <key in hex>").
public struct TincDetector: TunnelDetector {
    public let family = TunnelFamily.tinc
    public let summary = "tinc: meta-protocol ID requests \"0 <name> 17[.minor]\" from both sides over TCP"

    public init() {}

    public func examine(_ flow: FlowSample) -> DetectorOutcome {
        guard flow.ipProtocol == .tcp else { return .notThis }
        let forward = flow.forwardStream
        let reverse = flow.reverseStream
        // Whoever speaks first must send an ID line; wait until it is complete.
        let firstSpeaker = forward.isEmpty ? reverse : forward
        guard !firstSpeaker.isEmpty else { return .needMorePackets }
        switch Self.idLine(firstSpeaker) {
        case .incomplete: return .needMorePackets
        case .no: return .notThis
        case .yes(let name, let version):
            let other = forward.isEmpty ? forward : reverse
            switch Self.idLine(other) {
            case .yes(let peer, _):
                let release = version.contains(".") ? "tinc 1.1" : "tinc 1.0"
                return .verdict(TunnelVerdict(.tinc, product: release, confidence: .confirmed,
                    evidence: "tinc meta-protocol ID requests from both sides (nodes \"\(name)\" and \"\(peer)\", protocol \(version))"))
            case .incomplete:
                return .needMorePackets
            case .no:
                return .notThis
            }
        }
    }

    enum Line: Equatable {
        case yes(name: String, version: String)
        case no
        case incomplete
    }

    /// Parses "0 <name> <major>[.<minor>]\n" at the start of a stream.
    static func idLine(_ stream: [UInt8]) -> Line {
        guard let first = stream.first else { return .incomplete }
        // The line is "0 <name> 17[.minor]": anything else is settled by its first byte.
        guard first == UInt8(ascii: "0") else { return .no }
        let limit = min(stream.count, 128)
        guard let newline = stream[..<limit].firstIndex(of: 0x0A) else {
            // Still a plausible prefix?
            return stream.count < 128 && stream.first == UInt8(ascii: "0") && stream.allSatisfy({ $0 >= 0x20 && $0 < 0x7F }) ? .incomplete : .no
        }
        var line = stream[..<newline]
        if line.last == 0x0D { line = line.dropLast() }
        let fields = line.split(separator: 0x20, omittingEmptySubsequences: false)
        guard fields.count == 3, fields[0].elementsEqual([UInt8(ascii: "0")]) else { return .no }
        let name = fields[1]
        let isNameByte = { (byte: UInt8) in
            (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A) || byte == 0x5F
        }
        guard (1...64).contains(name.count), name.allSatisfy(isNameByte) else { return .no }
        // Version: major 17 (the meta-protocol version of tinc 1.0 and 1.1), optional ".minor".
        let version = fields[2].split(separator: UInt8(ascii: "."), omittingEmptySubsequences: false)
        guard version.count <= 2, version.allSatisfy({ (1...3).contains($0.count) && $0.allSatisfy { $0 >= 0x30 && $0 <= 0x39 } }),
              version[0].elementsEqual(Array("17".utf8)) else { return .no }
        return .yes(name: String(decoding: name, as: UTF8.self), version: String(decoding: fields[2], as: UTF8.self))
    }
}
