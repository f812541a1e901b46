import Yams

/// YAML configuration files (Netplan, Clash) read into Yams nodes, which keep each value's line
/// for the items' sources.
enum YAMLText {
    /// The document's root node; nil for an empty file, or for one that is not YAML, which adds
    /// a warning saying where it broke.
    static func root(_ text: String, path: String, warnings: inout [InventoryWarning]) -> Node? {
        do {
            return try Yams.compose(yaml: text)
        } catch {
            var line: Int?
            if let error = error as? YamlError {
                switch error {
                case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): line = mark.line
                default: break
                }
            }
            warnings.append(InventoryWarning(SourceReference(path, line: line), "not valid YAML: the file is skipped"))
            return nil
        }
    }
}
