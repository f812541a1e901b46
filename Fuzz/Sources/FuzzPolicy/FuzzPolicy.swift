import Foundation
import FuzzSupport
import Policy

/// The YAML files a user writes or edits: the organization file, the data-export rules, the
/// operators list, the Circular 32 rule pack and the VPN provider catalogue (the first byte
/// picks which), each parsed as the audit parses it, so a damaged file is an error naming its
/// line and key and never a crash.
@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzPolicy(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let (selector, text) = FuzzDriver.selectedText(start, count) else { return 0 }
    switch selector % 5 {
    case 0: _ = try? OrganizationProfile.parse(text, file: "organization.yaml")
    case 1: _ = try? DataExportPolicy.parse(text, file: "data-export.yaml")
    case 2: _ = try? OperatorRegistry.parse(text, file: "operators.yaml")
    case 3: _ = try? RulePack.parse(text, file: "circular32.yaml")
    default: _ = try? ProviderCatalogLoader.parse(text, file: "providers.yaml")
    }
    return 0
}

@_cdecl("fuzz_policy_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzPolicy)
}
