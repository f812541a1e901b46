import Packets

/// Which way a packet travels within its flow.
public enum Direction: Sendable, Equatable {
    /// From the initiator (the side of the flow's first packet) to the responder.
    case forward
    case reverse
}

/// One endpoint of a flow.
public struct Endpoint: Sendable, Equatable {
    public var address: IPAddress
    /// Zero for protocols without ports.
    public var port: UInt16

    public init(address: IPAddress, port: UInt16) {
        self.address = address
        self.port = port
    }
}

/// One packet of a flow's opening, as detectors see it.
public struct SampledPacket: Sendable, Equatable {
    public var direction: Direction
    public var timestamp: Timestamp
    /// Transport payload length in the packet (as far as it was captured).
    public var payloadLength: Int
    /// TCP flags; zero for other protocols.
    public var tcpFlags: UInt8
    /// ICMP type and code; zero for other protocols.
    public var icmpType: UInt8
    public var icmpCode: UInt8

    public init(direction: Direction, timestamp: Timestamp, payloadLength: Int, tcpFlags: UInt8 = 0,
                icmpType: UInt8 = 0, icmpCode: UInt8 = 0) {
        self.direction = direction
        self.timestamp = timestamp
        self.payloadLength = payloadLength
        self.tcpFlags = tcpFlags
        self.icmpType = icmpType
        self.icmpCode = icmpCode
    }
}

/// The opening of a flow: its endpoints and its first packets with the first bytes of their
/// payloads, kept in memory while detection runs and dropped as soon as it decides.
///
/// Payload bytes live only here, only in memory, and only for the first packets of a flow.
public struct FlowSample: Sendable {
    public let ipProtocol: IPProtocol
    public let initiator: Endpoint
    public let responder: Endpoint
    public private(set) var packets: [SampledPacket] = []
    private var payloadBytes: [UInt8] = []
    private var payloadRanges: [Range<Int>] = []
    /// Indices of the packets that carry payload, kept as packets arrive.
    private var payloadIndices: [Int] = []
    /// The initiator's and responder's byte streams (TCP segments in arrival order, or UDP
    /// payloads), the first `streamLimit` bytes of each, for parsers that span packets.
    public private(set) var forwardStream: [UInt8] = []
    public private(set) var reverseStream: [UInt8] = []

    /// How many bytes of each packet's payload are kept.
    public static let payloadPrefixLimit = 320
    /// How many bytes of each direction's stream are kept: enough for a TLS server's first
    /// flight with its certificate; streams that do not open with a handshake record keep only
    /// `plainStreamLimit`, which covers every cleartext opening detectors read.
    public static let streamLimit = 4096
    public static let plainStreamLimit = 1024

    /// Parsed once from `forwardStream` when it starts with a TLS or DTLS handshake record.
    public private(set) var clientHello: TLSClientHello?
    /// Parsed once from `reverseStream`: the server's reply facts (version, certificate names).
    public private(set) var serverHello: TLSServerHello?

    public init(ipProtocol: IPProtocol, initiator: Endpoint, responder: Endpoint) {
        self.ipProtocol = ipProtocol
        self.initiator = initiator
        self.responder = responder
        // One allocation each for a typical opening, instead of growing packet by packet.
        packets.reserveCapacity(16)
        payloadRanges.reserveCapacity(16)
        payloadIndices.reserveCapacity(16)
        payloadBytes.reserveCapacity(1024)
    }

