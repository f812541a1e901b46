/// Limits that keep a flow table's memory bounded on a busy gateway.
public struct FlowTableConfiguration: Sendable {
    /// A flow with no packet for this many seconds ends; nil keeps it until the capture ends
    /// (the usual choice for a file, which is one observation window).
    public var idleTimeout: Double?
    /// A flow open this many seconds ends and a new record continues it, so long-lived tunnels
    /// still report periodically; nil never splits a flow (a file's flows span the file).
    public var activeTimeout: Double?
    /// At most this many live flows; past it the least recently active one is evicted and counted.
    public var maximumFlows: Int

    public init(idleTimeout: Double? = nil, activeTimeout: Double? = nil, maximumFlows: Int = 1_000_000) {
        self.idleTimeout = idleTimeout
        self.activeTimeout = activeTimeout
        self.maximumFlows = max(1, maximumFlows)
    }
}

/// What the table did beyond counting, for the run summary: nothing is dropped silently.
public struct FlowTableStatistics: Sendable, Equatable {
    public var packets = 0
    public var flowsCreated = 0
    public var flowsEvictedForCapacity = 0
    public var flowsEndedIdle = 0
    public var flowsEndedActive = 0
    /// Later IP fragments whose first fragment (and so whose ports) was never seen.
    public var unattributedFragments = 0
    public var peakLiveFlows = 0

    public init() {}
}
