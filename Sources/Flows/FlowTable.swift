import Packets

#if canImport(Glibc)
import Glibc
#endif

/// Turns decoded packets into bidirectional flow records, with bounded memory.
///
/// The packet hot path: an open-addressing hash table (linear probing, backward-shift deletion)
/// over a manually managed array of fixed-size entries, and an intrusive least-recently-active
/// list that makes idle expiry and capacity eviction O(1). No allocation per packet.
public final class FlowTable {
    public let configuration: FlowTableConfiguration
    // Hot-path state: the table is used from one thread at a time, so the runtime's dynamic
    // exclusivity checks on these class properties buy nothing and cost ~15% of a packet.
    @exclusivity(unchecked) public private(set) var statistics = FlowTableStatistics()

    /// Called once for every flow that leaves the table, with the handle it had while live.
    public typealias FlowEndHandler = (_ record: FlowRecord, _ handle: FlowHandle) -> Void
    private let onFlowEnd: FlowEndHandler

    @exclusivity(unchecked) private var entries: UnsafeMutablePointer<FlowEntry>
    @exclusivity(unchecked) private var entryCapacity: Int
    @exclusivity(unchecked) private var initializedEntries = 0
    @exclusivity(unchecked) private var freeList: Int32 = -1
    @exclusivity(unchecked) private var slots: UnsafeMutablePointer<Int32>
    @exclusivity(unchecked) private var slotMask: Int
    @exclusivity(unchecked) private var leastRecent: Int32 = -1
    @exclusivity(unchecked) private var mostRecent: Int32 = -1
    private let ids: FlowIDSequence
    @exclusivity(unchecked) private var fragments = FragmentPortMap()

    /// Live flows now.
    @exclusivity(unchecked) public private(set) var liveFlowCount = 0

    /// Memory one live flow costs the table: its entry plus its share of the slot array (kept at
    /// most half full).
    public static var bytesPerLiveFlow: Int { entryBytes + 2 * MemoryLayout<Int32>.stride }

    /// The size of one flow's entry.
    public static var entryBytes: Int { MemoryLayout<FlowEntry>.stride }

    /// - Parameter ids: where flow ids come from; tables that share one (the outer flows and the
    ///   flows inside their encapsulations) never give two flows the same id.
    public init(configuration: FlowTableConfiguration = FlowTableConfiguration(), ids: FlowIDSequence = FlowIDSequence(),
                onFlowEnd: @escaping FlowEndHandler) {
        self.configuration = configuration
        self.ids = ids
        self.onFlowEnd = onFlowEnd
        assert(_isPOD(FlowEntry.self), "flow entries are moved as bytes, so they must hold no references")
        entryCapacity = min(1024, configuration.maximumFlows)
        entries = malloc(entryCapacity * MemoryLayout<FlowEntry>.stride)!.bindMemory(to: FlowEntry.self, capacity: entryCapacity)
        let slotCount = 2048
        slots = .allocate(capacity: slotCount)
        slots.initialize(repeating: -1, count: slotCount)
        slotMask = slotCount - 1
    }

    deinit {
        entries.deinitialize(count: initializedEntries)
        free(entries)
        slots.deallocate()
    }

