import DataExport
import Foundation
import Policy
import TestSupport

/// The shipped data-export policy and small organization files, for threshold tests.
enum DataExportFixtures {
    static let policyURL = Corpus.packageRoot.appendingPathComponent("policies/data-export.yaml")

    static var policy: DataExportPolicy {
        get throws { try DataExportPolicy.load(contentsOf: policyURL) }
    }

    /// The shipped policy with its text changed first (to reorder stages, add a holiday...).
    static func policy(replacing old: String, with new: String) throws -> DataExportPolicy {
        let text = try String(contentsOf: policyURL, encoding: .utf8)
        precondition(text.contains(old), "the shipped policy no longer contains \(old)")
        return try DataExportPolicy.parse(text.replacingOccurrences(of: old, with: new), file: "data-export.yaml")
    }

    static let header = """
        version: 1
        as_of: 2026-11-01
        sources: ["test declarations"]
        organization: {legal_entity: "Example Trading (Shanghai) Co., Ltd."}
        sites:
          - {name: Shanghai gateway, country: CN, kind: gateway, ranges: [198.51.100.0/28]}

        """

    /// An organization with `processor` (YAML of data_processor, or empty) and one transfer whose
    /// extra keys are `transfer` (indented YAML lines).
    static func organization(processor: String = "", transfer: String) throws -> OrganizationProfile {
        let text = header + (processor.isEmpty ? "" : "data_processor: \(processor)\n") + """
            transfers:
              - dataset: Customer records
                recipient: Example GmbH
                country: DE
                purpose: Sales support
                match: {interfaces: [gre-ctg]}

            """ + transfer
        return try OrganizationProfile.parse(text, file: "organization.yaml")
    }

    /// The one transfer's assessment.
    static func assess(processor: String = "", transfer: String, asOf: String = "2026-11-24", policy: DataExportPolicy? = nil) throws -> TransferAssessment {
        let evaluator = DataExportEvaluator(policy: try policy ?? self.policy, asOf: PolicyDate(asOf)!)
        return evaluator.evaluate(try organization(processor: processor, transfer: transfer)).transfers[0]
    }

    /// Keys of one transfer, indented to sit under `transfers[0]`.
    static func keys(_ lines: String...) -> String {
        lines.map { "    " + $0 + "\n" }.joined()
    }
}
