import FileSupport
import DataExport
import Foundation
import Geo
import Packets
import Policy
import Traffic

/// Joins the data-export evaluation to the circuits: which declared transfers ride each
/// circuit, and which flows look like undeclared transfers (inference from flow metadata only).
struct DataExportAudit {
    let policy: DataExportPolicy
    let organization: OrganizationProfile?
    let operators: OperatorRegistry
    let locator: GeoLocator
    let asOf: PolicyDate

    /// Where a candidate's flows leave: a circuit's index, or nil for direct Internet egress.
    struct Candidate {
        var circuit: Int?
        var value: UndeclaredTransferCandidate
    }

    /// The transfers declared on `circuit` (by interface, remote or technology).
    func transferIndices(on circuit: Circuit) -> [Int] {
        let facts = CircuitFacts(circuit: circuit, organization: organization, operators: operators)
        return (organization?.transfers ?? []).indices.filter { facts.matches(organization!.transfers[$0].match) }
    }

    /// Flows leaving the mainland to something that looks like a data store, above the volume
    /// threshold, over a path with no declared transfer; grouped by path, source, destination
    /// and port.
    func candidates(traffic: [TrafficSummary], circuits: [Circuit]) -> [Candidate] {
        let matcher = DataStoreMatcher(rules: policy.candidates)
        var circuitOfFlow: [String: Int] = [:]
        for (index, circuit) in circuits.enumerated() {
            for flow in circuit.flows { circuitOfFlow["\(flow.capture)#\(flow.flow)"] = index }
        }
        let declared = Set(circuits.indices.filter { !transferIndices(on: circuits[$0]).isEmpty })
        var groups: [String: Candidate] = [:]
        var order: [String] = []
        for summary in traffic {
            let capture = FilePath(summary.source).fileName
            for flow in summary.flows {
                let record = flow.record
                guard let (service, matchedBy) = matcher.match(serverName: flow.serverName, port: record.destinationPort) else { continue }
                let circuit = circuitOfFlow["\(capture)#\(flow.via ?? record.id)"]
                let destination = record.destination.description
                let place: String
                if let circuit {
                    guard !declared.contains(circuit), circuits[circuit].remoteLocation?.jurisdiction == .crossBorder else { continue }
                    place = "over circuit \(circuits[circuit].id) (\(circuits[circuit].name)), whose far end is in \(circuits[circuit].remoteLocation?.country ?? "?")"
                } else {
                    let location = locator.locate(record.destination)
                    guard location.jurisdiction == .crossBorder, !declaredRemote(destination) else { continue }
                    place = "direct Internet egress to \(location.country ?? "?") per \(location.source)"
                }
                let key = "\(circuit.map(String.init) ?? "-")|\(record.source)|\(destination)|\(record.destinationPort)|\(service.name)"
                let bytes = record.forward.bytes + record.reverse.bytes
                let reference = "\(capture) flow \(record.id): \(record.ipProtocol) \(record.source):\(record.sourcePort) -> \(destination):\(record.destinationPort)"
                if groups[key] == nil {
                    order.append(key)
                    groups[key] = Candidate(circuit: circuit, value: UndeclaredTransferCandidate(
                        source: record.source.description, destination: destination, port: record.destinationPort, serverName: flow.serverName,
                        bytes: 0, service: service.name, kind: service.kind, matchedBy: matchedBy, destinationPlace: place, flows: [],
                        inference: UndeclaredTransferCandidate.inferenceNote))
                }
                groups[key]!.value.bytes += bytes
                if groups[key]!.value.flows.count < 5 { groups[key]!.value.flows.append(reference) }
            }
        }
        return order.compactMap { groups[$0] }.filter { $0.value.bytes >= policy.candidates.minimumBytes }
    }

    /// Whether a declared transfer names this address as its remote (direct egress transfers).
    private func declaredRemote(_ address: String) -> Bool {
        guard let ip = IPAddress(address) else { return false }
        return organization?.transfers.contains { transfer in
            transfer.match.remotes.contains { $0 == address || AddressRange($0)?.contains(ip) == true }
        } ?? false
    }

    /// The data-export section of one circuit's finding, or nil when nothing concerns it.
    func section(transfers: [TransferAssessment], candidates: [UndeclaredTransferCandidate]) -> CircuitDataExport? {
        guard !transfers.isEmpty || !candidates.isEmpty else { return nil }
        let gap = (transfers.map(\.gap) + (candidates.isEmpty ? [] : [DataExportGap.undeclaredCandidate])).max() ?? .none
        let text = policy.gaps[gap]
        let citations = transfers.flatMap(\.citations) + (text?.citations.on(asOf) ?? [])
        var unique: [Citation] = []
        for citation in citations where !unique.contains(citation) { unique.append(citation) }
        return CircuitDataExport(
            mechanismRequired: transfers.map(\.mechanismRequired).max(), gap: gap, severity: text?.severity ?? .medium, transfers: transfers,
            candidates: candidates, rationale: text?.rationale ?? Finding.forLegalReview, action: text?.action ?? Finding.forLegalReview, citations: unique)
    }
}
