import Capture
import Flows
import Packets

#if canImport(Glibc)
import Glibc
#endif

/// Spreads one reader's packets over worker threads, each with its own flow tables and
/// detectors, so no flow state is shared and no lock is taken per packet.
///
/// A packet goes to the worker chosen by a symmetric hash of its two IP addresses: both
/// directions of a flow, every fragment of a datagram (later fragments carry no ports), the
/// flows inside an encapsulation and the companion channels of a VPN session (which link only
/// flows between the same two hosts) all meet in one worker. The reader decodes each frame (it
/// needs the addresses anyway), copies it into the worker's current batch and hands over full
/// batches; a fixed set of batches bounds the memory and makes a slow worker slow the reader
/// down rather than queue without end. A worker's thread starts with its first full batch, so
/// a small capture (most of a corpus of short ones) is read without starting any.
final class PacketShards {
    /// Packets per batch: large enough that a hand-over costs little per packet.
    static let packetsPerBatch = 512
    /// Batches per worker: one filling, one being worked on, two queued.
    static let batchesPerWorker = 4

    private let workers: [ShardWorker]
    /// Each worker's batch being filled. Unmanaged and unchecked: the reader alone touches
    /// these, once per packet, and reference counting there would cost more than the copy.
    @exclusivity(unchecked) private var filling: [Unmanaged<PacketBatch>]
    private let freeBatches = BlockingQueue<PacketBatch>()
    /// Batches made so far; new ones are made until each worker has `batchesPerWorker`.
    private var batchesMade: Int

    init(workers count: Int, makeFlows: (Int) -> LayeredFlows) {
        filling = (0..<count).map { _ in Unmanaged.passRetained(PacketBatch()) }
        batchesMade = count
        workers = (0..<count).map { ShardWorker(flows: makeFlows($0)) }
    }

    /// Hands one decoded packet to its worker (copied: the capture buffer is reused).
    @inline(__always)
    func add(_ decoded: DecodedPacket, _ packet: CapturedPacket) {
        let worker = Int(truncatingIfNeeded: Self.hostPairHash(decoded) % UInt64(workers.count))
        if !filling[worker]._withUnsafeGuaranteedRef({ $0.append(decoded, packet) }) {
            handOver(worker)
            _ = filling[worker]._withUnsafeGuaranteedRef { $0.append(decoded, packet) }
        }
    }

    /// Queues a worker's full batch (starting its thread the first time) and takes an empty one.
    private func handOver(_ worker: Int) {
        workers[worker].startIfNeeded(returningBatchesTo: freeBatches)
        workers[worker].queue.push(filling[worker].takeRetainedValue())
        if batchesMade < workers.count * Self.batchesPerWorker {
            batchesMade += 1
            filling[worker] = Unmanaged.passRetained(PacketBatch())
        } else {
            filling[worker] = Unmanaged.passRetained(freeBatches.pop()!)  // the free queue is never closed
        }
    }

    /// Sends the last batches, lets each worker end its flows, and waits for all of them. A
    /// worker that never filled a batch has no thread: its packets are counted here.
    func finish() -> [LayeredFlows] {
        for (index, worker) in workers.enumerated() {
            let batch = filling[index].takeRetainedValue()
            if worker.isStarted {
                if batch.count > 0 { worker.queue.push(batch) }
                worker.queue.close()
            } else {
                worker.finishHere(batch)
            }
        }
        filling = []
        return workers.map { $0.join() }
    }

    /// The same for both directions: a sum of per-address mixes commutes.
    @inline(__always)
    static func hostPairHash(_ packet: DecodedPacket) -> UInt64 {
        func mix(_ address: IPAddress) -> UInt64 {
            var hash = address.high &* 0x9E37_79B9_7F4A_7C15 ^ address.low &* 0xC2B2_AE3D_27D4_EB4F
            hash ^= hash >> 31
            hash &*= 0xBF58_476D_1CE4_E5B9
            return hash ^ hash >> 29
        }
        return mix(packet.source) &+ mix(packet.destination)
    }
}

/// One worker thread: takes batches from its queue and counts their packets into its flows.
private final class ShardWorker: @unchecked Sendable {
    // Unchecked: `flows` is touched only by the worker thread between `start` and `join`
    // (the join's memory barrier hands it back); the queue does its own locking.
    let queue = BlockingQueue<PacketBatch>()
    private let flows: LayeredFlows
    private var thread: WorkerThread?

    init(flows: LayeredFlows) {
        self.flows = flows
    }

    var isStarted: Bool { thread != nil }

    func startIfNeeded(returningBatchesTo free: BlockingQueue<PacketBatch>) {
        guard thread == nil else { return }
        thread = WorkerThread { [self] in
            let started = threadCPUSeconds()
            defer { flows.cpuSeconds = threadCPUSeconds() - started }
            while let batch = queue.pop() {
                batch.forEach { decoded, packet in flows.add(decoded, packet) }
                batch.removeAll()
                free.push(batch)
            }
            flows.finish()
        }
    }

