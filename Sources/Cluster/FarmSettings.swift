import ConfigFiles

/// The `[farm]` section of the cluster config (docs/architecture.md §8, §10).
public struct FarmSettings: Sendable, Hashable {
    /// Where the broker binds its island ROUTER and islands connect.
    public var islandsEndpoint = "tcp://127.0.0.1:7201"
    /// Where the broker binds its worker ROUTER and workers connect.
    public var workersEndpoint = "tcp://127.0.0.1:7202"
    /// The broker's control endpoint (REP, JSON): status, stop.
    public var controlEndpoint = "tcp://127.0.0.1:7200"
    /// Workers `evoctl up` starts on this host, and threads in each.
    public var workers = 2
    public var threadsPerWorker = 1
    /// Workers beat this often; the broker gives up on a worker after `heartbeatLiveness` missed beats.
    public var heartbeatInterval = 0.5
    public var heartbeatLiveness = 4
    /// An island re-sends a request that has no answer after this many seconds (a broker restart).
    public var resendInterval = 5.0
    /// The share of jobs a second worker trains too (an audit), and whether every confirmation is
    /// audited (docs/farm-trust.md; the task declares how far two results may differ).
    public var auditShare = 0.05
    public var auditConfirmations = true
    /// The most results the broker's cache keeps (0: no limit); past it the oldest are evicted.
    public var cacheLimit = 0

    public init() {}

    public var heartbeatTimeout: Double { heartbeatInterval * Double(heartbeatLiveness) }

    /// Reads the section's keys over the defaults; `host` sets all three endpoints' host at once.
    public mutating func read(_ section: ConfigSection) throws(ConfigError) {
        let host = try section.string("host", default: "127.0.0.1")
        let islandsPort = try section.int("islands_port", default: 7201, in: 1...65_535)
        let workersPort = try section.int("workers_port", default: 7202, in: 1...65_535)
        let controlPort = try section.int("control_port", default: 7200, in: 1...65_535)
        if Set([islandsPort, workersPort, controlPort]).count != 3 {
            throw section.error("islands_port", "expected islands_port, workers_port and control_port to differ")
        }
        islandsEndpoint = "tcp://\(host):\(islandsPort)"
        workersEndpoint = "tcp://\(host):\(workersPort)"
        controlEndpoint = "tcp://\(host):\(controlPort)"
        workers = try section.int("workers", default: workers, in: 0...1_024)
        threadsPerWorker = try section.int("threads_per_worker", default: threadsPerWorker, in: 1...1_024)
        heartbeatInterval = try section.double("heartbeat_interval_s", default: heartbeatInterval, in: 0.01...60)
        heartbeatLiveness = try section.int("heartbeat_liveness", default: heartbeatLiveness, in: 1...100)
        resendInterval = try section.double("resend_interval_s", default: resendInterval, in: 0.1...3_600)
        auditShare = try section.double("audit_share", default: auditShare, in: 0...1)
        auditConfirmations = try section.bool("audit_confirmations", default: auditConfirmations)
        cacheLimit = try section.int("cache_limit", default: cacheLimit, in: 0...1_000_000_000)
    }
}
