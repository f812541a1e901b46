import Audit
import DataExport
import Detection
import Flows
import Inventory
import Packets
import Policy
import Traffic
import XCTest

/// The data-export section of findings: declared transfers joined to their circuits, and
/// undeclared-transfer candidates from flow metadata.
final class DataExportAuditTests: XCTestCase {
    private let greToHongKong = ConfigItem(
        technology: "gre", role: .siteToSite, name: "gre-hk", local: [NetworkEndpoint(host: "198.51.100.5")], remote: [NetworkEndpoint(host: "192.0.2.70")],
        interface: "gre-hk", sources: [SourceReference("/etc/network/interfaces", line: 12, key: "gre-hk")])

    private func record(_ id: UInt64, _ proto: IPProtocol, _ source: String, _ sourcePort: UInt16, _ destination: String, _ port: UInt16, bytes: UInt64) -> FlowRecord {
        FlowRecord(id: id, ipProtocol: proto, vlan: nil, source: IPAddress(source)!, sourcePort: sourcePort, destination: IPAddress(destination)!,
                   destinationPort: port, forward: DirectionCounters(packets: 100, bytes: bytes - min(bytes, 1000)), reverse: DirectionCounters(packets: 10, bytes: min(bytes, 1000)),
                   firstSeen: Timestamp(seconds: 1_700_000_000), lastSeen: Timestamp(seconds: 1_700_000_060), endReason: .endOfCapture)
    }

    /// GRE to Hong Kong carrying an upload of `bytes` to an S3 bucket, and a direct PostgreSQL
    /// session of `directBytes` to `directDestination`.
    private func traffic(bytes: UInt64, directBytes: UInt64 = 0, directDestination: String = "203.0.113.10") -> [TrafficSummary] {
        var flows = [
            AnalyzedFlow(record: record(1, IPProtocol(47), "198.51.100.5", 0, "192.0.2.70", 0, bytes: bytes + 50_000),
                         tunnel: TunnelVerdict(.gre, confidence: .confirmed, evidence: "GRE header")),
            AnalyzedFlow(record: record(2, .tcp, "10.1.0.9", 50000, "10.70.0.9", 443, bytes: bytes), via: 1, encapsulation: nil,
                         serverName: "archive.s3.eu-west-1.amazonaws.com"),
        ]
        if directBytes > 0 { flows.append(AnalyzedFlow(record: record(3, .tcp, "10.1.0.9", 50001, directDestination, 5432, bytes: directBytes))) }
        return [TrafficSummary(source: "/captures/t.pcap", linkType: .ethernet, flows: flows, capture: CaptureStatisticsFixture.empty,
                               table: FlowTableStatistics(), frames: FrameStatistics(), error: nil)]
    }

    private func audit(_ traffic: [TrafficSummary], extra: String = "") throws -> AuditResult {
        let organization = try AuditFixtures.organization(extra)
        let auditor = Auditor(policies: try AuditFixtures.policies, organization: organization, locator: AuditFixtures.locator(organization),
                              asOf: PolicyDate("2026-11-24")!)
        return auditor.run(inventory: Inventory(items: [greToHongKong]), traffic: traffic, inputs: [], toolVersion: "test")
    }

    func testUploadToAnObjectStoreOverACircuitWithoutDeclaredTransfersIsACandidateAboveTheVolumeThreshold() throws {
        let finding = try XCTUnwrap(try audit(traffic(bytes: 1_000_000)).findings.first)
        let section = try XCTUnwrap(finding.dataExport)
        XCTAssertEqual(section.gap, .undeclaredCandidate)
        XCTAssertNil(section.mechanismRequired)
        let candidate = try XCTUnwrap(section.candidates.first)
        XCTAssertEqual(candidate.service, "Amazon S3")
        XCTAssertEqual(candidate.bytes, 1_000_000)
        XCTAssertTrue(candidate.matchedBy.contains("TLS server name archive.s3.eu-west-1.amazonaws.com"))
        XCTAssertTrue(candidate.inference.contains("never from payload"))
        XCTAssertEqual(finding.flags.first { $0.flag == .dataExport }?.rule, "R-DX-CANDIDATE")

        XCTAssertNil(try audit(traffic(bytes: 999_999)).findings.first?.dataExport, "below the policy's 1,000,000 bytes")
    }

    func testDeclaredTransferOnTheCircuitReplacesTheCandidateWithItsAssessment() throws {
        let declared = """

            transfers:
              - {dataset: Archive, recipient: Example HK Ltd, country: HK, purpose: Backup, personal_individuals: 120000, match: {interfaces: [gre-hk]}}
            """
        let finding = try XCTUnwrap(try audit(traffic(bytes: 5_000_000), extra: declared).findings.first)
        let section = try XCTUnwrap(finding.dataExport)
        XCTAssertTrue(section.candidates.isEmpty)
        XCTAssertEqual(section.transfers.map(\.row), ["T8"])
        XCTAssertEqual(section.gap, .missing)
        let flag = try XCTUnwrap(finding.flags.first { $0.flag == .dataExport })
        XCTAssertEqual(flag.rule, "R-DX-FLAG")
        XCTAssertEqual(flag.severity, .high, "the flag takes the gap's severity")
    }

    func testEachTransferNamesTheCircuitsCarryingItOrNoneWhenItsPathWasNotSeen() throws {
        let declared = """

            transfers:
              - {dataset: Archive, recipient: Example HK Ltd, country: HK, purpose: Backup, match: {interfaces: [gre-hk]}}
              - {dataset: Payroll, recipient: Example GmbH, country: DE, purpose: HR, exemption_grounds: [art5_2_hr], match: {interfaces: [wg-elsewhere]}}
            """
        let result = try audit([], extra: declared)
        XCTAssertEqual(result.dataExport?.transfers.map(\.circuits), [[result.findings[0].circuitID], []])
    }

    func testDirectEgressToAnOffshoreDatabaseIsACandidateOnNoCircuitButADomesticOneIsNot() throws {
        let offshore = try audit(traffic(bytes: 10, directBytes: 2_000_000))
        XCTAssertEqual(offshore.dataExport?.candidatesWithoutCircuit.map(\.service), ["PostgreSQL"])
        XCTAssertTrue(offshore.dataExport?.candidatesWithoutCircuit.first?.destinationPlace.contains("DE") == true)
        let domestic = try audit(traffic(bytes: 10, directBytes: 2_000_000, directDestination: "192.0.2.10"))
        XCTAssertEqual(domestic.dataExport?.candidatesWithoutCircuit.count, 0)
    }

    func testCategoryIsUnchangedByTheDataExportSection() throws {
        let plain = try audit([]).findings.first
        let withCandidate = try audit(traffic(bytes: 3_000_000)).findings.first
        XCTAssertEqual(plain?.category, withCandidate?.category, "R-DX-0: one question never settles the other")
        XCTAssertEqual(plain?.rule, withCandidate?.rule)
    }
}
