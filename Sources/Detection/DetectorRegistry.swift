/// The one list of detectors. A new detector is a file under `Detectors/` and a line here.
///
/// Order matters only to break ties between verdicts of equal confidence: specific protocols
/// before heuristics.
public enum DetectorRegistry {
    public static func all() -> [any TunnelDetector] {
        [
            WireGuardDetector(),
            OpenVPNDetector(),
            IPsecDetector(),
            TailscaleDetector(),
        ]
    }
}
