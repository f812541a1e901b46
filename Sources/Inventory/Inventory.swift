import Foundation

/// Runs every collector over a system view and gathers what they found.
public struct Inventory: Sendable, Codable, Equatable {
    public var items: [ConfigItem]
    public var warnings: [InventoryWarning]

    public init(items: [ConfigItem] = [], warnings: [InventoryWarning] = []) {
        self.items = items
        self.warnings = warnings
    }

    /// Collects from `system` with each of `collectors`; one collector's trouble never stops
    /// the others. Then follows the configuration files that processes and units name outside
    /// the default paths, and gives running VPN programs whose peer no file names the peer of
    /// their established sockets (`ReferencedConfiguration`).
    public static func collect(from system: SystemView, collectors: [any Collector] = CollectorRegistry.all()) -> Inventory {
        var inventory = Inventory()
        for collector in collectors {
            let result = collector.collect(from: system)
            inventory.items += result.items
            inventory.warnings += result.warnings
        }
        let (references, warnings) = ReferencedConfiguration.references(in: inventory.items, collectors: collectors, system: system)
        let followed = ReferencedConfiguration.collect(references, from: system)
        inventory.items += followed.items
        inventory.warnings += warnings + followed.warnings
        if collectors.contains(where: { $0 is SocketCollector }) {
            ReferencedConfiguration.attachSocketPeers(to: &inventory.items, system: system)
        }
        return inventory
    }
}
