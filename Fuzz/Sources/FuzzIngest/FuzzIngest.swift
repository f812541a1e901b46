@preconcurrency import Crypto
import Foundation
import FleetSubmission
import FuzzSupport
import Reports

/// A body sent to the fleet server, read as the server reads it before anything is stored:
/// unpacked within limits, the gateway it claims read from the manifest, the signature checked
/// with that gateway's key, then the signed run and its `findings.json` read.
///
/// First byte even: the rest is the body as it came. Odd: the rest is what a gateway signs —
/// the run's gateway, id, trigger and next-run time, each ended by a zero byte, then the
/// `findings.json` — sealed here with the enrolled key, so the fuzzer reaches what lies behind
/// a valid signature (a gateway that is broken or taken over still signs what it sends).
///
/// The enrolled key is fixed (its 32 bytes are the SHA-256 of "circuit-audit fuzz-ingest"), so
/// `scripts/fuzz` can sign a seed body with it and whole bodies, too, get past the signature.
let gatewayKey = try! Curve25519.Signing.PrivateKey(rawRepresentation: SHA256.hash(data: Data("circuit-audit fuzz-ingest".utf8)))
let limits = ArchiveLimits(maximumInflatedBytes: 4 << 20, maximumMembers: 2_000, maximumMemberBytes: 1 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzIngest(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let input = FuzzDriver.bytes(start, count)
    guard let selector = input.first else { return 0 }
    let body = Data(input.dropFirst())
    let files: [Tar.Entry]
    if selector & 1 == 0 {
        guard let unpacked = try? RunSubmission.unpack(body, limits: limits) else { return 0 }
        files = unpacked
    } else {
        guard let sealed = sealed(body) else { return 0 }
        files = sealed
    }
    guard let gateway = try? RunSubmission.claimedGateway(of: files) else { return 0 }
    _ = try? RunSubmission.verify(files, bundleBytes: body.count, gateway: gateway, publicKey: gatewayKey.publicKey)
    return 0
}

/// The members a gateway would send for `signed`: its run fields and findings, under a
/// manifest signed with the enrolled key.
func sealed(_ signed: Data) -> [Tar.Entry]? {
    var fields: [String] = []
    var rest = signed[...]
    while fields.count < 4, let zero = rest.firstIndex(of: 0) {
        fields.append(String(decoding: rest[..<zero], as: UTF8.self))
        rest = rest[(zero + 1)...]
    }
    guard fields.count == 4 else { return nil }
    let run = EvidenceBundle.Manifest.Run(gateway: fields[0], id: fields[1], trigger: fields[2], nextRunDue: fields[3].isEmpty ? nil : fields[3])
    let manifest = EvidenceBundle.Manifest(toolVersion: "fuzz", createdAt: "2026-12-05T00:00:00Z", auditGeneratedAt: "2026-12-05T00:00:00Z",
                                           auditAsOf: "2026-12-05", organization: nil, policies: [], pseudonymized: false, notes: [], run: run)
    return try? EvidenceBundle.seal([Tar.Entry(path: "findings.json", data: Data(rest))], manifest: manifest, signingKey: gatewayKey)
}

@_cdecl("fuzz_ingest_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzIngest)
}
