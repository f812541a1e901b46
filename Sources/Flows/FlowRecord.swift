import Packets

/// A finished (or still live) bidirectional flow, seen from its initiator: the side that sent
/// the first packet the capture holds.
///
/// Only counters and header facts: no payload byte is ever part of a record.
public struct FlowRecord: Sendable, Equatable {
    /// Order of creation within one flow table, starting at 1.
    public var id: UInt64
    public var ipProtocol: IPProtocol
    public var vlan: UInt16?
    public var source: IPAddress
    public var sourcePort: UInt16
    public var destination: IPAddress
    public var destinationPort: UInt16
    public var forward: DirectionCounters
    public var reverse: DirectionCounters
    public var firstSeen: Timestamp
    public var lastSeen: Timestamp
    public var endReason: FlowEndReason

    public var isUnidirectional: Bool { reverse.packets == 0 }

    public init(id: UInt64, ipProtocol: IPProtocol, vlan: UInt16?, source: IPAddress, sourcePort: UInt16, destination: IPAddress,
                destinationPort: UInt16, forward: DirectionCounters, reverse: DirectionCounters, firstSeen: Timestamp, lastSeen: Timestamp,
                endReason: FlowEndReason) {
        self.id = id
        self.ipProtocol = ipProtocol
        self.vlan = vlan
        self.source = source
        self.sourcePort = sourcePort
        self.destination = destination
        self.destinationPort = destinationPort
        self.forward = forward
        self.reverse = reverse
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.endReason = endReason
    }
}

/// Counters for one direction of a flow.
public struct DirectionCounters: Sendable, Equatable {
    public var packets: UInt64 = 0
    /// Sum of the frames' lengths on the wire (the capture header's original length).
    public var bytes: UInt64 = 0
    /// Packets that were IP fragments after the first of their datagram (also in `packets`):
    /// `packets - laterFragments` is the number of datagrams.
    public var laterFragments: UInt32 = 0
    /// Every TCP flag seen in this direction, OR-ed together.
    public var tcpFlags: UInt8 = 0

    public init(packets: UInt64 = 0, bytes: UInt64 = 0, laterFragments: UInt32 = 0, tcpFlags: UInt8 = 0) {
        self.packets = packets
        self.bytes = bytes
        self.laterFragments = laterFragments
        self.tcpFlags = tcpFlags
    }
}

/// Why a flow left the table, so a report can tell a finished flow from one cut short.
public enum FlowEndReason: String, Sendable, Equatable {
    /// No packet for longer than the idle timeout.
    case idle
    /// Open for longer than the active timeout; a new record continues it.
    case active
    /// Evicted to stay within the live-flow bound.
    case capacity
    /// Still open when the capture ended.
    case endOfCapture = "end-of-capture"
}
