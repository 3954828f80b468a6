/// The farm broker's answer to `status`: workers, queue, throughput counters and its cache.
public struct FarmStatus: Codable, Sendable, Hashable {
    public var workers = 0, queue = 0, inflight = 0, done = 0
    public var cacheHits = 0, requeued = 0, droppedMessages = 0, lateResults = 0, cachedResults = 0
    /// Worker results that were not an evaluation result of their job, re-run elsewhere (nil from a
    /// farm older than this field).
    public var malformedResults: Int? = 0
    /// Audits, disagreements and quarantined workers (nil from a farm older than audits).
    public var audit: FarmAuditStatus?
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
        case cachedResults = "cached_results", uptimeSeconds = "uptime_s", busySeconds = "busy_s", malformedResults = "malformed_results", audit
    }
}

/// The farm's audits (docs/farm-trust.md): the policy, what it found, and who is quarantined.
public struct FarmAuditStatus: Codable, Sendable, Hashable {
    public var share: Double
    public var confirmations: Bool
    /// The largest tolerance of the audited stages (0: every audited stage agrees to the bit).
    public var tolerance: Double
    /// Stages not audited: their task declares no tolerance (a command task without `audit_tolerance`).
    public var unauditedStages: [Int]
    /// Jobs accepted on two agreeing results; jobs where two workers disagreed; audited jobs accepted
    /// on one result (no other worker of their task); jobs whose workers never agreed.
    public var audited: Int, disagreements: Int, skipped: Int, unresolved: Int
    /// Cached results purged with quarantined workers, and corrections sent to the islands.
    public var purged: Int, corrections: Int
    public var quarantined: [QuarantinedWorker]

    public init(
        share: Double, confirmations: Bool, tolerance: Double, unauditedStages: [Int], audited: Int, disagreements: Int, skipped: Int, unresolved: Int, purged: Int,
        corrections: Int, quarantined: [QuarantinedWorker]
    ) {
        (self.share, self.confirmations, self.tolerance, self.unauditedStages) = (share, confirmations, tolerance, unauditedStages)
        (self.audited, self.disagreements, self.skipped, self.unresolved) = (audited, disagreements, skipped, unresolved)
        (self.purged, self.corrections, self.quarantined) = (purged, corrections, quarantined)
    }
}

/// A worker the farm gives no jobs, and why (`evoctl farm release NAME` takes it back).
public struct QuarantinedWorker: Codable, Sendable, Hashable {
    public var name: String
    public var reason: String
    /// Whether it is still connected (it may beat; its answers are ignored).
    public var connected: Bool

    public init(name: String, reason: String, connected: Bool) { (self.name, self.reason, self.connected) = (name, reason, connected) }
}

/// The reply to `pause`, `resume` and `stop`: the state the island (or the farm) is in afterwards.
public struct StateReply: Codable, Sendable, Hashable {
    public var state: IslandState

    public init(state: IslandState) { self.state = state }
}
