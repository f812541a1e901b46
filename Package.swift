// swift-tools-version: 6.0
//
// CircuitAudit: audits how a gateway in mainland China reaches the rest of the world.
//
// Targets depend one way only:
//   FileSupport (+ swift-system's FilePath): paths, atomic writes, bounded reads; below every target that touches files
//   Packets ─► Capture (+ CPcap) ─┐
//   Packets ─► Flows ─────────────┼─► Traffic ─► circuit-audit (the thin CLI)
//   Packets ─► Detection ─────────┘
//   Inventory (+ swift-crypto for fingerprints) ───────────────┘
//   Policy ─► DataExport (cross-border data rules, pure) ─► Audit
//   Audit ─► Reports (+ CZlib): reads findings only (with DataExport's result types); reports, pseudonyms, signed bundles
// AuditPipeline runs an audit end to end; History keeps runs in SQLite; Daemon schedules them.
// The fleet: FleetUpload (gateway side) sends bundles; FleetStore (PostgreSQL) ─► FleetConsole (pages)
// ─► FleetServer (HTTP) on the server side. The gateway side never imports the server's targets.
// Decoding never imports capture or policy; heavy dependencies stay in the one target that
// needs them so the packet path builds fast.
import PackageDescription

let package = Package(
    name: "CircuitAudit",
    platforms: [.macOS(.v13)],
    products: [
        .executable(name: "circuit-audit", targets: ["circuit-audit"]),
        .library(name: "Packets", targets: ["Packets"]),
        .library(name: "Capture", targets: ["Capture"]),
        .library(name: "Flows", targets: ["Flows"]),
        .library(name: "Detection", targets: ["Detection"]),
        .library(name: "Inventory", targets: ["Inventory"]),
        // For the fuzz targets in Fuzz/ (a package of their own).
        .library(name: "Traffic", targets: ["Traffic"]),
        .library(name: "Policy", targets: ["Policy"]),
        .library(name: "Reports", targets: ["Reports"]),
        .library(name: "FleetSubmission", targets: ["FleetSubmission"]),
        .library(name: "Daemon", targets: ["Daemon"]),
        .library(name: "FleetServer", targets: ["FleetServer"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/jpsim/Yams", from: "5.0.1"),
        .package(url: "https://github.com/LebJe/TOMLKit", from: "0.6.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        // The fleet: the server (Hummingbird, PostgreSQL, Prometheus) and the gateway's uploader (HTTP client).
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/vapor/postgres-nio", from: "1.33.2"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
        .package(url: "https://github.com/swift-server/async-http-client", from: "1.37.0"),
        .package(url: "https://github.com/apple/swift-nio-ssl", from: "2.37.6"),
        .package(url: "https://github.com/apple/swift-system", from: "1.8.1"),
        // The console: bcrypt for passwords, Mustache templates for the pages.
        .package(url: "https://github.com/hummingbird-project/hummingbird-auth", from: "2.5.0"),
        .package(url: "https://github.com/hummingbird-project/swift-mustache", from: "2.1.1"),
    ],
    targets: [
        .systemLibrary(
            name: "CPcap",
            pkgConfig: "libpcap",
            providers: [.apt(["libpcap-dev"])]
        ),
        .systemLibrary(name: "CGeoIP", pkgConfig: "geoip", providers: [.apt(["libgeoip-dev"])]),
        .systemLibrary(name: "CMaxMindDB", pkgConfig: "libmaxminddb", providers: [.apt(["libmaxminddb-dev"])]),
        .systemLibrary(name: "CZlib", pkgConfig: "zlib", providers: [.apt(["zlib1g-dev"])]),
        // Paths split and joined with FilePath, the one atomic writer, reads bounded and refusing non-regular files.
        .target(name: "FileSupport", dependencies: [.product(name: "SystemPackage", package: "swift-system")]),
        .target(name: "Packets"),
        .target(name: "Geo", dependencies: ["FileSupport", "Packets", "CGeoIP", "CMaxMindDB"]),
        .target(name: "Capture", dependencies: ["CPcap", "FileSupport", "Packets"]),
        .target(name: "Flows", dependencies: ["Packets"]),
        // AES-CTR only to recognise Telegram's self-keyed obfuscation among fully encrypted openings.
        .target(name: "Detection", dependencies: ["Packets", .product(name: "_CryptoExtras", package: "swift-crypto"), .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "Policy", dependencies: ["Detection", "FileSupport", .product(name: "Yams", package: "Yams")]),
        // Member import visibility keeps TOMLKit's extensions of String and collections to the one
        // file that reads TOML.
        .target(name: "Inventory", dependencies: [
            "FileSupport", .product(name: "Crypto", package: "swift-crypto"), .product(name: "Yams", package: "Yams"),
            .product(name: "TOMLKit", package: "TOMLKit"),
        ], swiftSettings: [.enableUpcomingFeature("MemberImportVisibility")]),
        // Cross-border data-export rules: pure evaluation of declarations against policy data.
        .target(name: "DataExport", dependencies: ["Policy"]),
        .target(name: "Traffic", dependencies: ["Capture", "Flows", "Packets", "Detection"]),
        .target(name: "Audit", dependencies: [
            "FileSupport", "Geo", "Inventory", "Policy", "DataExport", "Traffic", "Detection", "Flows", "Packets",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .target(name: "Reports", dependencies: [
            "Audit", "FileSupport", "DataExport", "Policy", "Geo", "Inventory", "Packets", "CZlib",
            .product(name: "Crypto", package: "swift-crypto"),
        ]),
        // The audit run end to end (policies, inventory, traffic, Auditor): shared by `audit` and the daemon.
        .target(name: "AuditPipeline", dependencies: ["Audit", "FileSupport", "Capture", "Geo", "Inventory", "Policy", "Traffic", "Detection"]),
        // Audit runs kept in SQLite (GRDB, WAL) and the differences between two of them.
        .target(name: "History", dependencies: ["Audit", "FileSupport", .product(name: "GRDB", package: "GRDB.swift"), .product(name: "Crypto", package: "swift-crypto")]),
        .target(name: "CPrivileges"),
        // The gateway's side of the fleet: each run's signed bundle spooled on disk and sent to the server.
        .target(name: "FleetUpload", dependencies: [
            "Reports", "FileSupport",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // What a gateway sends the server, unpacked and verified before anything is stored, and why a
        // run is refused: no database here, so the fuzzer reaches the server's whole reading of a body.
        .target(name: "FleetSubmission", dependencies: ["Reports", "Audit", .product(name: "Crypto", package: "swift-crypto")]),
        // The server's side: the fleet in PostgreSQL (migrations, ingestion of verified bundles, the queries).
        .target(name: "FleetStore", dependencies: [
            "FleetSubmission", "Reports", "Audit", "DataExport", "Policy",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The console: server-rendered pages for counsel (accounts, sessions, review decisions), English and Chinese.
        .target(name: "FleetConsole", dependencies: [
            "FleetStore", "FleetSubmission", "Reports", "Audit", "Policy",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdBcrypt", package: "hummingbird-auth"),
            .product(name: "Mustache", package: "swift-mustache"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        // The HTTP server: ingestion, the JSON API, the console, health and metrics (Hummingbird 2).
        .target(name: "FleetServer", dependencies: [
            "FleetStore", "FleetSubmission", "FleetConsole", "Reports", "Audit", "Policy",
            .product(name: "Hummingbird", package: "hummingbird"),
            .product(name: "HummingbirdCore", package: "hummingbird"),
            .product(name: "HummingbirdTLS", package: "hummingbird"),
            .product(name: "NIOSSL", package: "swift-nio-ssl"),
            .product(name: "Prometheus", package: "swift-prometheus"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "Yams", package: "Yams"),
        ]),
        .target(name: "Daemon", dependencies: [
            "AuditPipeline", "History", "Audit", "FileSupport", "Reports", "Policy", "Capture", "Traffic", "CPrivileges", "FleetUpload",
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Yams", package: "Yams"),
            .product(name: "Logging", package: "swift-log"),
            .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            .product(name: "UnixSignals", package: "swift-service-lifecycle"),
        ]),
        .executableTarget(
            name: "circuit-audit",
            dependencies: [
                "Packets", "Capture", "Flows", "Traffic", "Detection", "Inventory", "Geo", "Policy", "DataExport", "Audit", "Reports",
                "AuditPipeline", "History", "Daemon", "FileSupport", "FleetUpload", "FleetSubmission", "FleetStore", "FleetConsole", "FleetServer",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "ArgumentParser", package: "swift-argument-parser"),
            ]
        ),

        // scripts/bench-fleet: simulated gateways against a real server and PostgreSQL.
        .executableTarget(name: "fleet-bench", dependencies: [
            "FleetStore", "FleetConsole", "FleetUpload", "Reports", "Audit", "AuditPipeline", "Policy",
            .product(name: "AsyncHTTPClient", package: "async-http-client"),
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Crypto", package: "swift-crypto"),
            .product(name: "Logging", package: "swift-log"),
        ], path: "Sources/FleetBench"),

        .target(name: "TestSupport", dependencies: ["Packets", "AuditPipeline", "Audit", "Policy"], path: "Tests/TestSupport"),
        .testTarget(name: "FileSupportTests", dependencies: ["FileSupport"]),
        .testTarget(name: "PacketsTests", dependencies: ["Packets", "TestSupport"]),
        .testTarget(name: "CaptureTests", dependencies: ["Capture", "TestSupport"]),
        .testTarget(name: "FlowsTests", dependencies: ["Flows", "Packets", "TestSupport"]),
        .testTarget(name: "DetectionTests", dependencies: [
            "Detection", "Packets", "TestSupport", .product(name: "_CryptoExtras", package: "swift-crypto"), .product(name: "Crypto", package: "swift-crypto"),
        ]),
        .testTarget(name: "PolicyTests", dependencies: ["Policy", "Detection", "Packets", "TestSupport"]),
        .testTarget(name: "InventoryTests", dependencies: ["Inventory", "TestSupport"]),
        .testTarget(name: "GeoTests", dependencies: ["Geo", "Packets", "TestSupport"]),
        .testTarget(name: "DataExportTests", dependencies: ["DataExport", "Policy", "TestSupport"]),
        .testTarget(name: "AuditTests", dependencies: ["Audit", "DataExport", "Policy", "Geo", "Inventory", "Traffic", "Detection", "Flows", "Capture", "Packets", "TestSupport"]),
        .testTarget(name: "CLITests", dependencies: ["TestSupport"]),
        .testTarget(name: "ReportsTests", dependencies: ["Reports", "CZlib", "Audit", "DataExport", "Policy", "Geo", "Inventory", "TestSupport"]),
        .testTarget(name: "HistoryTests", dependencies: ["History", "AuditPipeline", "Audit", "TestSupport"]),
        .testTarget(name: "DaemonTests", dependencies: ["Daemon", "History", "AuditPipeline", "Audit", "Reports", "TestSupport"]),
        .testTarget(name: "FleetTests", dependencies: [
            "FleetSubmission", "FleetStore", "FleetConsole", "FleetServer", "FleetUpload", "Reports", "Audit", "TestSupport",
            .product(name: "PostgresNIO", package: "postgres-nio"),
            .product(name: "Logging", package: "swift-log"),
        ]),
        .testTarget(name: "TrafficTests", dependencies: ["Traffic", "Capture", "Detection", "Flows", "Packets", "TestSupport"]),
    ],
    swiftLanguageModes: [.v6]
)
