import CPcap
import FileSupport
import Packets

#if canImport(Glibc)
import Glibc
#endif

/// Packets from a capture file (pcap or pcapng) or a live interface, read through libpcap.
///
/// The one place that talks to libpcap. Packets are handed out one at a time with their bytes
/// still in libpcap's buffer, so reading costs no copy beyond libpcap's own.
public final class PacketSource {
    /// What is being read, for messages: a file path or an interface name.
    public let name: String
    public let linkType: LinkType
    public let isLive: Bool

    private let handle: OpaquePointer
    private let file: UnsafeMutablePointer<FILE>?
    /// The stdio buffer libpcap reads a file through (`readBufferSize`), freed after the file.
    private var readBuffer: UnsafeMutablePointer<CChar>?

    /// libpcap reads a file record by record through stdio, whose default buffer is one
    /// filesystem block (4 KiB): a system call every few packets. A 1 MiB buffer makes it one
    /// per ~1,500 average packets.
    static let readBufferSize = 1 << 20
    /// How long each `forEach` on a live interface reads; a daemon that keeps one handle open
    /// across capture windows sets it before each window. Nil reads until stopped.
    public var duration: Double?
    // Read on every packet: one reading thread owns these, so dynamic exclusivity checks buy
    // nothing (`stop()` from a signal handler's thread only ever sets the flag).
    @exclusivity(unchecked) private var packetsRead = 0
    @exclusivity(unchecked) private nonisolated(unsafe) var stopRequested = false

    private init(name: String, handle: OpaquePointer, file: UnsafeMutablePointer<FILE>?, isLive: Bool, duration: Double?) {
        self.name = name
        self.handle = handle
        self.file = file
        self.isLive = isLive
        self.duration = duration
        self.linkType = LinkType(rawValue: pcap_datalink(handle))
    }

    deinit {
        pcap_close(handle)  // also closes `file`
        readBuffer?.deallocate()
    }

