import Detection
import FileSupport
import Foundation

/// Everything the audit reads from a policies directory: the Circular 32 rules, the operators,
/// the provider catalog. A user directory given after it overrides or adds rules by id.
public struct PolicySet: Sendable {
    public var rules: RulePack
    public var operators: OperatorRegistry
    public var providers: ProviderCatalog
    /// The cross-border data-export rules (`data-export.yaml`).
    public var dataExport: DataExportPolicy
    /// Headers of every file read, for the report's appendix.
    public var files: [PolicyFileHeader]

    /// Loads `circular32.yaml`, `operators.yaml`, `providers.yaml` and `data-export.yaml` from `directory`, then every
    /// `*.yaml` rule file of `overrides`.
    public static func load(directory: URL, overrides: URL? = nil) throws -> PolicySet {
        let base = FilePath(directory.path)
        func file(_ name: String, in directory: FilePath = base) -> URL { URL(fileURLWithPath: directory.appending(name).string) }
        var rules = try RulePack.load(contentsOf: file("circular32.yaml"))
        let operators = try OperatorRegistry.load(contentsOf: file("operators.yaml"))
        let providersURL = file("providers.yaml")
        let providers = try ProviderCatalogLoader.load(contentsOf: providersURL)
        let dataExport = try DataExportPolicy.load(contentsOf: file("data-export.yaml"))
        if let overrides {
            let names: [String]
            do {
                try FileReader.requireDirectory(overrides.path)
                names = try FileManager.default.contentsOfDirectory(atPath: overrides.path).filter { $0.hasSuffix(".yaml") }.sorted()
            } catch let error as FileSystemError {
                throw PolicyError(file: overrides.path, line: 0, key: "", message: "cannot read the rules directory: \(error.reason)")
            } catch {
                throw PolicyError(file: overrides.path, line: 0, key: "", message: "cannot read the rules directory: \(error.localizedDescription)")
            }
            for name in names {
                rules = rules.merged(with: try RulePack.load(contentsOf: file(name, in: FilePath(overrides.path))))
            }
        }
        let providerHeader = PolicyFileHeader(file: providersURL.path, version: providers.version, asOf: providers.asOf, sources: [])
        return PolicySet(rules: rules, operators: operators, providers: providers, dataExport: dataExport,
                         files: rules.files + [operators.header, providerHeader, dataExport.header])
    }
}
