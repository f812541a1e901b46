import Geo
import Inventory

/// One logical path out of (or within) the country: what the configuration and the traffic say
/// about it, merged. Its id is stable across audits: a hash of technology and both ends.
public struct Circuit: Sendable, Equatable, Codable {
    public enum Origin: String, Sendable, Codable {
        case configuredAndSeen = "configured-and-seen"
        case configuredIdle = "configured-but-idle"
        case seenUnconfigured = "seen-but-unconfigured"
    }

    public var id: String
    public var technology: String
    public var role: ConfigItem.Role
    public var origin: Origin
    public var name: String
    public var interface: String?
    /// The gateway's end: listening ports or local addresses, as configured.
    public var local: [NetworkEndpoint]
    /// The far end as configured or seen.
    public var remote: [NetworkEndpoint]
    /// The far end's address when it is known (configured as an address, or seen in traffic).
    public var remoteAddress: String?
    public var remoteLocation: Location?
    public var localLocation: Location?
    /// Detection's verdict on the circuit's traffic, when it was seen.
    public var tunnel: TunnelSummary?
    /// Inside hosts that sent traffic into the circuit (initiators of its flows).
    public var insideHosts: [String]
    /// Distinct outside addresses that opened sessions to a listener of the gateway.
    public var externalSources: [String]
    /// Networks the gateway translates or forwards into this circuit.
    public var translatedNetworks: [String]
    public var networks: [String]
    public var packets: UInt64
    public var bytes: UInt64
    public var firstSeen: String?
    public var lastSeen: String?
    /// Remote AS number for BGP hand-offs.
    public var remoteAS: UInt32?
    /// The configuration items and flows it was built from, with their sources.
    public var configuration: [ConfigItem]
    public var flows: [FlowReference]
}

/// Detection's verdict, as the audit keeps it.
public struct TunnelSummary: Sendable, Equatable, Codable {
    public var family: String
    public var tunnelClass: String
    public var product: String?
    public var confidence: String
    public var evidence: String

    enum CodingKeys: String, CodingKey { case family, tunnelClass = "class", product, confidence, evidence }
}

/// A flow the circuit rests on: enough to find it again in the capture (never payload).
public struct FlowReference: Sendable, Equatable, Codable {
    public var capture: String
    public var flow: UInt64
    public var proto: String
    public var source: String
    public var sourcePort: UInt16
    public var destination: String
    public var destinationPort: UInt16
    public var packets: UInt64
    public var bytes: UInt64
    public var first: String
    public var last: String
    public var tunnel: TunnelSummary?

    enum CodingKeys: String, CodingKey {
        case capture, flow, proto, source = "src", sourcePort = "sport", destination = "dst", destinationPort = "dport", packets, bytes, first, last, tunnel
    }

    public var description: String { "\(capture) flow \(flow): \(proto) \(source):\(sourcePort) -> \(destination):\(destinationPort)" }
}

/// A stable short id from text (FNV-1a 64): the same circuit gets the same id in every audit.
func stableID(_ parts: [String]) -> String {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in parts.joined(separator: "|").utf8 {
        hash ^= UInt64(byte)
        hash &*= 0x0000_0100_0000_01B3
    }
    let hex = String(hash, radix: 16)
    return "C-" + String(repeating: "0", count: 16 - hex.count) + hex
}
