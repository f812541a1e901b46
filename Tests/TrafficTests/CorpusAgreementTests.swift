import Capture
import Flows
import Foundation
import Packets
import TestSupport
import Traffic
import XCTest

/// Compares our flows with the corpus labels (nDPI 4.x's view of the same captures), matching
/// as the corpus README says: same IP protocol, same two endpoints in either order, same packet
/// count in each direction.
final class CorpusAgreementTests: XCTestCase {
    /// One labelled flow.
    private struct Label {
        var file: String
        var proto: String
        var a: Endpoint
        var b: Endpoint
        var packetsAB: UInt64
        var packetsBA: UInt64
    }

    private struct Endpoint: Hashable {
        var address: IPAddress
        var port: UInt16
    }

    /// Parses `ip:port` or `[ipv6]:port`; nil for text that is not an address (nDPI prints a few
    /// IPv6 addresses wrongly, such as `2600:1901::7a0b::`; those labels cannot be scored).
    private static func endpoint(_ text: String) -> Endpoint? {
        let address: Substring
        let port: Substring
        if text.hasPrefix("["), let close = text.lastIndex(of: "]") {
            address = text[text.index(after: text.startIndex)..<close]
            port = text[text.index(close, offsetBy: 2)...]
        } else if let colon = text.lastIndex(of: ":") {
            address = text[..<colon]
            port = text[text.index(after: colon)...]
        } else {
            return nil
        }
        guard let ip = IPAddress(String(address)), let number = UInt16(port) else { return nil }
        return Endpoint(address: ip, port: number)
    }

    func testFlowsAgreeWithAtLeast98PercentOfScorableCorpusLabels() throws {
        guard let corpus = Corpus.directory else {
            if Corpus.isRequired { return XCTFail("the corpus is required in CI: set CIRCUIT_AUDIT_CORPUS") }
            throw XCTSkip("corpus not found; set CIRCUIT_AUDIT_CORPUS")
        }
        let text = try String(contentsOf: corpus.appendingPathComponent("labels.jsonl"), encoding: .utf8)
        var labels: [String: [Label]] = [:]
        var unscorable: [String: Int] = [:]
        for line in text.split(separator: "\n") {
            let object = try JSONSerialization.jsonObject(with: Data(line.utf8)) as! [String: Any]
            let file = object["file"] as! String
            // Flows nDPI saw *inside* an encapsulation are not outer flows: the detection layer's
            // inner-flow decoding scores them.
            guard object["label"] as? String != "inner" else { unscorable["inner (encapsulated) flows", default: 0] += 1; continue }
            guard FileManager.default.fileExists(atPath: corpus.appendingPathComponent("pcap/\(file)").path) else {
                unscorable["labels for a capture missing from pcap/", default: 0] += 1
                continue
            }
            guard let a = Self.endpoint(object["a"] as! String), let b = Self.endpoint(object["b"] as! String) else {
                unscorable["labels whose address nDPI printed wrongly", default: 0] += 1
                continue
            }
            labels[file, default: []].append(Label(
                file: file, proto: object["l4"] as! String, a: a, b: b,
                packetsAB: (object["packets_ab"] as! NSNumber).uint64Value,
                packetsBA: (object["packets_ba"] as! NSNumber).uint64Value))
        }

        var scored = 0
        var matched = 0
        var matchedOnlyAsDatagrams = 0
        var misses: [String: Int] = [:]
        for (file, fileLabels) in labels.sorted(by: { $0.key < $1.key }) {
            let source = try PacketSource.open(file: corpus.appendingPathComponent("pcap/\(file)").path)
            let summary = TrafficAnalyzer().analyze(source)
            var flowsByEndpoints: [String: [FlowRecord]] = [:]
            for flow in summary.flows.map(\.record) {
                flowsByEndpoints[Self.lookupKey(flow.ipProtocol.description, flow.source, flow.sourcePort,
                                                flow.destination, flow.destinationPort, ports: flow.ipProtocol.hasPorts), default: []].append(flow)
            }
            for label in fileLabels {
                scored += 1
                // nDPI gives SCTP flows port 0; compare SCTP by addresses alone.
                let usePorts = label.proto != "SCTP" && !(label.a.port == 0 && label.b.port == 0)
                let candidates = flowsByEndpoints[Self.lookupKey(label.proto, label.a.address, label.a.port,
                                                                 label.b.address, label.b.port, ports: usePorts)] ?? []
                var found = false
                for flow in candidates {
                    let aIsSource = flow.source == label.a.address && (!usePorts || flow.sourcePort == label.a.port)
                    let (ab, ba) = aIsSource ? (flow.forward, flow.reverse) : (flow.reverse, flow.forward)
                    if (ab.packets, ba.packets) == (label.packetsAB, label.packetsBA) {
                        found = true
                    } else if (ab.packets - UInt64(ab.laterFragments), ba.packets - UInt64(ba.laterFragments))
                        == (label.packetsAB, label.packetsBA) {
                        // nDPI's reader counts IP datagrams and drops later fragments; we count
                        // every packet and say how many were later fragments.
                        found = true
                        matchedOnlyAsDatagrams += 1
                    }
                }
                if found { matched += 1 } else { misses[file, default: 0] += 1 }
            }
        }
        let agreement = Double(matched) / Double(max(scored, 1))
        print(String(format: "corpus flow agreement: %d of %d scorable labelled flows (%.2f%%)", matched, scored, agreement * 100))
        print("  of which \(matchedOnlyAsDatagrams) match when later IP fragments are not counted, as nDPI does")
        print("  not scored: " + unscorable.sorted { $0.key < $1.key }.map { "\($0.value) \($0.key)" }.joined(separator: ", "))
        print("  files with differing flows: " + misses.sorted { $0.value > $1.value }.map { "\($0.key) (\($0.value))" }.joined(separator: ", "))
        XCTAssertGreaterThanOrEqual(agreement, 0.98)
    }

    private static func lookupKey(_ proto: String, _ a: IPAddress, _ aPort: UInt16, _ b: IPAddress, _ bPort: UInt16, ports: Bool) -> String {
        let first = ports ? "\(a)#\(aPort)" : "\(a)"
        let second = ports ? "\(b)#\(bPort)" : "\(b)"
        return proto + "|" + (first < second ? first + "|" + second : second + "|" + first)
    }
}
