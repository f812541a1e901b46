import Foundation

/// VPN and proxy programs that cron starts (crontab(5)): the system table `/etc/crontab` and
/// `/etc/cron.d/*` (`minute hour day month weekday user command`), and users' tables
/// `/var/spool/cron/crontabs/*` (no user field). `@reboot`, `@daily`... stand for the five
/// time fields; `NAME=value` lines set the environment.
///
/// A line whose command runs a known program (`VPNProgram`: openvpn, wg-quick, ss-local,
/// tor...), directly, through a wrapper (`nohup`, `sudo`...) or as `systemctl start UNIT` of a
/// VPN unit, is an item of that program's technology, role unknown, attributes `started-by`
/// (`cron`), `schedule`, `user` and the program's config file. The command line itself is not
/// copied (it can hold a password).
public struct CronCollector: Collector {
    public let name = "cron"
    static let systemTables = ["/etc/crontab", "/etc/cron.d/*"]
    static let userTables = "/var/spool/cron/crontabs/*"
    public let inputs: [CollectorInput] = (systemTables + [userTables]).map { .files($0) }

    public init() {}

    public func collect(from system: SystemView) -> CollectorResult {
        system.collectFiles(Self.systemTables) { path, text in parse(text, path: path, hasUserField: true) }
            + system.collectFiles([Self.userTables]) { path, text in parse(text, path: path, hasUserField: false) }
    }

    static let nicknames: Set<String> = ["@reboot", "@yearly", "@annually", "@monthly", "@weekly", "@daily", "@midnight", "@hourly"]

    /// Whether `field` is a crontab time field: numbers, ranges, lists, steps, `*`, names.
    static func isTimeField(_ field: String) -> Bool {
        !field.isEmpty && field.allSatisfy { $0.isNumber || $0.isLetter || ",-/*".contains($0) }
            && (field.first?.isNumber == true || field.first == "*" || field.first?.isLetter == true)
    }

    func parse(_ text: String, path: String, hasUserField: Bool) -> CollectorResult {
        var result = CollectorResult()
        for (index, raw) in text.split(separator: "\n", omittingEmptySubsequences: false).enumerated() {
            let line = raw.trimmingCharacters(in: .whitespaces)
            guard !line.isEmpty, !line.hasPrefix("#") else { continue }
            let reference = SourceReference(path, line: index + 1)
            let fields = line.split(whereSeparator: { $0 == " " || $0 == "\t" }).map(String.init)
            // An environment setting: NAME=value, before any blank.
            if let equals = line.firstIndex(of: "="), !line.hasPrefix("@"),
               line[..<equals].trimmingCharacters(in: .whitespaces).allSatisfy({ $0.isLetter || $0.isNumber || $0 == "_" }) {
                continue
            }
            let timeCount = fields[0].hasPrefix("@") ? 1 : 5
            if timeCount == 1, !Self.nicknames.contains(fields[0]) {
                result.warnings.append(InventoryWarning(reference, "unknown schedule \(fields[0])"))
                continue
            }
            let needed = timeCount + (hasUserField ? 1 : 0) + 1
            guard fields.count >= needed else {
                result.warnings.append(InventoryWarning(reference, "expected \(timeCount == 1 ? "@nickname" : "5 time fields")\(hasUserField ? ", a user" : "") and a command; got \(fields.count) fields"))
                continue
            }
            if timeCount == 5, let bad = fields.prefix(5).first(where: { !Self.isTimeField($0) }) {
                result.warnings.append(InventoryWarning(reference, "not a time field: \(bad)"))
                continue
            }
            let user = hasUserField ? fields[timeCount] : VPNProgram.baseName(path)
            // The command is the rest of the line as written; `%` ends it (the rest is stdin).
            let commandText = line.split(separator: "%", maxSplits: 1).first.map(String.init) ?? line
            let words = Array(ConfigText.words(Substring(commandText), comments: []).dropFirst(needed - 1))
            var attributes = ["started-by": "cron", "schedule": fields.prefix(timeCount).joined(separator: " "), "user": user]
            let technology: String
            if let program = VPNProgram.program(in: words) {
                technology = program.technology
                attributes["process"] = program.name
                attributes.merge(VPNProgram.arguments(words.dropFirst(program.index + 1), program: program.name)) { first, _ in first }
            } else if let unit = Self.systemctlUnit(words) {
                let stem = unit.replacingOccurrences(of: ".service", with: "")
                let prefix = String(stem.split(separator: "@", maxSplits: 1).first ?? "")
                guard let known = SystemdUnitCollector.units[prefix] else { continue }
                technology = known.technology
                attributes["unit"] = unit
            } else {
                continue
            }
            result.items.append(ConfigItem(
                technology: technology, role: .unknown, name: "cron \(VPNProgram.baseName(path)):\(index + 1) \(attributes["process"] ?? attributes["unit"] ?? technology)",
                interface: attributes["interface"], attributes: attributes, sources: [reference]))
        }
        return result
    }

    /// The unit of `systemctl start|restart UNIT` anywhere in the command.
    static func systemctlUnit(_ words: [String]) -> String? {
        guard let index = words.firstIndex(where: { VPNProgram.baseName($0) == "systemctl" }) else { return nil }
        let rest = words[(index + 1)...].filter { !$0.hasPrefix("-") }
        guard let verb = rest.first, ["start", "restart", "reload-or-restart", "try-restart"].contains(verb) else { return nil }
        return rest.dropFirst().first
    }
}
