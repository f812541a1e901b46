/// How to open a live interface. The defaults suit a gateway: not promiscuous, whole frames,
/// packets delivered as they arrive.
public struct LiveCaptureOptions: Sendable {
    public var snapLength: Int32 = 262_144
    public var promiscuous = false
    public var immediateMode = true
    /// Kernel buffer size in bytes; nil keeps libpcap's default.
    public var bufferSize: Int32?
    /// A BPF filter expression (pcap-filter(7)); nil captures everything.
    public var filter: String?
    /// How long to capture; nil captures until stopped.
    public var duration: Double?

    public init(
        snapLength: Int32 = 262_144, promiscuous: Bool = false, immediateMode: Bool = true,
        bufferSize: Int32? = nil, filter: String? = nil, duration: Double? = nil
    ) {
        self.snapLength = snapLength
        self.promiscuous = promiscuous
        self.immediateMode = immediateMode
        self.bufferSize = bufferSize
        self.filter = filter
        self.duration = duration
    }
}
