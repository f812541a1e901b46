// TEMPORARY: stands in for issue-18's ArchiveLimits until that branch merges.
public struct ArchiveLimits: Sendable, Equatable {
    public var maximumInflatedBytes: Int
    public var maximumMembers: Int
    public var maximumMemberBytes: Int
    public static let standard = ArchiveLimits()
    public init(maximumInflatedBytes: Int = 1 << 30, maximumMembers: Int = 100_000, maximumMemberBytes: Int = 512 << 20) {
        self.maximumInflatedBytes = maximumInflatedBytes
        self.maximumMembers = maximumMembers
        self.maximumMemberBytes = maximumMemberBytes
    }
}
