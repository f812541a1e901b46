import Audit
@preconcurrency import Crypto
import FileSupport
import Foundation
import Inventory
import Policy

/// The evidence an outside party can check: findings, every report, the snapshot's redacted
/// files, the flow summaries (never payload), and a manifest of SHA-256 hashes with the tool
/// and policy versions, signed with Ed25519 in a detached signature. A `.tar.gz` anyone opens
/// with `tar`; `verify` names each file that was altered, removed or added.
public enum EvidenceBundle {
    public static let manifestName = "MANIFEST.json"
    public static let signatureName = "MANIFEST.json.sig"

    public struct Manifest: Codable, Sendable, Equatable {
        public struct File: Codable, Sendable, Equatable {
            public var path: String
            public var sha256: String
            public var bytes: Int
        }

        public struct PolicyVersion: Codable, Sendable, Equatable {
            public var file: String
            public var version: Int
            public var asOf: String
        }

        /// Which gateway's run this is, signed with the rest: what a fleet server files the
        /// bundle under. Absent in bundles made for a reader, not a server.
        public struct Run: Codable, Sendable, Equatable {
            /// The gateway's enrolled name.
            public var gateway: String
            /// Unique per gateway and stable across retries: the same run sent twice is one run.
            public var id: String
            /// `schedule` (the daemon) or `manual` (`circuit-audit upload`).
            public var trigger: String
            /// When the gateway's next run is due; a server calls the gateway stale after it.
            public var nextRunDue: String?

            public init(gateway: String, id: String, trigger: String, nextRunDue: String? = nil) {
                self.gateway = gateway
                self.id = id
                self.trigger = trigger
                self.nextRunDue = nextRunDue
            }

            enum CodingKeys: String, CodingKey { case gateway, id, trigger, nextRunDue = "next_run_due" }
        }

        public var format = "circuit-audit evidence bundle"
        public var formatVersion = 1
        public var toolVersion: String
        public var createdAt: String
        public var auditGeneratedAt: String
        public var auditAsOf: String
        public var organization: String?
        public var policies: [PolicyVersion]
        public var pseudonymized: Bool
        /// What was left out and why (no snapshot, pseudonymised...).
        public var notes: [String]
        public var files: [File]
        public var run: Run?

        /// A manifest listing no file yet: `seal` lists the files it signs.
        public init(toolVersion: String, createdAt: String, auditGeneratedAt: String, auditAsOf: String, organization: String?,
                    policies: [PolicyVersion], pseudonymized: Bool, notes: [String], files: [File] = [], run: Run?) {
            self.toolVersion = toolVersion
            self.createdAt = createdAt
            self.auditGeneratedAt = auditGeneratedAt
            self.auditAsOf = auditAsOf
            self.organization = organization
            self.policies = policies
            self.pseudonymized = pseudonymized
            self.notes = notes
            self.files = files
            self.run = run
        }

        enum CodingKeys: String, CodingKey {
            case run, format, formatVersion = "format_version", toolVersion = "tool_version", createdAt = "created_at",
                 auditGeneratedAt = "audit_generated_at", auditAsOf = "audit_as_of", organization, policies, pseudonymized, notes, files
        }
    }

    /// One flow a circuit rests on, as the bundle keeps it: addresses, ports, counts and times.
    struct FlowSummary: Codable {
        var circuitID: String
        var flow: FlowReference

        enum CodingKeys: String, CodingKey { case circuitID = "circuit_id", flow }
    }

