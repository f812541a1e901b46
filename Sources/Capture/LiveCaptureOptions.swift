/// How to open a live interface. The defaults suit a gateway: not promiscuous, whole frames,
/// a 32 MiB memory-mapped ring that packs packets into blocks, so bursts fit without drops.
///
/// On Linux libpcap reads through a ring shared with the kernel (PACKET_MMAP). Without
/// immediate mode it uses TPACKET_V3, whose blocks hold as many packets as fit; immediate mode
/// falls back to TPACKET_V2, one fixed slot of the snap length per packet, so a 2 MiB ring at a
/// 256 KiB snap length holds eight packets. Blocks are handed over at least every 100 ms
/// (the read timeout), which bounds the delay.
public struct LiveCaptureOptions: Sendable {
    public var snapLength: Int32 = 262_144
    public var promiscuous = false
    public var immediateMode = false
    /// Kernel ring size in bytes; nil keeps libpcap's default (2 MiB).
    public var bufferSize: Int32?
    /// A BPF filter expression (pcap-filter(7)); nil captures everything.
    public var filter: String?
    /// How long to capture; nil captures until stopped.
    public var duration: Double?

    public init(
        snapLength: Int32 = 262_144, promiscuous: Bool = false, immediateMode: Bool = false,
        bufferSize: Int32? = 32 << 20, filter: String? = nil, duration: Double? = nil
    ) {
        self.snapLength = snapLength
        self.promiscuous = promiscuous
        self.immediateMode = immediateMode
        self.bufferSize = bufferSize
        self.filter = filter
        self.duration = duration
    }
}