    /// Counts one packet into its flow, creating the flow if needed. Returns nil when the packet
    /// cannot be attributed (a later fragment whose first fragment was not seen).
    ///
    /// - Parameter scope: for a packet inside an encapsulation, its carrier's scope
    ///   (`FlowKey.scope(carrier:)`), so each tunnel's conversations are flows of their own.
    @discardableResult
    public func add(_ packet: DecodedPacket, timestamp: Timestamp, wireLength: Int, scope: UInt32 = 0) -> FlowUpdate? {
        statistics.packets += 1
        var sourcePort: UInt16 = 0
        var destinationPort: UInt16 = 0
        if packet.ipProtocol.hasPorts {
            switch packet.fragment {
            case .none:
                sourcePort = packet.sourcePort
                destinationPort = packet.destinationPort
            case .first(let identification):
                sourcePort = packet.sourcePort
                destinationPort = packet.destinationPort
                fragments.remember(packet, identification: identification)
            case .later(let identification):
                guard let ports = fragments.ports(for: packet, identification: identification) else {
                    statistics.unattributedFragments += 1
                    return nil
                }
                (sourcePort, destinationPort) = ports
            }
        }
        if let idleTimeout = configuration.idleTimeout { expireIdle(now: timestamp, idleTimeout: idleTimeout) }

        let (key, lowToHigh) = FlowKey.forPacket(packet, sourcePort: sourcePort, destinationPort: destinationPort, scope: scope)
        let hash = key.tableHash
        var index = find(key, hash: hash)
        var isNew = false
        if index >= 0, let activeTimeout = configuration.activeTimeout,
           timestamp.seconds(since: entries[Int(index)].firstSeen) > activeTimeout {
            statistics.flowsEndedActive += 1
            end(index, reason: .active)
            index = -1
        }
        if index < 0 {
            index = insert(key, hash: hash, initiatorIsLow: lowToHigh, timestamp: timestamp)
            isNew = true
        }

        let entry = entries + Int(index)
        let length = UInt64(max(0, wireLength))  // a damaged record can claim less than its headers
        let isForward = lowToHigh == entry.pointee.initiatorIsLow
        entry.pointee.lastSeen = max(entry.pointee.lastSeen, timestamp)
        let packetsInDirection: UInt64
        if lowToHigh {
            entry.pointee.lowToHigh.packets &+= 1
            entry.pointee.lowToHigh.bytes &+= length
            entry.pointee.lowToHigh.tcpFlags |= packet.tcpFlags
            if case .later = packet.fragment { entry.pointee.lowToHigh.laterFragments &+= 1 }
            packetsInDirection = entry.pointee.lowToHigh.packets
        } else {
            entry.pointee.highToLow.packets &+= 1
            entry.pointee.highToLow.bytes &+= length
            entry.pointee.highToLow.tcpFlags |= packet.tcpFlags
            if case .later = packet.fragment { entry.pointee.highToLow.laterFragments &+= 1 }
            packetsInDirection = entry.pointee.highToLow.packets
        }
        if !isNew { touch(index) }
        return FlowUpdate(handle: FlowHandle(index: index), isNew: isNew, isForward: isForward, packetInDirection: packetsInDirection)
    }

    /// The id of a live flow.
    public func id(of handle: FlowHandle) -> UInt64 {
        entries[Int(handle.index)].id
    }

    /// The current state of a live flow.
    public func record(_ handle: FlowHandle) -> FlowRecord {
        entries[Int(handle.index)].record(reason: .endOfCapture)
    }

    /// Ends every live flow (reason `endOfCapture`), oldest activity first.
    public func finish() {
        while leastRecent >= 0 { end(leastRecent, reason: .endOfCapture) }
    }

    /// The live flows' handles, so an owner can end them in an order of its own (`end(_:)`).
    public var liveHandles: [FlowHandle] {
        var handles: [FlowHandle] = []
        handles.reserveCapacity(liveFlowCount)
        var index = leastRecent
        while index >= 0 {
            handles.append(FlowHandle(index: index))
            index = entries[Int(index)].newer
        }
        return handles
    }

    /// Ends one live flow now (reason `endOfCapture`); its handle is free for reuse afterwards.
    public func end(_ handle: FlowHandle) {
        end(handle.index, reason: .endOfCapture)
    }

    // MARK: - Table mechanics

    private func find(_ key: FlowKey, hash: UInt64) -> Int32 {
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while true {
            let index = slots[slot]
            if index < 0 { return -1 }
            if entries[Int(index)].hash == UInt32(truncatingIfNeeded: hash), entries[Int(index)].key == key { return index }
            slot = (slot + 1) & slotMask
        }
    }

    private func insert(_ key: FlowKey, hash: UInt64, initiatorIsLow: Bool, timestamp: Timestamp) -> Int32 {
        if liveFlowCount >= configuration.maximumFlows, leastRecent >= 0 {
            statistics.flowsEvictedForCapacity += 1
            end(leastRecent, reason: .capacity)
        }
        if (liveFlowCount + 1) * 2 > slotMask + 1 { growSlots() }
        let index = allocateEntry()
        let entry = FlowEntry(
            key: key, hash: UInt32(truncatingIfNeeded: hash), id: ids.next(), firstSeen: timestamp, lastSeen: timestamp,
            initiatorIsLow: initiatorIsLow
        )
        (entries + Int(index)).pointee = entry
        var slot = Int(truncatingIfNeeded: hash) & slotMask
        while slots[slot] >= 0 { slot = (slot + 1) & slotMask }
        slots[slot] = index
        appendToRecency(index)
        liveFlowCount += 1
        statistics.flowsCreated += 1
        statistics.peakLiveFlows = max(statistics.peakLiveFlows, liveFlowCount)
        return index
    }

