import Audit
import AuditPipeline
import Foundation
import Policy

/// The bundled example gateway audited through the real pipeline, for tests that need real
/// findings (history, diff, alerts).
public enum DemoAudit {
    public static var request: AuditRequest {
        let example = Corpus.packageRoot.appendingPathComponent("examples/gateway")
        return AuditRequest(
            policyDirectory: Corpus.packageRoot.appendingPathComponent("policies"),
            organizationPath: example.appendingPathComponent("organization.yaml").path,
            rootPath: example.appendingPathComponent("snapshot").path,
            captureFiles: [example.appendingPathComponent("traffic.pcap").path],
            asOf: PolicyDate("2026-11-24")!, toolVersion: "test")
    }

    /// With the capture (every circuit seen) or without (configured circuits only, idle).
    public static func result(withTraffic: Bool = true) throws -> AuditResult {
        var request = self.request
        if !withTraffic { request.captureFiles = [] }
        return try AuditPipeline.run(request, now: Date(timeIntervalSince1970: 1_795_000_000)).result
    }
}
