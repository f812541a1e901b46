import Audit
import FileSupport
import Foundation
import Geo
import Policy

/// What can go wrong writing a report or a bundle; each message names the file and says what
/// to do.
public enum ReportError: Error, Equatable, CustomStringConvertible {
    case cannotRead(path: String, reason: String)
    case notAnAudit(path: String, reason: String)
    case cannotWrite(path: String, reason: String)
    case cannotRender(format: String, reason: String)
    case badKey(path: String, reason: String)
    case badBundle(path: String, reason: String)
    /// A bundle refused because it passes one of the reader's `ArchiveLimits`.
    case bundleOverLimit(path: String, exceeded: ArchiveLimits.Exceeded)

    public var description: String {
        switch self {
        case .cannotRead(let path, let reason): "\(path): cannot read: \(reason)"
        case .notAnAudit(let path, let reason): "\(path): not an audit's findings.json: \(reason) (run `circuit-audit audit --out DIR` first)"
        case .cannotWrite(let path, let reason): "\(path): cannot write: \(reason)"
        case .cannotRender(let format, let reason): "cannot write the \(format): \(reason)"
        case .badKey(let path, let reason): "\(path): \(reason)"
        case .badBundle(let path, let reason): "\(path): not a readable evidence bundle: \(reason)"
        case .bundleOverLimit(let path, let exceeded): "\(path): bundle refused: \(exceeded)"
        }
    }
}

/// The formats `report` writes.
public enum ReportFormat: String, Sendable, CaseIterable {
    case html, md, json, csv, oscal

    /// The file name a format gets in a directory: `report.en.html`, `findings.zh.csv`...
    public func fileName(_ language: ReportLanguage) -> String {
        switch self {
        case .html: "report.\(language.rawValue).html"
        case .md: "report.\(language.rawValue).md"
        case .json: "report.\(language.rawValue).json"
        case .csv: "findings.\(language.rawValue).csv"
        case .oscal: "assessment-results.\(language.rawValue).oscal.json"
        }
    }
}

/// Reads an audit directory and writes its reports. It only reads `findings.json`: whatever
/// made the audit, the report says what the audit recorded.
public enum Reports {
    /// The audit in `directory` (its `findings.json`), or a typed error naming the file.
    public static func loadAudit(_ directory: String) throws(ReportError) -> AuditResult {
        let path = directory.hasSuffix(".json") ? directory : FilePath(directory).appending("findings.json").string
        let data: Data
        do { data = try FileReader.read(path) } catch { throw ReportError(reading: error) }
        do {
            return try JSONDecoder().decode(AuditResult.self, from: data)
        } catch let DecodingError.keyNotFound(key, context) {
            throw .notAnAudit(path: path, reason: "missing key \(keyPath(context.codingPath + [key]))")
        } catch let DecodingError.typeMismatch(_, context) {
            throw .notAnAudit(path: path, reason: "wrong type at \(keyPath(context.codingPath)): \(context.debugDescription)")
        } catch let DecodingError.valueNotFound(_, context) {
            throw .notAnAudit(path: path, reason: "missing value at \(keyPath(context.codingPath))")
        } catch let DecodingError.dataCorrupted(context) {
            throw .notAnAudit(path: path, reason: "\(context.debugDescription) at \(keyPath(context.codingPath))")
        } catch {
            throw .notAnAudit(path: path, reason: "\(error)")
        }
    }

    private static func keyPath(_ path: [any CodingKey]) -> String {
        path.isEmpty ? "the top level" : path.map { $0.intValue.map { "[\($0)]" } ?? ".\($0.stringValue)" }.joined().trimmingCharacters(in: CharacterSet(charactersIn: "."))
    }