    private func allocateEntry() -> Int32 {
        if freeList >= 0 {
            let index = freeList
            freeList = entries[Int(index)].newer
            return index
        }
        if initializedEntries == entryCapacity {
            // realloc, not allocate-copy-free: a large block grows in place by remapping its
            // pages, so growing never holds the old and the new array at once. Entries are
            // plain bytes (no references), so moving them as bytes is a valid move.
            let newCapacity = min(entryCapacity * 2, configuration.maximumFlows + 1)
            guard let grown = realloc(entries, newCapacity * MemoryLayout<FlowEntry>.stride) else {
                fatalError("out of memory growing the flow table to \(newCapacity) flows")
            }
            entries = grown.bindMemory(to: FlowEntry.self, capacity: newCapacity)
            entryCapacity = newCapacity
        }
        (entries + initializedEntries).initialize(to: FlowEntry.unused)
        initializedEntries += 1
        return Int32(initializedEntries - 1)
    }

    private func growSlots() {
        let newCount = (slotMask + 1) * 2
        slots.deallocate()
        slots = .allocate(capacity: newCount)
        slots.initialize(repeating: -1, count: newCount)
        slotMask = newCount - 1
        var index = leastRecent
        while index >= 0 {
            var slot = Int(entries[Int(index)].hash) & slotMask
            while slots[slot] >= 0 { slot = (slot + 1) & slotMask }
            slots[slot] = index
            index = entries[Int(index)].newer
        }
    }

    /// Removes a live flow: reports it, frees its slot (backward-shift deletion keeps every probe
    /// chain unbroken) and returns its entry to the free list.
    private func end(_ index: Int32, reason: FlowEndReason) {
        let entry = entries[Int(index)]
        onFlowEnd(entry.record(reason: reason), FlowHandle(index: index))

        var slot = Int(entry.hash) & slotMask
        while slots[slot] != index { slot = (slot + 1) & slotMask }
        var hole = slot
        var probe = slot
        while true {
            probe = (probe + 1) & slotMask
            let moved = slots[probe]
            if moved < 0 { break }
            let home = Int(entries[Int(moved)].hash) & slotMask
            // Move `moved` into the hole unless its home lies cyclically in (hole, probe].
            let homeIsBetween = hole <= probe ? (home > hole && home <= probe) : (home > hole || home <= probe)
            if !homeIsBetween {
                slots[hole] = moved
                hole = probe
            }
        }
        slots[hole] = -1

        unlinkFromRecency(index)
        entries[Int(index)].newer = freeList
        freeList = index
        liveFlowCount -= 1
    }

    private func expireIdle(now: Timestamp, idleTimeout: Double) {
        while leastRecent >= 0 {
            let idleSince = entries[Int(leastRecent)].lastSeen
            guard now.seconds(since: idleSince) > idleTimeout else { return }
            statistics.flowsEndedIdle += 1
            end(leastRecent, reason: .idle)
        }
    }

    // MARK: - Recency list

    private func appendToRecency(_ index: Int32) {
        entries[Int(index)].older = mostRecent
        entries[Int(index)].newer = -1
        if mostRecent >= 0 { entries[Int(mostRecent)].newer = index } else { leastRecent = index }
        mostRecent = index
    }

    private func unlinkFromRecency(_ index: Int32) {
        let older = entries[Int(index)].older
        let newer = entries[Int(index)].newer
        if older >= 0 { entries[Int(older)].newer = newer } else { leastRecent = newer }
        if newer >= 0 { entries[Int(newer)].older = older } else { mostRecent = older }
    }

    private func touch(_ index: Int32) {
        guard mostRecent != index else { return }
        unlinkFromRecency(index)
        appendToRecency(index)
    }
}