    /// Opens a capture file. Timestamps keep nanosecond precision where the file has it.
    public static func open(file path: String, filter: String? = nil) throws(CaptureError) -> PacketSource {
        // O_NONBLOCK: a FIFO opens at once even with no writer (reading it then ends at once,
        // as an empty file), instead of waiting forever; a writer already waiting streams as usual.
        let descriptor = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard descriptor >= 0 else {
            throw .cannotOpen(source: path, reason: String(cString: strerror(errno)))
        }
        var info = stat()
        guard fstat(descriptor, &info) == 0 else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .cannotOpen(source: path, reason: reason)
        }
        let kind = FileKind(mode: info.st_mode)
        guard kind == .regular || kind == .fifo || kind == .characterDevice else {
            close(descriptor)
            throw .cannotOpen(source: path, reason: FileSystemError(path: path, operation: .read, problem: .wrongKind(kind, expected: .regular)).reason)
        }
        _ = fcntl(descriptor, F_SETFL, fcntl(descriptor, F_GETFL) & ~O_NONBLOCK)
        guard let file = fdopen(descriptor, "rb") else {
            let reason = String(cString: strerror(errno))
            close(descriptor)
            throw .cannotOpen(source: path, reason: reason)
        }
        // Before any read on the stream, as setvbuf requires.
        let readBuffer = UnsafeMutablePointer<CChar>.allocate(capacity: readBufferSize)
        setvbuf(file, readBuffer, _IOFBF, readBufferSize)
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_fopen_offline_with_tstamp_precision(
            file, UInt32(PCAP_TSTAMP_PRECISION_NANO), &errorBuffer
        ) else {
            fclose(file)
            readBuffer.deallocate()
            throw .notACapture(path: path, reason: message(errorBuffer))
        }
        let source = PacketSource(name: path, handle: handle, file: file, isLive: false, duration: nil)
        source.readBuffer = readBuffer
        try source.checkLinkType()
        if let filter { try source.apply(filter: filter) }
        return source
    }

    /// Opens a live interface (needs CAP_NET_RAW) with the given options.
    public static func open(interface: String, options: LiveCaptureOptions = LiveCaptureOptions()) throws(CaptureError) -> PacketSource {
        var errorBuffer = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        guard let handle = pcap_create(interface, &errorBuffer) else {
            throw .cannotOpen(source: interface, reason: message(errorBuffer))
        }
        pcap_set_snaplen(handle, options.snapLength)
        pcap_set_promisc(handle, options.promiscuous ? 1 : 0)
        pcap_set_immediate_mode(handle, options.immediateMode ? 1 : 0)
        pcap_set_timeout(handle, 100)  // ms: wake up often enough to honour the capture window
        pcap_set_tstamp_precision(handle, Int32(PCAP_TSTAMP_PRECISION_NANO))
        if let bufferSize = options.bufferSize { pcap_set_buffer_size(handle, bufferSize) }
        let status = pcap_activate(handle)
        if status < 0 {
            let reason = String(cString: pcap_geterr(handle))
            let summary = String(cString: pcap_statustostr(status))
            pcap_close(handle)
            throw .cannotOpen(source: interface, reason: reason.isEmpty ? summary : "\(summary): \(reason)")
        }
        // Non-blocking reads plus poll(2) keep the capture window exact: in immediate mode
        // libpcap ignores its read timeout and would block until a packet came.
        var nonBlockError = [CChar](repeating: 0, count: Int(PCAP_ERRBUF_SIZE))
        pcap_setnonblock(handle, 1, &nonBlockError)
        let source = PacketSource(name: interface, handle: handle, file: nil, isLive: true, duration: options.duration)
        try source.checkLinkType()
        if let filter = options.filter { try source.apply(filter: filter) }
        return source
    }

    /// Runs `body` with the live handle's socket (for socket options libpcap does not set).
    func withDescriptor<Result>(_ body: (Int32) -> Result) -> Result {
        body(pcap_fileno(handle))
    }

    private func checkLinkType() throws(CaptureError) {
        guard linkType.isSupported else { throw .unsupportedLinkType(source: name, linkType: linkType) }
    }

    private func apply(filter expression: String) throws(CaptureError) {
        var program = bpf_program()
        guard pcap_compile(handle, &program, expression, 1, PCAP_NETMASK_UNKNOWN) == 0 else {
            throw .invalidFilter(expression: expression, reason: String(cString: pcap_geterr(handle)))
        }
        defer { pcap_freecode(&program) }
        guard pcap_setfilter(handle, &program) == 0 else {
            throw .invalidFilter(expression: expression, reason: String(cString: pcap_geterr(handle)))
        }
    }

    /// Drops the packets waiting in a live handle's buffer (those that arrived between two capture
    /// windows) and returns how many; a file is left alone.
    @discardableResult
    public func discardPending() -> Int {
        guard isLive else { return 0 }
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        var discarded = 0
        while pcap_next_ex(handle, &header, &data) == 1 { discarded += 1 }
        return discarded
    }

    /// Asks a running `forEach` to return after the current packet. Safe from a signal handler's
    /// thread (it calls `pcap_breakloop`).
    public func stop() {
        stopRequested = true
        pcap_breakloop(handle)
    }

    /// Hands each packet to `body` until the file ends, the capture window closes, `stop()` is
    /// called, or `body` returns false. Packets delivered before an error stay delivered; the
    /// error then says which record failed.
    @discardableResult
    public func forEach(_ body: (CapturedPacket) -> Bool) throws(CaptureError) -> CaptureStatistics {
        stopRequested = false
        var header: UnsafeMutablePointer<pcap_pkthdr>?
        var data: UnsafePointer<UInt8>?
        let deadline = duration.map { monotonicSeconds() + $0 }
        loop: while true {
            let status = pcap_next_ex(handle, &header, &data)
            switch status {
            case 1:
                packetsRead += 1
                let record = header!.pointee
                let timestamp = Timestamp(seconds: Int64(record.ts.tv_sec), nanoseconds: Int64(record.ts.tv_usec))
                let packet = CapturedPacket(
                    number: packetsRead, timestamp: timestamp, wireLength: Int(record.len),
                    bytes: UnsafeRawBufferPointer(start: data, count: Int(record.caplen))
                )
                if !body(packet) { break loop }
            case 0:
                // Live capture, nothing waiting: sleep until a packet or 100 ms have passed.
                var descriptor = pollfd(fd: pcap_get_selectable_fd(handle), events: Int16(POLLIN), revents: 0)
                _ = poll(&descriptor, 1, 100)
            case PCAP_ERROR_BREAK:
                break loop  // end of file, or stop()
            default:
                let reason = String(cString: pcap_geterr(handle))
                if isLive {
                    throw .captureFailed(interface: name, packetNumber: packetsRead + 1, reason: reason)
                }
                let offset = file.map { Int(ftell($0)) }.flatMap { $0 >= 0 ? $0 : nil }
                throw .badRecord(path: name, packetNumber: packetsRead + 1, byteOffset: offset, reason: reason)
            }
            if stopRequested { break }
            if let deadline, monotonicSeconds() >= deadline { break }
        }
        return statistics()
    }

    /// Counts so far; for live captures, libpcap's received and dropped counters too.
    public func statistics() -> CaptureStatistics {
        var result = CaptureStatistics(packetsRead: packetsRead)
        guard isLive else { return result }
        var stats = pcap_stat()
        if pcap_stats(handle, &stats) == 0 {
            result.received = Int(stats.ps_recv)
            result.droppedByKernel = Int(stats.ps_drop)
            result.droppedByInterface = Int(stats.ps_ifdrop)
        }
        return result
    }
}

/// The text libpcap left in an error buffer.
private func message(_ buffer: [CChar]) -> String {
    String(decoding: buffer.prefix { $0 != 0 }.map { UInt8(bitPattern: $0) }, as: UTF8.self)
}

private func monotonicSeconds() -> Double {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return Double(now.tv_sec) + Double(now.tv_nsec) / 1e9
}
