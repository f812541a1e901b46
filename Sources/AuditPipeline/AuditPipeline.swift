import Audit
import Capture
import Detection
import Foundation
import Geo
import Inventory
import Policy
import Traffic

/// What one audit reads: policies, declarations, configuration and traffic. The `audit`
/// command builds it from its options and the daemon from its configuration file, so both run
/// exactly the same audit.
public struct AuditRequest: Sendable {
    /// A live capture window: the interface, how long, and an optional BPF filter.
    public struct LiveWindow: Sendable, Equatable {
        public var interface: String
        public var duration: Double
        public var filter: String?
        /// Capture handles in one PACKET_FANOUT group, each read by its own thread (`FanoutGroup`).
        public var fanout: Int

        public init(interface: String, duration: Double, filter: String? = nil, fanout: Int = 1) {
            self.interface = interface
            self.duration = duration
            self.filter = filter
            self.fanout = max(1, fanout)
        }
    }

    public var policyDirectory: URL
    public var ruleOverrides: URL?
    public var organizationPath: String?
    /// A configuration tree (snapshot); nil reads the live system.
    public var rootPath: String?
    public var captureFiles: [String]
    public var liveWindows: [LiveWindow]
    /// MaxMind-format databases consulted after the organization's declared ranges.
    public var geoDatabases: [String]
    public var asOf: PolicyDate
    public var toolVersion: String
    /// Worker threads for flows and detection (`TrafficAnalyzer.threads`); findings do not
    /// depend on it.
    public var threads: Int

    public init(
        policyDirectory: URL, ruleOverrides: URL? = nil, organizationPath: String? = nil, rootPath: String? = nil,
        captureFiles: [String] = [], liveWindows: [LiveWindow] = [], geoDatabases: [String] = [],
        asOf: PolicyDate = .today, toolVersion: String, threads: Int = 1
    ) {
        self.policyDirectory = policyDirectory
        self.ruleOverrides = ruleOverrides
        self.organizationPath = organizationPath
        self.rootPath = rootPath
        self.captureFiles = captureFiles
        self.liveWindows = liveWindows
        self.geoDatabases = geoDatabases
        self.asOf = asOf
        self.toolVersion = toolVersion
        self.threads = max(1, threads)
    }
}

/// Policies and declarations, loaded and validated. Kept apart from the run so a daemon can
/// load them once, check them on reload, and keep the old ones when a new one is invalid.
public struct AuditRules: Sendable {
    public var policies: PolicySet
    public var organization: OrganizationProfile?

    public init(policies: PolicySet, organization: OrganizationProfile?) {
        self.policies = policies
        self.organization = organization
    }

    /// Loads the policy directory (with overrides) and the organization file; a malformed file
    /// throws a `PolicyError` naming file, line and key.
    public static func load(policyDirectory: URL, ruleOverrides: URL?, organizationPath: String?) throws -> AuditRules {
        let policySet = try PolicySet.load(directory: policyDirectory, overrides: ruleOverrides)
        let organization = try organizationPath.map { try OrganizationProfile.load(contentsOf: URL(fileURLWithPath: $0)) }
        return AuditRules(policies: policySet, organization: organization)
    }
}

/// What an audit produced, with what went wrong on the way but did not stop it.
public struct AuditOutcome: Sendable {
    public var result: AuditResult
    /// Captures that ended early (a damaged file, an interface that went away): the packets read
    /// before are in the audit.
    public var captureWarnings: [String]
    public var inventoryWarnings: [InventoryWarning]
    /// Live interfaces whose capture failed during the window (an interface that went away).
    public var failedInterfaces: [String]
}

/// Runs one audit end to end: locate addresses, collect the inventory, analyse traffic, apply
/// the rules. Writing the results is left to the caller (`findings.json`, reports, history).
public enum AuditPipeline {
    /// Supplies the packet source for a live window: the daemon hands out handles it opened
    /// before dropping privileges. Without it the pipeline opens the interface itself.
    public typealias OpenLiveSource = @Sendable (AuditRequest.LiveWindow) throws -> [PacketSource]

    public static func run(_ request: AuditRequest, rules: AuditRules? = nil, openLive: OpenLiveSource? = nil, now: Date = Date()) throws -> AuditOutcome {
        // Policies and declarations first: a malformed file stops the audit before anything is read.
        let rules = try rules ?? AuditRules.load(
            policyDirectory: request.policyDirectory, ruleOverrides: request.ruleOverrides, organizationPath: request.organizationPath)

        var databases: [any AddressDatabase] = []
        for path in request.geoDatabases { databases.append(try MaxMindDatabase(path: path)) }
        if let legacy = try? LegacyGeoIPDatabase() { databases.append(legacy) }
        let locator = GeoLocator(declared: declaredRanges(rules.organization), databases: databases)

        let system = request.rootPath.map { SystemView(.tree(root: $0)) } ?? SystemView(.live)
        let inventory = Inventory.collect(from: system)

        let analyzer = TrafficAnalyzer(classifier: TunnelClassifier(detectors: DetectorRegistry.all(providers: rules.policies.providers)),
                                       threads: request.threads)
        var traffic: [TrafficSummary] = []
        var inputs: [AuditResult.Input] = []
        var captureWarnings: [String] = []
        var failedInterfaces: [String] = []
        for path in request.captureFiles {
            let summary = analyzer.analyze(try PacketSource.open(file: path))
            if let error = summary.error { captureWarnings.append("\(error)") }
            traffic.append(summary)
            inputs.append(.file(path, kind: "capture"))
        }
        for window in request.liveWindows {
            let sources = try openLive?(window) ?? FanoutGroup.open(
                interface: window.interface, options: LiveCaptureOptions(filter: window.filter, duration: window.duration), members: window.fanout)
            let summary = analyzer.analyze(fanout: sources)
            if let error = summary.error {
                captureWarnings.append("\(error)")
                failedInterfaces.append(window.interface)
            }
            traffic.append(summary)
            inputs.append(AuditResult.Input(path: window.interface, kind: "live capture, \(Int(window.duration)) s", sha256: nil))
        }
        if let rootPath = request.rootPath { inputs.append(AuditResult.Input(path: rootPath, kind: "configuration tree", sha256: nil)) }
        if let organizationPath = request.organizationPath { inputs.append(.file(organizationPath, kind: "organization declarations")) }

        let result = Auditor(policies: rules.policies, organization: rules.organization, locator: locator, asOf: request.asOf)
            .run(inventory: inventory, traffic: traffic, inputs: inputs, toolVersion: request.toolVersion, now: now)
        return AuditOutcome(result: result, captureWarnings: captureWarnings, inventoryWarnings: inventory.warnings, failedInterfaces: failedInterfaces)
    }

    /// The organization's declared site ranges, as the locator consults them first.
    public static func declaredRanges(_ organization: OrganizationProfile?) -> [GeoLocator.DeclaredRange] {
        organization?.sites.flatMap { site in
            site.ranges.compactMap { text in
                AddressRange(text).map { GeoLocator.DeclaredRange(range: $0, site: site.name, country: site.country, source: "organization file \(site.definedAt) (site \(site.name))") }
            }
        } ?? []
    }
}

extension PolicyDate {
    /// Today's date in UTC.
    public static var today: PolicyDate {
        let parts = Calendar(identifier: .gregorian).dateComponents(in: TimeZone(identifier: "UTC")!, from: Date())
        return PolicyDate(String(format: "%04d-%02d-%02d", parts.year!, parts.month!, parts.day!))!
    }
}
