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
    /// the others.
    public static func collect(from system: SystemView, collectors: [any Collector] = CollectorRegistry.all()) -> Inventory {
        var inventory = Inventory()
        for collector in collectors {
            let result = collector.collect(from: system)
            inventory.items += result.items
            inventory.warnings += result.warnings
        }
        return inventory
    }
}