/// Hands out flow ids in creation order.
///
/// One reader numbers flows 1, 2, 3... Flow tables on several threads cannot share a counter
/// and stay deterministic, so each numbers a flow by the packet that opened it instead
/// (`openingPacket`): ids still follow creation order and never repeat, whatever the threads.
public final class FlowIDSequence {
    // Used from one thread, on every packet: no dynamic exclusivity checks.
    @exclusivity(unchecked) private var last: UInt64 = 0
    private let layer: UInt64?
    private let reader: UInt64
    private let readers: UInt64
    /// The number of the packet being added, read when it opens a flow (opening-packet ids only).
    @exclusivity(unchecked) public var openingPacket = 0

    /// Consecutive ids from 1.
    public init() {
        layer = nil
        reader = 0
        readers = 1
    }

    /// Ids `2 × (opening packet × readers + reader) + layer`: layer 0 for outer flows, 1 for
    /// flows inside an encapsulation (an outer flow and the inner flow its first packet carries
    /// differ); `reader` tells apart the capture handles of one fanout group, which number their
    /// packets each from 1.
    public init(openingPacketIdsForLayer layer: Int, reader: Int = 0, readers: Int = 1) {
        precondition(layer == 0 || layer == 1, "a flow id has one bit for its layer")
        precondition(reader >= 0 && reader < readers, "reader \(reader) of \(readers)")
        self.layer = UInt64(layer)
        self.reader = UInt64(reader)
        self.readers = UInt64(readers)
    }

    public func next() -> UInt64 {
        if let layer { return (UInt64(openingPacket) &* readers &+ reader) << 1 | layer }
        last += 1
        return last
    }
}

/// Refers to a live flow while it is in the table; reused after the flow ends.
public struct FlowHandle: Hashable, Sendable {
    /// The flow's slot in the table; owners index their per-flow state by it.
    public var index: Int32

    public init(index: Int32) {
        self.index = index
    }
}

/// What adding one packet did.
public struct FlowUpdate: Sendable {
    public var handle: FlowHandle
    /// This packet opened the flow.
    public var isNew: Bool
    /// The packet travels from the flow's initiator to its responder.
    public var isForward: Bool
    /// 1 for the first packet in this packet's direction, 2 for the second...
    public var packetInDirection: UInt64
}

/// One live flow's fixed-size storage: 128 bytes. Fields are ordered so the small ones fill the
/// gaps alignment leaves (`testAFlowEntryFitsInTwoCacheLines` holds the size).
struct FlowEntry {
    var key: FlowKey
    var hash: UInt32
    var id: UInt64
    var firstSeen: Timestamp
    var lastSeen: Timestamp
    var lowToHigh = DirectionCounters()
    var initiatorIsLow: Bool
    /// Neighbours in the recency list (older is nearer to eviction); `newer` links the free list.
    var older: Int32 = -1
    var newer: Int32 = -1
    var highToLow = DirectionCounters()

    init(key: FlowKey, hash: UInt32, id: UInt64, firstSeen: Timestamp, lastSeen: Timestamp, initiatorIsLow: Bool) {
        self.key = key
        self.hash = hash
        self.id = id
        self.firstSeen = firstSeen
        self.lastSeen = lastSeen
        self.initiatorIsLow = initiatorIsLow
    }

    static let unused = FlowEntry(
        key: FlowKey(lowAddress: IPAddress(high: 0, low: 0), highAddress: IPAddress(high: 0, low: 0), lowPort: 0,
                     highPort: 0, ipProtocol: IPProtocol(0), vlan: FlowKey.noVLAN),
        hash: 0, id: 0, firstSeen: Timestamp(nanoseconds: 0), lastSeen: Timestamp(nanoseconds: 0), initiatorIsLow: true
    )

    func record(reason: FlowEndReason) -> FlowRecord {
        FlowRecord(
            id: id, ipProtocol: key.ipProtocol, vlan: key.vlan == FlowKey.noVLAN ? nil : key.vlan,
            source: initiatorIsLow ? key.lowAddress : key.highAddress,
            sourcePort: initiatorIsLow ? key.lowPort : key.highPort,
            destination: initiatorIsLow ? key.highAddress : key.lowAddress,
            destinationPort: initiatorIsLow ? key.highPort : key.lowPort,
            forward: initiatorIsLow ? lowToHigh : highToLow,
            reverse: initiatorIsLow ? highToLow : lowToHigh,
            firstSeen: firstSeen, lastSeen: lastSeen, endReason: reason
        )
    }
}