    /// Counts a batch and ends the flows on the calling thread (a worker never started).
    func finishHere(_ batch: PacketBatch) {
        precondition(thread == nil, "a started worker owns its flows")
        batch.forEach { decoded, packet in flows.add(decoded, packet) }
        flows.finish()
    }

    func join() -> LayeredFlows {
        thread?.join()
        return flows
    }
}

/// The processor time the calling thread has used, for the summary's per-thread figures.
func threadCPUSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}

/// A POSIX thread running one closure; `join` waits for it to return.
struct WorkerThread {
    private var thread = pthread_t()

    init(_ body: @escaping () -> Void) {
        let argument = Unmanaged.passRetained(ThreadBody(body)).toOpaque()
        let status = pthread_create(&thread, nil, { argument in
            Unmanaged<ThreadBody>.fromOpaque(argument!).takeRetainedValue().run()
            return nil
        }, argument)
        precondition(status == 0, "cannot start a packet thread: \(String(cString: strerror(status)))")
    }

    func join() {
        pthread_join(thread, nil)
    }
}

private final class ThreadBody: @unchecked Sendable {
    // Unchecked: handed to exactly one new thread, which runs it once.
    let run: () -> Void
    init(_ run: @escaping () -> Void) { self.run = run }
}

/// Packets copied out of the capture buffer, with what the reader decoded of them.
final class PacketBatch: @unchecked Sendable {
    // Unchecked: a batch belongs to one thread at a time, handed over through a BlockingQueue.
    private struct Entry {
        var decoded: DecodedPacket
        var number: Int
        var timestamp: Timestamp
        var wireLength: Int
        var offset: Int
        var length: Int
    }

    // One thread at a time, touched per packet: plain memory, no dynamic exclusivity checks.
    private let entries: UnsafeMutablePointer<Entry>
    @exclusivity(unchecked) private(set) var count = 0
    @exclusivity(unchecked) private var bytes: UnsafeMutableRawPointer
    @exclusivity(unchecked) private var byteCapacity: Int
    @exclusivity(unchecked) private var used = 0

    init() {
        entries = .allocate(capacity: PacketShards.packetsPerBatch)
        byteCapacity = PacketShards.packetsPerBatch * 1024
        bytes = .allocate(byteCount: byteCapacity, alignment: 16)
    }

    deinit {
        entries.deallocate()  // Entry holds no references: nothing to deinitialize
        bytes.deallocate()
    }

    /// Copies the packet in; false when the batch is full (an empty batch takes any packet).
    @inline(__always)
    func append(_ decoded: DecodedPacket, _ packet: CapturedPacket) -> Bool {
        let length = packet.bytes.count
        if count == PacketShards.packetsPerBatch { return false }
        if used + length > byteCapacity {
            guard count == 0 else { return false }
            bytes.deallocate()
            byteCapacity = length
            bytes = .allocate(byteCount: byteCapacity, alignment: 16)
        }
        if length > 0 { (bytes + used).copyMemory(from: packet.bytes.baseAddress!, byteCount: length) }
        (entries + count).initialize(to: Entry(decoded: decoded, number: packet.number, timestamp: packet.timestamp,
                                               wireLength: packet.wireLength, offset: used, length: length))
        count += 1
        used += length
        return true
    }

    func forEach(_ body: (DecodedPacket, CapturedPacket) -> Void) {
        for index in 0..<count {
            let entry = entries[index]
            body(entry.decoded, CapturedPacket(
                number: entry.number, timestamp: entry.timestamp, wireLength: entry.wireLength,
                bytes: UnsafeRawBufferPointer(start: bytes + entry.offset, count: entry.length)))
        }
    }

    func removeAll() {
        count = 0
        used = 0
    }
}

/// A first-in first-out queue between threads; `pop` waits for an item, or returns nil once
/// the queue is closed and empty.
final class BlockingQueue<Element>: @unchecked Sendable {
    // Unchecked: every access to `items` and `closed` holds the mutex.
    private var items: [Element] = []
    private var head = 0
    private var closed = false
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let changed = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(changed, nil)
    }

    deinit {
        pthread_cond_destroy(changed)
        pthread_mutex_destroy(mutex)
        changed.deallocate()
        mutex.deallocate()
    }

    func push(_ item: Element) {
        pthread_mutex_lock(mutex)
        items.append(item)
        pthread_cond_signal(changed)
        pthread_mutex_unlock(mutex)
    }

    func pop() -> Element? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while head == items.count {
            if closed { return nil }
            pthread_cond_wait(changed, mutex)
        }
        let item = items[head]
        head += 1
        if head == items.count {
            items.removeAll(keepingCapacity: true)
            head = 0
        }
        return item
    }

    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(changed)
        pthread_mutex_unlock(mutex)
    }
}
