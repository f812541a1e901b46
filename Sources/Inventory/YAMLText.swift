import Yams

/// YAML configuration files (Netplan, Clash) read into Yams nodes, which keep each value's line
/// for the items' sources.
enum YAMLText {
    enum Parsed {
        case document(Node)
        case empty
        /// Not YAML: the warning says where it broke.
        case invalid(InventoryWarning)
    }

    static func compose(_ text: String, path: String) -> Parsed {
        do {
            return try Yams.compose(yaml: text).map(Parsed.document) ?? .empty
        } catch {
            var line: Int?
            if let error = error as? YamlError {
                switch error {
                case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): line = mark.line
                default: break
                }
            }
            return .invalid(InventoryWarning(SourceReference(path, line: line), "not valid YAML: the file is skipped"))
        }
    }
}
