import Detection
import Flows
import Packets

/// The `flows --format jsonl` line: one JSON object per flow, fields as documented in
/// `schemas/flow.schema.json` (version 1). Fields are only ever added, never renamed.
public enum FlowJSONLines {
    public static let schemaVersion = 1

    /// One line (without the newline) for `record`, read from the capture named `source`.
    public static func line(for flow: AnalyzedFlow, source: String) -> String {
        let buffer = ASCIIBuffer(capacity: 512)
        append(flow, source: source, to: buffer)
        return String(decoding: buffer.bytes, as: UTF8.self)
    }

    /// Appends the line for `record` and its newline to `buffer`.
    public static func append(_ flow: AnalyzedFlow, source: String, to buffer: ASCIIBuffer, newline: Bool = false) {
        let record = flow.record
        buffer.append("{\"capture\":")
        buffer.append(jsonString: source)
        buffer.append(",\"id\":")
        buffer.append(decimal: record.id)
        buffer.append(",\"proto\":\"")
        if let name = record.ipProtocol.keyword { buffer.append(name) } else { buffer.append(decimal: record.ipProtocol.rawValue) }
        buffer.append("\",\"src\":\"")
        buffer.append(address: record.source)
        buffer.append("\",\"sport\":")
        buffer.append(decimal: record.sourcePort)
        buffer.append(",\"dst\":\"")
        buffer.append(address: record.destination)
        buffer.append("\",\"dport\":")
        buffer.append(decimal: record.destinationPort)
        buffer.append(",\"packets_fwd\":")
        buffer.append(decimal: record.forward.packets)
        buffer.append(",\"bytes_fwd\":")
        buffer.append(decimal: record.forward.bytes)
        buffer.append(",\"packets_rev\":")
        buffer.append(decimal: record.reverse.packets)
        buffer.append(",\"bytes_rev\":")
        buffer.append(decimal: record.reverse.bytes)
        if record.forward.laterFragments + record.reverse.laterFragments > 0 {
            buffer.append(",\"later_fragments_fwd\":")
            buffer.append(decimal: record.forward.laterFragments)
            buffer.append(",\"later_fragments_rev\":")
            buffer.append(decimal: record.reverse.laterFragments)
        }
        if record.ipProtocol == .tcp {
            buffer.append(",\"tcp_flags_fwd\":")
            buffer.append(decimal: record.forward.tcpFlags)
            buffer.append(",\"tcp_flags_rev\":")
            buffer.append(decimal: record.reverse.tcpFlags)
        }
        buffer.append(",\"first\":\"")
        buffer.append(timestamp: record.firstSeen)
        buffer.append("\",\"last\":\"")
        buffer.append(timestamp: record.lastSeen)
        buffer.append("\",\"vlan\":")
        if let vlan = record.vlan { buffer.append(decimal: vlan) } else { buffer.append("null") }
        buffer.append(",\"end\":\"")
        buffer.append(record.endReason.keyword)
        buffer.append("\"")
        buffer.append(",\"via\":")
        if let via = flow.via { buffer.append(decimal: via) } else { buffer.append("null") }
        if let encapsulation = flow.encapsulation {
            buffer.append(",\"encapsulation\":")
            buffer.append(jsonString: encapsulation.rawValue)
        }
        buffer.append(",\"tunnel\":")
        if let tunnel = flow.tunnel {
            buffer.append("{\"family\":")
            buffer.append(jsonString: tunnel.family.id)
            buffer.append(",\"class\":")
            buffer.append(jsonString: tunnel.family.tunnelClass.rawValue)
            buffer.append(",\"product\":")
            if let product = tunnel.product { buffer.append(jsonString: product) } else { buffer.append("null") }
            buffer.append(",\"confidence\":")
            buffer.append(jsonString: tunnel.confidence.rawValue)
            buffer.append(",\"evidence\":")
            buffer.append(jsonString: tunnel.evidence)
            buffer.append("}}")
        } else {
            buffer.append("null}")
        }
        if newline { buffer.append(byte: 0x0A) }
    }
}

extension FlowEndReason {
    /// The `end` field's value.
    var keyword: StaticString {
        switch self {
        case .idle: "idle"
        case .active: "active"
        case .capacity: "capacity"
        case .endOfCapture: "end-of-capture"
        }
    }
}

/// The `flows --format table` view: aligned columns a person can scan.
public enum FlowTableFormatter {
    public static let header = ["#", "PROTO", "SOURCE", "DESTINATION", "PKTS>", "BYTES>", "PKTS<", "BYTES<", "FIRST", "SECONDS", "VLAN", "TUNNEL"]

    public static func row(for flow: AnalyzedFlow) -> [String] {
        let record = flow.record
        func endpoint(_ address: IPAddress, _ port: UInt16) -> String {
            guard record.ipProtocol.hasPorts else { return address.description }
            return address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
        }
        let seconds = record.lastSeen.seconds(since: record.firstSeen)
        return [
            flow.via.map { "\($0)>\(record.id)" } ?? String(record.id), record.ipProtocol.description,
            endpoint(record.source, record.sourcePort), endpoint(record.destination, record.destinationPort),
            String(record.forward.packets), String(record.forward.bytes),
            String(record.reverse.packets), String(record.reverse.bytes),
            String(record.firstSeen.iso8601.dropLast(8)) + "Z",
            String(Double(Int(seconds * 1000)) / 1000), record.vlan.map { String($0) } ?? "-",
            flow.tunnel.map { "\($0.family)" + ($0.product.map { " (\($0))" } ?? "") + " [\($0.confidence.rawValue)]" } ?? "-",
        ]
    }

    /// The header and rows, each column padded to its widest cell; numbers right-aligned.
    public static func render(_ flows: [AnalyzedFlow]) -> String {
        let rows = [header] + flows.map(row(for:))
        var widths = [Int](repeating: 0, count: header.count)
        for row in rows { for (column, cell) in row.enumerated() { widths[column] = max(widths[column], cell.count) } }
        let numeric: Set<Int> = [0, 4, 5, 6, 7, 9]
        var output = ""
        for row in rows {
            let cells = row.enumerated().map { column, cell in
                let padding = String(repeating: " ", count: widths[column] - cell.count)
                return numeric.contains(column) ? padding + cell : cell + padding
            }
            output += cells.joined(separator: "  ").trimmingTrailingSpaces() + "\n"
        }
        return output
    }
}

extension String {
    fileprivate func trimmingTrailingSpaces() -> String {
        var copy = self
        while copy.last == " " { copy.removeLast() }
        return copy
    }
}
