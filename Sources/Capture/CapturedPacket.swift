import Packets

/// One record handed out by a `PacketSource`.
///
/// `bytes` points into libpcap's buffer and is valid only during the call that receives it:
/// decode it there, copy nothing.
public struct CapturedPacket {
    /// 1-based position in the file or live capture.
    public var number: Int
    public var timestamp: Timestamp
    /// The frame's length on the wire, which may exceed what was captured.
    public var wireLength: Int
    public var bytes: UnsafeRawBufferPointer

    @inlinable
    public init(number: Int, timestamp: Timestamp, wireLength: Int, bytes: UnsafeRawBufferPointer) {
        self.number = number
        self.timestamp = timestamp
        self.wireLength = wireLength
        self.bytes = bytes
    }
}

/// What a live capture's kernel buffer and interface reported (`pcap_stats`), so an audit can
/// say how complete its traffic evidence is.
public struct CaptureStatistics: Sendable, Equatable {
    public var packetsRead: Int
    /// Packets the kernel saw, dropped for lack of buffer space, and dropped by the interface;
    /// nil for files.
    public var received: Int?
    public var droppedByKernel: Int?
    public var droppedByInterface: Int?

    public init(packetsRead: Int, received: Int? = nil, droppedByKernel: Int? = nil, droppedByInterface: Int? = nil) {
        self.packetsRead = packetsRead
        self.received = received
        self.droppedByKernel = droppedByKernel
        self.droppedByInterface = droppedByInterface
    }
}