    /// Builds the bundle for the audit in `auditDirectory`. With a pseudonymiser, findings,
    /// reports and flows are pseudonymised and the snapshot is left out (its files name hosts).
    public static func export(auditDirectory: String, signingKey: Curve25519.Signing.PrivateKey, pseudonymizer: Pseudonymizer? = nil,
                              run: Manifest.Run? = nil, toolVersion: String, now: Date = Date()) throws(ReportError) -> Data {
        let original = try Reports.loadAudit(auditDirectory)
        let result = try pseudonymizer?.apply(to: original) ?? original
        var entries: [Tar.Entry] = []
        var notes: [String] = []

        let findingsPath = FilePath(auditDirectory).appending("findings.json").string
        if pseudonymizer == nil, let bytes = try? FileReader.read(findingsPath) {
            entries.append(Tar.Entry(path: "findings.json", data: bytes))
        } else {
            entries.append(Tar.Entry(path: "findings.json", data: try encode(result)))
        }
        for language in ReportLanguage.allCases {
            let context = ReportContext(result: result, language: language, pseudonymized: pseudonymizer != nil)
            for format in ReportFormat.allCases {
                entries.append(Tar.Entry(path: "reports/" + format.fileName(language), data: try Reports.render(format, context)))
            }
        }
        let flows = result.circuits.flatMap { circuit in circuit.flows.map { FlowSummary(circuitID: circuit.id, flow: $0) } }
        entries.append(Tar.Entry(path: "flows.json", data: try encode(flows)))

        if pseudonymizer != nil {
            notes.append("pseudonymised: findings, reports and flows carry keyed tokens for internal addresses, host names and user names; the configuration snapshot is left out")
        } else {
            entries += try snapshotEntries(original, notes: &notes)
        }

        let manifest = Manifest(
            toolVersion: toolVersion, createdAt: ISO8601DateFormatter().string(from: now), auditGeneratedAt: result.generatedAt,
            auditAsOf: result.asOf, organization: result.organization,
            policies: result.policies.map { Manifest.PolicyVersion(file: FilePath($0.file).fileName, version: $0.version, asOf: $0.asOf) },
            pseudonymized: pseudonymizer != nil, notes: notes, run: run)
        let sealed = try seal(entries, manifest: manifest, signingKey: signingKey)
        do {
            return try Gzip.compress(try Tar.write(sealed))
        } catch let failure as Tar.Failure {
            throw .cannotRender(format: "bundle", reason: failure.description)
        } catch {
            throw .cannotRender(format: "bundle", reason: "\(error)")
        }
    }

    /// `files` after the manifest listing each one's SHA-256 and the manifest's detached
    /// signature: a bundle's members in the order `export` writes them.
    public static func seal(_ files: [Tar.Entry], manifest: Manifest, signingKey: Curve25519.Signing.PrivateKey) throws(ReportError) -> [Tar.Entry] {
        var manifest = manifest
        manifest.files = files.map { Manifest.File(path: $0.path, sha256: hex(SHA256.hash(data: $0.data)), bytes: $0.data.count) }
        let manifestData = try encode(manifest)
        let signature: Data
        do { signature = try signingKey.signature(for: manifestData) } catch { throw .cannotRender(format: "signature", reason: "\(error)") }
        let signatureFile = """
            circuit-audit evidence bundle signature
            algorithm: ed25519
            key: \(SigningKeys.fingerprint(signingKey.publicKey))
            manifest-sha256: \(hex(SHA256.hash(data: manifestData)))
            signature: \(signature.base64EncodedString())

            """
        return [Tar.Entry(path: manifestName, data: manifestData), Tar.Entry(path: signatureName, data: Data(signatureFile.utf8))] + files
    }

    /// The redacted files of the snapshot the audit read, when its configuration tree is a
    /// snapshot (it has the manifest `circuit-audit snapshot` writes); only files that manifest
    /// lists, so nothing unredacted that lies beside them is taken.
    static func snapshotEntries(_ result: AuditResult, notes: inout [String]) throws(ReportError) -> [Tar.Entry] {
        guard let tree = result.inputs.first(where: { $0.kind == "configuration tree" })?.path else {
            notes.append("no configuration snapshot: the audit read no configuration tree")
            return []
        }
        let treePath = FilePath(tree)
        guard let data = try? FileReader.read(treePath.appending("manifest.json").string),
              let manifest = try? JSONDecoder().decode(Snapshot.Manifest.self, from: data) else {
            notes.append("no configuration snapshot: \(tree) has no snapshot manifest (take one with `circuit-audit snapshot`)")
            return []
        }
        var entries = [Tar.Entry(path: "snapshot/manifest.json", data: data)]
        for file in manifest.files {
            let relative = file.path.hasPrefix("/") ? String(file.path.dropFirst()) : file.path
            guard Tar.isSafe(relative) else {
                throw .badBundle(path: treePath.appending("manifest.json").string, reason: "file \"\(file.path)\" is not a plain relative path")
            }
            let filePath = treePath.appending(relative).string
            let bytes: Data
            do { bytes = try FileReader.read(filePath) } catch {
                throw .cannotRead(path: filePath, reason: "listed in the snapshot manifest but unreadable: \(error.reason)")
            }
            entries.append(Tar.Entry(path: "snapshot/" + relative, data: bytes))
        }
        return entries
    }

    /// What `verify` found. `problems` is empty when the bundle is intact and signed by the key.
    public struct Verification: Sendable, Equatable {
        public var problems: [String]
        public var files: Int
        public var signer: String?
        public var manifest: Manifest?

        public var isIntact: Bool { problems.isEmpty }
    }

