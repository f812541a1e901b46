/// One source of configuration evidence: a program's config files or one command's output.
/// Each lives in its own file under `Collectors/` and is listed once in
/// `CollectorRegistry.all`; adding one touches nothing else.
///
/// A collector reads through a `SystemView`, so the same code reads the live gateway or a
/// snapshot, and it never copies a secret into an item (keys, passwords and pre-shared keys
/// stay out of `ConfigItem`).
public protocol Collector: Sendable {
    /// A short id (`wireguard`, `openvpn`, `ip-link`...).
    var name: String { get }
    /// The files (glob patterns, absolute as on the gateway) and commands this collector reads;
    /// `snapshot` copies exactly these.
    var inputs: [CollectorInput] { get }
    func collect(from system: SystemView) -> CollectorResult
    /// The text `snapshot` writes for one of this collector's inputs, with every secret replaced
    /// (`SecretRedactor` by default; formats it does not understand, such as `wg show all dump`,
    /// override this).
    func redact(_ text: String, input: CollectorInput, path: String) -> String
}

extension Collector {
    public func redact(_ text: String, input: CollectorInput, path: String) -> String {
        SecretRedactor.redact(text, path: path)
    }
}

/// A file pattern or a command a collector reads.
public enum CollectorInput: Sendable, Equatable {
    /// A glob such as `/etc/wireguard/*.conf` (`*` within one path component, `**/` any depth).
    case files(String)
    /// A command and the name of the file that stands for its output under `state/`.
    case command([String], stateFile: String)
}

/// What a collector found, and what it could not read.
public struct CollectorResult: Sendable, Equatable {
    public var items: [ConfigItem]
    public var warnings: [InventoryWarning]

    public init(items: [ConfigItem] = [], warnings: [InventoryWarning] = []) {
        self.items = items
        self.warnings = warnings
    }

    public static func + (lhs: CollectorResult, rhs: CollectorResult) -> CollectorResult {
        CollectorResult(items: lhs.items + rhs.items, warnings: lhs.warnings + rhs.warnings)
    }
}
