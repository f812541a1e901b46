// swift-tools-version: 6.0
//
// Fuzz targets for every parser of untrusted input, built by `scripts/fuzz` with libFuzzer and
// AddressSanitizer (`-sanitize=fuzzer,address`). A package of its own beside the main one, so
// an ordinary `swift build` never links these without libFuzzer. Each target is one file in
// Sources/<Target>/ whose LLVMFuzzerTestOneInput feeds the bytes to one parser family.
import PackageDescription

let package = Package(
    name: "CircuitAuditFuzz",
    dependencies: [.package(name: "CircuitAudit", path: ".."), .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3")],
    targets: [
        .target(name: "FuzzSupport", path: "Sources/FuzzSupport"),
        .executableTarget(name: "fuzz-packets", dependencies: ["FuzzSupport", .product(name: "Packets", package: "CircuitAudit")], path: "Sources/FuzzPackets"),
        .executableTarget(name: "fuzz-capture", dependencies: [
            "FuzzSupport", .product(name: "Capture", package: "CircuitAudit"), .product(name: "Traffic", package: "CircuitAudit"),
        ], path: "Sources/FuzzCapture"),
        .executableTarget(name: "fuzz-config", dependencies: ["FuzzSupport", .product(name: "Inventory", package: "CircuitAudit")], path: "Sources/FuzzConfig"),
        .executableTarget(name: "fuzz-policy", dependencies: ["FuzzSupport", .product(name: "Policy", package: "CircuitAudit")], path: "Sources/FuzzPolicy"),
        .executableTarget(name: "fuzz-tls", dependencies: ["FuzzSupport", .product(name: "Detection", package: "CircuitAudit")], path: "Sources/FuzzTLS"),
        .executableTarget(name: "fuzz-detectors", dependencies: [
            "FuzzSupport", .product(name: "Detection", package: "CircuitAudit"), .product(name: "Packets", package: "CircuitAudit"),
            .product(name: "Policy", package: "CircuitAudit"),
        ], path: "Sources/FuzzDetectors"),
        .executableTarget(name: "fuzz-ingest", dependencies: [
            "FuzzSupport", .product(name: "FleetSubmission", package: "CircuitAudit"), .product(name: "Reports", package: "CircuitAudit"),
            .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Sources/FuzzIngest"),
        .executableTarget(name: "fuzz-settings", dependencies: [
            "FuzzSupport", .product(name: "Daemon", package: "CircuitAudit"), .product(name: "FleetServer", package: "CircuitAudit"),
        ], path: "Sources/FuzzSettings"),
        .executableTarget(name: "fuzz-bundle", dependencies: [
            "FuzzSupport", .product(name: "Reports", package: "CircuitAudit"), .product(name: "Crypto", package: "swift-crypto"),
        ], path: "Sources/FuzzBundle"),
    ],
    swiftLanguageModes: [.v5]
)
