/// The farm broker's answer to `status`: workers, queue, throughput counters and its cache.
public struct FarmStatus: Codable, Sendable, Hashable {
    public var workers = 0, queue = 0, inflight = 0, done = 0
    public var cacheHits = 0, requeued = 0, droppedMessages = 0, lateResults = 0, cachedResults = 0
    /// Worker results that were not an evaluation result of their job, re-run elsewhere (nil from a
    /// farm older than this field).
    public var malformedResults: Int? = 0
    public var uptimeSeconds = 0.0
    /// Seconds the broker's thread spent working (not waiting).
    public var busySeconds = 0.0
    /// CURVE or plain sockets, and the connections refused.
    public var security = SecurityStatus(mode: .plain, refusedConnections: 0)
    /// The broker's host, pid and Slurm job.
    public var placement: Placement? = .current()

    public init() {}

    enum CodingKeys: String, CodingKey {
        case workers, queue, inflight, done, requeued, security, placement
        case cacheHits = "cache_hits", droppedMessages = "dropped_messages", lateResults = "late_results"
        case cachedResults = "cached_results", uptimeSeconds = "uptime_s", busySeconds = "busy_s", malformedResults = "malformed_results"
    }
}

/// The reply to `pause`, `resume` and `stop`: the state the island (or the farm) is in afterwards.
public struct StateReply: Codable, Sendable, Hashable {
    public var state: IslandState

    public init(state: IslandState) { self.state = state }
}
