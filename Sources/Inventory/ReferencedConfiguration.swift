import FileSupport
import Foundation

/// A collector that can read a configuration wherever a running program or an enabled unit
/// says it is (`openvpn --config /opt/vpn/hq.ovpn`, `wg-quick up /srv/wg/site.conf`,
/// `ss-local -c FILE`, `tincd -c DIR`), not only at its default paths.
public protocol ReferencedConfigurationReader: Collector {
    /// Programs (as `VPNProgram` names them, the `process` attribute of process and unit
    /// items) whose `config` argument this collector reads.
    var referencedPrograms: Set<String> { get }
    /// The gateway files that make up the configuration at `path` (a file, or for tinc a
    /// directory), as `snapshot` copies them.
    func referencedFiles(_ path: String, in system: SystemView) -> [String]
    /// Reads the configuration at `path`, which `item` (a process or unit) named.
    func collect(referenced path: String, namedBy item: ConfigItem, from system: SystemView) -> CollectorResult
}

extension ReferencedConfigurationReader {
    public func referencedFiles(_ path: String, in system: SystemView) -> [String] { [path] }
}

/// The second pass of an inventory: configuration files named on the command lines of
/// running processes and enabled units that no collector's default paths cover, read with
/// the collector for their technology; and the peer of a running VPN program that no file
/// names, taken from its established sockets.
public enum ReferencedConfiguration {
    /// One configuration to read: where, with which collector, and who named it.
    public struct Reference: Sendable {
        public var path: String
        public var reader: any ReferencedConfigurationReader
        public var namedBy: SourceReference
        /// The process or unit that named it.
        public var item: ConfigItem
    }

    /// The configurations `items` name (their `config` attribute) outside every collector's
    /// input patterns, each once; and warnings for those that cannot be followed.
    public static func references(in items: [ConfigItem], collectors: [any Collector], system: SystemView) -> ([Reference], [InventoryWarning]) {
        let readers = collectors.compactMap { $0 as? any ReferencedConfigurationReader }
        let naming = items.filter { $0.attributes["config"] != nil && $0.attributes["process"] != nil }
        guard !readers.isEmpty, !naming.isEmpty else { return ([], []) }
        var covered = Set<String>()
        for collector in collectors {
            for case .files(let pattern) in collector.inputs { covered.formUnion(system.files(matching: pattern)) }
        }
        var references: [Reference] = []
        var warnings: [InventoryWarning] = []
        var seen = Set<String>()
        for item in naming {
            guard let config = item.attributes["config"], let namedBy = item.sources.first else { continue }
            guard let program = item.attributes["process"], let reader = readers.first(where: { $0.referencedPrograms.contains(program) }) else { continue }
            let path = FilePath(config).lexicallyNormalized().string
            guard path.hasPrefix("/") else {
                warnings.append(InventoryWarning(namedBy, "\(item.name) names its configuration by the relative path \(config); its working directory is unknown, so it was not read"))
                continue
            }
            guard !covered.contains(path), seen.insert(path).inserted else { continue }
            references.append(Reference(path: path, reader: reader, namedBy: namedBy, item: item))
        }
        return (references, warnings)
    }

    /// Reads every reference; each item found says which process or unit named its file.
    public static func collect(_ references: [Reference], from system: SystemView) -> CollectorResult {
        var result = CollectorResult()
        for reference in references {
            var found = reference.reader.collect(referenced: reference.path, namedBy: reference.item, from: system)
            for index in found.items.indices {
                found.items[index].attributes["config-named-by"] = reference.namedBy.description
                found.items[index].sources.append(reference.namedBy)
            }
            if found.items.isEmpty && found.warnings.isEmpty {
                found.warnings.append(InventoryWarning(SourceReference(reference.path), "named by \(reference.namedBy) but holds no \(reference.reader.name) configuration"))
            }
            result = result + found
        }
        return result
    }

    /// Gives each running VPN process whose technology no configuration item has a remote
    /// peer for the remote addresses of its established sockets (`ss -tunap`), with that
    /// line as the source (attribute `peer-source`: `established socket`).
    public static func attachSocketPeers(to items: inout [ConfigItem], system: SystemView) {
        let processes = items.indices.filter { items[$0].attributes["process"] != nil && items[$0].attributes["pid"] != nil && items[$0].remote.isEmpty
            && items[$0].role != .server }
        guard !processes.isEmpty else { return }
        let configured = items.filter { !$0.remote.isEmpty && $0.attributes["pid"] == nil }
        /// A file names the process's peer: the file it was started with, or (when it names
        /// none, so it reads a default path) any file of its technology.
        func fileNamesPeer(_ process: ConfigItem) -> Bool {
            if let config = process.attributes["config"] {
                let path = FilePath(config).lexicallyNormalized().string
                return configured.contains { $0.technology == process.technology && $0.sources.contains { $0.location == path } }
            }
            return configured.contains { $0.technology == process.technology }
        }
        guard case .success(let text) = system.output(of: SocketCollector.command, stateFile: "ss-tunap.txt") else { return }
        let sockets = SocketCollector.established(text, source: SocketCollector.command.joined(separator: " "))
        for index in processes where !fileNamesPeer(items[index]) {
            let pid = items[index].attributes["pid"]!
            let own = sockets.filter { $0.pid == pid }
            guard !own.isEmpty else { continue }
            for socket in own where !items[index].remote.contains(socket.peer) {
                items[index].remote.append(socket.peer)
                items[index].sources.append(socket.reference)
            }
            items[index].attributes["peer-source"] = "established socket"
        }
    }
}

extension SystemView {
    /// `body` over the text of a file a process or unit named, or a warning naming it.
    func collectReferenced(_ path: String, _ body: (String) -> CollectorResult) -> CollectorResult {
        switch read(path) {
        case .failure(let failure): CollectorResult(warnings: [InventoryWarning(SourceReference(path), failure.reason)])
        case .success(let text): body(text)
        }
    }
}
