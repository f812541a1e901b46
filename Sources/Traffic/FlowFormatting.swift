import Flows
import Packets

/// The `flows --format jsonl` line: one JSON object per flow, fields as documented in
/// `schemas/flow.schema.json` (version 1). Fields are only ever added, never renamed.
public enum FlowJSONLines {
    public static let schemaVersion = 1

    /// One line (without the newline) for `record`, read from the capture named `source`.
    public static func line(for record: FlowRecord, source: String) -> String {
        var line = "{\"capture\":"
        appendJSONString(source, to: &line)
        line += ",\"id\":\(record.id)"
        line += ",\"proto\":\"\(record.ipProtocol)\""
        line += ",\"src\":\"\(record.source)\",\"sport\":\(record.sourcePort)"
        line += ",\"dst\":\"\(record.destination)\",\"dport\":\(record.destinationPort)"
        line += ",\"packets_fwd\":\(record.forward.packets),\"bytes_fwd\":\(record.forward.bytes)"
        line += ",\"packets_rev\":\(record.reverse.packets),\"bytes_rev\":\(record.reverse.bytes)"
        if record.forward.laterFragments + record.reverse.laterFragments > 0 {
            line += ",\"later_fragments_fwd\":\(record.forward.laterFragments)"
            line += ",\"later_fragments_rev\":\(record.reverse.laterFragments)"
        }
        if record.ipProtocol == .tcp {
            line += ",\"tcp_flags_fwd\":\(record.forward.tcpFlags),\"tcp_flags_rev\":\(record.reverse.tcpFlags)"
        }
        line += ",\"first\":\"\(record.firstSeen.iso8601)\",\"last\":\"\(record.lastSeen.iso8601)\""
        line += ",\"vlan\":" + (record.vlan.map { String($0) } ?? "null")
        line += ",\"end\":\"\(record.endReason.rawValue)\""
        line += ",\"tunnel\":null}"
        return line
    }

    static func appendJSONString(_ text: String, to output: inout String) {
        output += "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": output += "\\\""
            case "\\": output += "\\\\"
            case "\n": output += "\\n"
            case "\r": output += "\\r"
            case "\t": output += "\\t"
            case _ where scalar.value < 0x20:
                let hex = String(scalar.value, radix: 16)
                output += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
            default: output.unicodeScalars.append(scalar)
            }
        }
        output += "\""
    }
}

/// The `flows --format table` view: aligned columns a person can scan.
public enum FlowTableFormatter {
    public static let header = ["#", "PROTO", "SOURCE", "DESTINATION", "PKTS>", "BYTES>", "PKTS<", "BYTES<", "FIRST", "SECONDS", "VLAN"]

    public static func row(for record: FlowRecord) -> [String] {
        func endpoint(_ address: IPAddress, _ port: UInt16) -> String {
            guard record.ipProtocol.hasPorts else { return address.description }
            return address.isIPv4 ? "\(address):\(port)" : "[\(address)]:\(port)"
        }
        let seconds = record.lastSeen.seconds(since: record.firstSeen)
        return [
            String(record.id), record.ipProtocol.description,
            endpoint(record.source, record.sourcePort), endpoint(record.destination, record.destinationPort),
            String(record.forward.packets), String(record.forward.bytes),
            String(record.reverse.packets), String(record.reverse.bytes),
            String(record.firstSeen.iso8601.dropLast(8)) + "Z",
            String(Double(Int(seconds * 1000)) / 1000), record.vlan.map { String($0) } ?? "-",
        ]
    }

    /// The header and rows, each column padded to its widest cell; numbers right-aligned.
    public static func render(_ records: [FlowRecord]) -> String {
        let rows = [header] + records.map(row(for:))
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
