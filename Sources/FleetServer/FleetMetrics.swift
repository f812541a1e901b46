import FleetSubmission
import Foundation
import Prometheus

/// What `/metrics` says, in Prometheus' text format: runs ingested, refused and why, and how
/// long an ingestion takes.
public final class FleetMetrics: Sendable {
    public let registry = PrometheusCollectorRegistry()
    private let ingested: Counter
    private let duplicates: Counter
    private let latency: DurationHistogram

    /// Every refusal reason `FleetError.reason` can give, so each series exists from the start.
    static let reasons = ["unknown_gateway", "bad_signature", "tampered", "malformed", "replay", "conflicting_run", "too_large",
                          "database_unavailable", "not_found", "migration", "bad_enrolment"]

    public init() {
        ingested = registry.makeCounter(name: "circuit_audit_runs_ingested_total", labels: [], help: "Runs verified and stored.")
        duplicates = registry.makeCounter(name: "circuit_audit_runs_duplicate_total", labels: [], help: "Runs sent again that were already stored.")
        latency = registry.makeDurationHistogram(
            name: "circuit_audit_ingestion_seconds", labels: [],
            buckets: [.milliseconds(5), .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
                      .milliseconds(500), .seconds(1), .seconds(2.5), .seconds(5), .seconds(10)],
            help: "Time from a run's body received to its answer, stored or refused.")
        for reason in Self.reasons { _ = rejectedCounter(reason) }
    }

    private func rejectedCounter(_ reason: String) -> Counter {
        registry.makeCounter(name: "circuit_audit_runs_rejected_total", labels: [("reason", reason)], help: "Runs refused, by reason; nothing of them is stored.")
    }

    func stored(after duration: Duration) {
        ingested.increment()
        latency.record(duration)
    }

    func duplicate(after duration: Duration) {
        duplicates.increment()
        latency.record(duration)
    }

    func rejected(_ reason: String, after duration: Duration) {
        rejectedCounter(reason).increment()
        latency.record(duration)
    }

    public func text() -> String { registry.emitToString() }
}
