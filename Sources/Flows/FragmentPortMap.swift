import Packets

/// Remembers the ports of first IP fragments so later fragments, which carry no transport
/// header, are counted in the right flow.
///
/// Bounded: past `capacity` remembered datagrams the oldest half is forgotten, so a fragment
/// flood costs memory only up to the bound.
struct FragmentPortMap {
    private struct Key: Hashable {
        var source: IPAddress
        var destination: IPAddress
        var ipProtocol: UInt8
        var identification: UInt32
    }

    private var ports: [Key: (UInt16, UInt16)] = [:]
    private var order: [Key] = []
    private let capacity = 8192

    mutating func remember(_ packet: DecodedPacket, identification: UInt32) {
        let key = Key(source: packet.source, destination: packet.destination,
                      ipProtocol: packet.ipProtocol.rawValue, identification: identification)
        if ports.updateValue((packet.sourcePort, packet.destinationPort), forKey: key) == nil {
            order.append(key)
            if order.count > capacity {
                for old in order.prefix(capacity / 2) { ports[old] = nil }
                order.removeFirst(capacity / 2)
            }
        }
    }

    func ports(for packet: DecodedPacket, identification: UInt32) -> (UInt16, UInt16)? {
        ports[Key(source: packet.source, destination: packet.destination,
                  ipProtocol: packet.ipProtocol.rawValue, identification: identification)]
    }
}