    /// Adds a packet; `payload` is read now and its first bytes copied.
    public mutating func append(_ packet: SampledPacket, payload: UnsafeRawBufferPointer) {
        let kept = min(payload.count, Self.payloadPrefixLimit)
        let start = payloadBytes.count
        payloadBytes.append(contentsOf: UnsafeRawBufferPointer(rebasing: payload.prefix(kept)))
        payloadRanges.append(start..<(start + kept))
        if packet.payloadLength > 0 { payloadIndices.append(packets.count) }
        packets.append(packet)
        if payload.count > 0 {
            switch packet.direction {
            case .forward:
                let limit = Self.limit(for: forwardStream, next: payload)
                if forwardStream.count < limit {
                    forwardStream.append(contentsOf: UnsafeRawBufferPointer(rebasing: payload.prefix(limit - forwardStream.count)))
                    if clientHello == nil { clientHello = TLSClientHello(stream: forwardStream, datagram: ipProtocol != .tcp) }
                }
            case .reverse:
                let limit = Self.limit(for: reverseStream, next: payload)
                if reverseStream.count < limit {
                    reverseStream.append(contentsOf: UnsafeRawBufferPointer(rebasing: payload.prefix(limit - reverseStream.count)))
                    if serverHello == nil { serverHello = TLSServerHello(stream: reverseStream, datagram: ipProtocol != .tcp) }
                }
            }
        }
    }

    /// A stream that opens with a TLS/DTLS handshake record (content type 22) may keep the full
    /// `streamLimit`; any other only `plainStreamLimit`.
    private static func limit(for stream: [UInt8], next payload: UnsafeRawBufferPointer) -> Int {
        (stream.first ?? payload.first) == 22 ? streamLimit : plainStreamLimit
    }

    /// The kept first bytes of packet `index`'s payload.
    public func payload(_ index: Int) -> ArraySlice<UInt8> {
        payloadBytes[payloadRanges[index]]
    }

    /// Indices of the packets with payload, in order, optionally only one direction's.
    public func payloadPackets(_ direction: Direction? = nil) -> [Int] {
        guard let direction else { return payloadIndices }
        return payloadIndices.filter { packets[$0].direction == direction }
    }

    /// The responder's port for protocols with ports: usually the service's.
    public var serverPort: UInt16 { responder.port }

    /// True when either endpoint uses `port` (for protocols with ports).
    public func usesPort(_ port: UInt16) -> Bool { initiator.port == port || responder.port == port }
}

/// Bounds-checked big-endian reads on payload bytes; nil past the end.
extension ArraySlice where Element == UInt8 {
    public func u8(_ offset: Int) -> UInt8? {
        offset >= 0 && offset < count ? self[startIndex + offset] : nil
    }

    public func u16(_ offset: Int) -> UInt16? {
        guard let high = u8(offset), let low = u8(offset + 1) else { return nil }
        return UInt16(high) << 8 | UInt16(low)
    }

    public func u32(_ offset: Int) -> UInt32? {
        guard let high = u16(offset), let low = u16(offset + 2) else { return nil }
        return UInt32(high) << 16 | UInt32(low)
    }

    public func u64(_ offset: Int) -> UInt64? {
        guard let high = u32(offset), let low = u32(offset + 4) else { return nil }
        return UInt64(high) << 32 | UInt64(low)
    }

    /// Whether the bytes at `offset` equal `bytes`.
    public func matches(_ bytes: [UInt8], at offset: Int = 0) -> Bool {
        guard offset >= 0, offset + bytes.count <= count else { return false }
        return self[(startIndex + offset)..<(startIndex + offset + bytes.count)].elementsEqual(bytes)
    }

    /// Whether the bytes at `offset` are the ASCII `text`.
    public func matches(ascii text: String, at offset: Int = 0) -> Bool {
        matches(Array(text.utf8), at: offset)
    }

    /// Shannon entropy of the bytes in bits per byte (0...8): encrypted or random data is near 8
    /// for long inputs (lower for short ones, which cannot show all 256 values).
    public var entropy: Double {
        guard !isEmpty else { return 0 }
        var counts = [Int](repeating: 0, count: 256)
        for byte in self { counts[Int(byte)] += 1 }
        let total = Double(count)
        var bits = 0.0
        for value in counts where value > 0 {
            let p = Double(value) / total
            bits -= p * log2(p)
        }
        return bits
    }
}

#if canImport(Glibc)
import Glibc
#endif
