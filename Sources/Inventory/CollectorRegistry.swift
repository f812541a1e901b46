/// The one list of collectors. A new collector is a file under `Collectors/` and a line here.
public enum CollectorRegistry {
    public static func all() -> [any Collector] {
        [
            IPLinkCollector(),
            WireGuardConfigCollector(),
        ]
    }
}
