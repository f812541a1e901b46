import Foundation

/// Counsel's decision on a finding, as the fleet's console records it. Reports carry it beside
/// the finding (CSV columns, a JSON member, OSCAL properties) so a file shows what was decided,
/// by whom and when; the finding itself never changes with it.
public struct FindingReview: Codable, Sendable, Equatable {
    /// `reviewed`, `accepted_risk` or `remediation_requested`.
    public var decision: String
    /// The last day an accepted risk stands.
    public var until: String?
    public var comment: String
    public var reviewer: String
    public var decidedAt: String

    public init(decision: String, until: String?, comment: String, reviewer: String, decidedAt: String) {
        self.decision = decision
        self.until = until
        self.comment = comment
        self.reviewer = reviewer
        self.decidedAt = decidedAt
    }

    /// The decision in the report's words.
    public func label(_ language: ReportLanguage) -> String {
        switch decision {
        case "reviewed": ReportText.reviewReviewed.text(language)
        case "accepted_risk": ReportText.reviewAcceptedRisk.text(language)
        case "remediation_requested": ReportText.reviewRemediationRequested.text(language)
        default: decision
        }
    }

    /// The columns a CSV row gets: decision, its code, until, reviewer, when, comment.
    static func columns(_ review: FindingReview?, _ language: ReportLanguage) -> [String] {
        guard let review else { return ["", "", "", "", "", ""] }
        return [review.label(language), review.decision, review.until ?? "", review.reviewer, review.decidedAt, review.comment]
    }

    static func header(_ language: ReportLanguage) -> [String] {
        let t = { (text: ReportText) in text.text(language) }
        return [t(.reviewDecision), "\(t(.reviewDecision)) \(t(.code))", t(.reviewUntil), t(.reviewer), t(.reviewedAt), t(.reviewComment)]
    }
}
