@preconcurrency import Crypto
import Foundation
import FuzzSupport
import Reports

/// An evidence bundle from elsewhere, as `verify` and the fleet server read it: gzip inflated
/// within limits (small here, so bombs are met quickly), tar members and names checked, then
/// the manifest and signature verified against a key.
let key = Curve25519.Signing.PrivateKey().publicKey
let limits = ArchiveLimits(maximumInflatedBytes: 4 << 20, maximumMembers: 2_000, maximumMemberBytes: 1 << 20)

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzBundle(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = Data(FuzzDriver.bytes(start, count))
    if let entries = try? EvidenceBundle.entries(of: data, path: "fuzz.tar.gz", limits: limits) {
        _ = EvidenceBundle.verify(entries: entries, publicKey: key)
    }
    return 0
}

@_cdecl("fuzz_bundle_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzBundle)
}
