import CPcap

#if canImport(Glibc)
import Glibc
#endif

/// Several capture handles on one interface joined in a Linux `PACKET_FANOUT` group, so the
/// kernel spreads the interface's packets over them and each can be read by its own thread.
///
/// The group hashes each packet's flow symmetrically (both directions of a conversation reach
/// the same handle) and reassembles IP fragments before hashing (`PACKET_FANOUT_FLAG_DEFRAG`),
/// so a handle always sees whole flows (packet(7)). Each handle keeps libpcap's memory-mapped
/// receive ring of its own.
public enum FanoutGroup {
    // From <linux/if_packet.h>, which the Glibc module does not export (packet(7)).
    private static let packetFanout: Int32 = 18
    private static let fanoutHash: UInt32 = 0
    private static let flagDefragment: UInt32 = 0x8000

    /// Opens `members` handles on `interface` with the same options, joined in one new group.
    public static func open(interface: String, options: LiveCaptureOptions, members: Int) throws(CaptureError) -> [PacketSource] {
        precondition(members >= 1, "a fanout group has at least one member")
        guard members > 1 else { return [try PacketSource.open(interface: interface, options: options)] }
        // Group ids are shared by the whole network namespace: start from one derived from the
        // process and try the next when another process already owns it with other settings.
        var lastReason = ""
        for attempt in 0..<16 {
            let group = UInt16(truncatingIfNeeded: Int(getpid()) &* 31 &+ attempt)
            var sources: [PacketSource] = []
            do throws(CaptureError) {
                for _ in 0..<members {
                    let source = try PacketSource.open(interface: interface, options: options)
                    try join(source, group: group)
                    sources.append(source)
                }
                return sources
            } catch .cannotOpen(_, let reason) where reason.hasPrefix("fanout group") {
                lastReason = reason
                continue
            }
        }
        throw .cannotOpen(source: interface, reason: lastReason)
    }

    private static func join(_ source: PacketSource, group: UInt16) throws(CaptureError) {
        var argument = UInt32(group) | (fanoutHash | flagDefragment) << 16
        let status = source.withDescriptor { descriptor in
            setsockopt(descriptor, SOL_PACKET, packetFanout, &argument, socklen_t(MemoryLayout<UInt32>.size))
        }
        guard status == 0 else {
            throw .cannotOpen(source: source.name, reason: "fanout group \(group): \(String(cString: strerror(errno)))")
        }
    }
}
