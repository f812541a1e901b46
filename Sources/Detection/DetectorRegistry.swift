/// The one list of detectors. A new detector is a file under `Detectors/` and a line here.
///
/// Order matters only to break ties between verdicts of equal confidence: specific protocols
/// before heuristics.
public enum DetectorRegistry {
    /// `providers` names VPN services by domain and address (`VPNServiceDetector`); load it
    /// from `policies/providers.yaml` with the `Policy` target's `ProviderCatalogLoader`.
    public static func all(providers: ProviderCatalog = .empty) -> [any TunnelDetector] {
        [
            WireGuardDetector(),
            OpenVPNDetector(),
            GlobalProtectDetector(),
            IPsecDetector(),
            TailscaleDetector(),
            GREDetector(),
            PPTPDetector(),
            L2TPDetector(),
            IPInIPDetector(),
            VXLANDetector(),
            GeneveDetector(),
            GTPDetector(),
            CAPWAPDetector(),
            TeredoDetector(),
            TincDetector(),
            SoftEtherDetector(),
            ZeroTierDetector(),
            SSTPDetector(),
            AnyConnectDetector(),
            FortinetSSLVPNDetector(),
            TorDetector(),
            TrojanDetector(),
            SSHDetector(),
            RDPDetector(),
            VNCDetector(),
            SOCKSDetector(),
            HTTPProxyDetector(),
            AnyDeskDetector(),
            TeamViewerDetector(),
            VPNServiceDetector(catalog: providers),
            ShadowsocksDetector(),
            VMessDetector(),
            FullyEncryptedDetector(),
            ICMPTunnelDetector(),
            DNSTunnelDetector(),
        ]
    }
}
