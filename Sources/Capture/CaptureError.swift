import Packets

/// Why a capture could not be opened or read to its end. Each case names the file or interface
/// and, for a bad record, the packet number, so a user can find the spot with other tools.
public enum CaptureError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The file or interface could not be opened at all (missing, no permission, no such device).
    case cannotOpen(source: String, reason: String)
    /// The file opened but is not a pcap or pcapng capture.
    case notACapture(path: String, reason: String)
    /// The capture's link type has no decoder.
    case unsupportedLinkType(source: String, linkType: LinkType)
    /// A record could not be read: the file is truncated or corrupt at this point.
    /// `packetNumber` is the 1-based number of the record that failed.
    case badRecord(path: String, packetNumber: Int, byteOffset: Int?, reason: String)
    /// The BPF filter expression does not compile.
    case invalidFilter(expression: String, reason: String)
    /// A live capture failed while running (the interface went away, for example).
    case captureFailed(interface: String, packetNumber: Int, reason: String)

    public var description: String {
        switch self {
        case .cannotOpen(let source, let reason):
            "\(source): cannot open: \(reason)"
        case .notACapture(let path, let reason):
            "\(path): not a pcap or pcapng capture (\(reason))"
        case .unsupportedLinkType(let source, let linkType):
            "\(source): link type \(linkType.rawValue) is not supported "
                + "(supported: \(LinkType.supported.map { String($0.rawValue) }.joined(separator: ", ")))"
        case .badRecord(let path, let packetNumber, let byteOffset, let reason):
            "\(path): packet \(packetNumber)"
                + (byteOffset.map { " (reading stopped at byte \($0))" } ?? "") + ": \(reason)"
        case .invalidFilter(let expression, let reason):
            "invalid capture filter '\(expression)': \(reason)"
        case .captureFailed(let interface, let packetNumber, let reason):
            "\(interface): capture failed after packet \(packetNumber - 1): \(reason)"
        }
    }
}