    /// The pseudonymiser for an audit: the key file, and the mainland ranges of the organization
    /// file the audit names (or `organizationFile` when given).
    public static func pseudonymizer(keyFile: String, for result: AuditResult, organizationFile: String? = nil) throws(ReportError) -> Pseudonymizer {
        let key = try Pseudonymizer.loadKey(keyFile)
        let path = organizationFile ?? result.inputs.first { $0.kind == "organization declarations" }?.path
        var declared: [Geo.AddressRange] = []
        if let path {
            do {
                declared = Pseudonymizer.mainlandRanges(try OrganizationProfile.load(contentsOf: URL(fileURLWithPath: path)))
            } catch {
                // Without the declarations only private ranges are known to be internal; say so
                // rather than write a report that leaks the mainland sites' public addresses.
                throw .cannotRead(path: path, reason: "the organization file is needed to know which addresses are internal (\(error)); pass --org FILE")
            }
        }
        return Pseudonymizer(key: key, declared: declared)
    }

    /// The report in `format` and `language`, as bytes to write.
    public static func render(_ format: ReportFormat, _ context: ReportContext,
                              providers: [any ReportSectionProvider] = ReportDocument.standardProviders) throws(ReportError) -> Data {
        do {
            switch format {
            case .html: return Data(HTMLRenderer.render(ReportDocument.build(context, providers: providers)).utf8)
            case .md: return Data(MarkdownRenderer.render(ReportDocument.build(context, providers: providers)).utf8)
            case .csv: return Data(CSVRenderer.render(context).utf8)
            case .json: return try JSONReport.render(context) + Data("\n".utf8)
            case .oscal: return try OSCALRenderer.render(context) + Data("\n".utf8)
            }
        } catch {
            throw .cannotRender(format: format.rawValue, reason: "\(error)")
        }
    }
}

extension Reports {
    /// One finding worded exactly as the HTML report words it (facts, waiver, rationale, action,
    /// citations, flags, evidence with sources, trace, disclaimer), as an HTML fragment whose
    /// text is escaped; nil when the audit has no finding for the circuit.
    public static func findingHTML(circuitID: String, _ context: ReportContext, headingLevel: Int = 2) -> String? {
        guard let finding = context.result.findings.first(where: { $0.circuitID == circuitID }) else { return nil }
        return HTMLRenderer.fragment(FindingsSection().section(finding, context), level: headingLevel)
    }

    /// Writes each format in each language (each once, in the order given). `out` is the file
    /// when there is exactly one report and it names no directory (no trailing `/`, not an
    /// existing directory); otherwise the directory, each file named by `ReportFormat.fileName`.
    public static func write(_ formats: [ReportFormat], languages: [ReportLanguage], result: AuditResult, previous: AuditResult? = nil,
                             pseudonymized: Bool = false, to out: String) throws(ReportError) -> [String] {
        let formats = unique(formats), languages = unique(languages)
        let single = formats.count == 1 && languages.count == 1 && !out.hasSuffix("/") && (try? FileReader.kind(of: out)) != .directory
        var written: [String] = []
        for language in languages {
            let context = ReportContext(result: result, previous: previous, language: language, pseudonymized: pseudonymized)
            for format in formats {
                let path = single ? out : FilePath(out).appending(format.fileName(language)).string
                try SecureFile.write(try render(format, context), to: path)
                written.append(path)
            }
        }
        return written
    }

    private static func unique<T: Hashable>(_ items: [T]) -> [T] {
        var seen = Set<T>()
        return items.filter { seen.insert($0).inserted }
    }
}

/// Writes audit data as the rest of the tool does, through `AtomicFile`: files 0600, missing
/// directories 0700, written beside and renamed so a reader never sees half a file.
public enum SecureFile {
    public static func makeDirectory(_ path: String) throws(ReportError) {
        do { try Directories.create(path) } catch { throw ReportError(writing: error) }
    }

    public static func write(_ data: Data, to path: String, overwrite: Bool = true) throws(ReportError) {
        do { try AtomicFile.write(data, to: path, overwrite: overwrite) } catch { throw ReportError(writing: error) }
    }
}

extension ReportError {
    /// A file that could not be read, as a report error naming it.
    public init(reading error: FileSystemError) {
        self = .cannotRead(path: error.path, reason: error.reason)
    }

    /// A file that could not be written, as a report error naming it.
    public init(writing error: FileSystemError) {
        self = .cannotWrite(path: error.path, reason: error.isDiskFull ? "\(error.reason) (free some space and run again)" : error.reason)
    }
}