    /// Checks `bundle` (the bytes of a `.tar.gz`) against `publicKey`. It is read within
    /// `limits` — inflated size, members, member size, checked as it inflates — so a bundle
    /// from elsewhere cannot exhaust memory; a server ingesting bundles passes its own, stricter
    /// ones. Past a limit the error is `bundleOverLimit`, naming the limit; a damaged archive,
    /// or a member name that is absolute or contains `..`, is `badBundle`.
    public static func verify(_ bundle: Data, publicKey: Curve25519.Signing.PublicKey, path: String = "bundle",
                              limits: ArchiveLimits = .standard) throws(ReportError) -> Verification {
        verify(entries: try entries(of: bundle, path: path, limits: limits), publicKey: publicKey)
    }

    /// The files of a bundle, unpacked in memory within `limits`; nothing is checked but the
    /// archive's form.
    public static func entries(of bundle: Data, path: String = "bundle", limits: ArchiveLimits = .standard) throws(ReportError) -> [Tar.Entry] {
        do {
            return try Tar.read(gzip: bundle, limits: limits)
        } catch {
            if let exceeded = error.exceeded { throw .bundleOverLimit(path: path, exceeded: exceeded) }
            throw .badBundle(path: path, reason: error.description)
        }
    }

    /// The manifest of unpacked bundle files, before any check: says whose run it claims to be.
    public static func manifest(in entries: [Tar.Entry]) -> Manifest? {
        entries.first { $0.path == manifestName }.flatMap { try? JSONDecoder().decode(Manifest.self, from: $0.data) }
    }

    /// Checks unpacked bundle files: the signature against `publicKey`, every file against the
    /// signed manifest. A server keeps the files it received and checks them again this way.
    public static func verify(entries: [Tar.Entry], publicKey: Curve25519.Signing.PublicKey) -> Verification {
        let byPath = Dictionary(entries.map { ($0.path, $0.data) }, uniquingKeysWith: { first, _ in first })
        var problems: [String] = []
        var verification = Verification(problems: [], files: 0, signer: nil, manifest: nil)
        guard let manifestData = byPath[manifestName] else {
            return Verification(problems: ["\(manifestName): missing"], files: 0, signer: nil, manifest: nil)
        }
        let fields = byPath[signatureName].map(signatureFields) ?? [:]
        if byPath[signatureName] == nil {
            problems.append("\(signatureName): missing: the bundle is not signed")
        } else if let encoded = fields["signature"], let signature = Data(base64Encoded: encoded) {
            let expectedKey = SigningKeys.fingerprint(publicKey)
            verification.signer = fields["key"]
            let valid = publicKey.isValidSignature(signature, for: manifestData)
            let manifestHash = hex(SHA256.hash(data: manifestData))
            if valid {
                if fields["key"] != expectedKey { problems.append("\(signatureName): altered: its key line no longer names the signing key \(expectedKey)") }
                if fields["manifest-sha256"] != manifestHash { problems.append("\(signatureName): altered: its manifest-sha256 line no longer matches") }
            } else if fields["key"] != expectedKey {
                problems.append("\(signatureName): the signature does not match this public key: the bundle was signed by key \(fields["key"] ?? "?"), the key given is \(expectedKey)")
            } else if fields["manifest-sha256"] != manifestHash {
                problems.append("\(manifestName): altered: it is not the manifest that was signed")
            } else {
                problems.append("\(signatureName): altered: the signature does not match \(manifestName)")
            }
        } else {
            problems.append("\(signatureName): altered or damaged: no readable signature line")
        }

        guard let manifest = try? JSONDecoder().decode(Manifest.self, from: manifestData) else {
            return Verification(problems: problems + ["\(manifestName): altered or damaged: not a bundle manifest"], files: 0, signer: verification.signer, manifest: nil)
        }
        var listed: Set<String> = [manifestName, signatureName]
        for file in manifest.files {
            listed.insert(file.path)
            guard let data = byPath[file.path] else { problems.append("\(file.path): missing"); continue }
            if hex(SHA256.hash(data: data)) != file.sha256 { problems.append("\(file.path): altered: its SHA-256 is not the one in \(manifestName)") }
        }
        for entry in entries where !listed.contains(entry.path) { problems.append("\(entry.path): added: not in \(manifestName)") }
        verification.problems = problems
        verification.files = manifest.files.count
        verification.manifest = manifest
        return verification
    }

    private static func signatureFields(_ data: Data) -> [String: String] {
        var fields: [String: String] = [:]
        for line in String(decoding: data, as: UTF8.self).split(separator: "\n") {
            guard let colon = line.firstIndex(of: ":") else { continue }
            fields[String(line[..<colon])] = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        }
        return fields
    }

    private static func encode<T: Encodable>(_ value: T) throws(ReportError) -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        do { return try encoder.encode(value) + Data("\n".utf8) } catch { throw .cannotRender(format: "bundle", reason: "\(error)") }
    }

    static func hex<D: Sequence>(_ digest: D) -> String where D.Element == UInt8 {
        digest.map { String(format: "%02x", $0) }.joined()
    }
}
