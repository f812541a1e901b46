/// The one list of collectors. A new collector is a file under `Collectors/` and a line here.
public enum CollectorRegistry {
    public static func all() -> [any Collector] {
        [
            IPLinkCollector(),
            WireGuardConfigCollector(),
            WireGuardDumpCollector(),
            OpenVPNCollector(),
            SwanctlCollector(),
            IPsecConfCollector(),
            XfrmCollector(),
            XL2TPDCollector(),
            PPPPeersCollector(),
            PPTPDCollector(),
            TincCollector(),
            OcservCollector(),
            OpenConnectCollector(),
            SoftEtherCollector(),
            ShadowsocksCollector(),
            V2RayCollector(),
            StunnelCollector(),
            TorCollector(),
            ProxychainsCollector(),
            FRRCollector(),
            BIRDCollector(),
            NftablesCollector(),
            IptablesCollector(),
        ]
    }
}
