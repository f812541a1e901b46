import Daemon
import FleetServer
import Foundation
import FuzzSupport

/// The service configuration files an administrator edits: the daemon's `daemon.yaml` (its
/// schedule's cron expressions included) and the fleet server's `server.yaml` (the first byte
/// picks which), parsed as the daemon and the server parse them when they start, so a damaged
/// file is an error naming its line and key and never a crash. Parsing reads nothing but the
/// text (and whether a named TLS file is readable).
let policies = URL(fileURLWithPath: "policies")

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzSettings(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    guard let (selector, text) = FuzzDriver.selectedText(start, count) else { return 0 }
    switch selector % 3 {
    case 0: _ = try? DaemonConfiguration.parse(text, file: "/etc/circuit-audit/daemon.yaml", defaultPolicies: policies)
    case 1: _ = try? ServerConfiguration.parse(text, file: "/etc/circuit-audit/server.yaml", environment: ["DATABASE_URL": "postgres://fleet@127.0.0.1:5432/fleet"])
    default: _ = try? CronSchedule(text)
    }
    return 0
}

@_cdecl("fuzz_settings_main")
func fuzzMain(_ argc: CInt, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> CInt {
    FuzzDriver.run(argc, argv, fuzzSettings)
}
