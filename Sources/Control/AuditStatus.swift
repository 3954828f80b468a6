/// The live proxy audit in an island's status: how well its stage-2 fitness (a proxy's) ranks the
/// candidates it drew at random as their stage-3 fitness (real training's, in a cascade) does.
public struct AuditStatus: Codable, Sendable, Hashable {
    /// Stage 3's task when it is another task than stage 2's; nil when both train on one task.
    public var task: String?
    /// The share of stage-2 candidates outside the top k that are drawn.
    public var share: Double
    /// Spearman's rank correlation of (stage-2, stage-3) fitness over the audited candidates, with
    /// its 95% interval; nil below three (four for the interval).
    public var rankCorrelation: Double?
    public var lower: Double?
    public var upper: Double?
    /// The island warns below this correlation, once `minimum` candidates are audited.
    public var warnBelow: Double
    public var minimum: Int
    /// Every audited candidate, in the order they were proposed (the last ``pointLimit`` of them).
    public var points: [AuditPoint]
    /// How many candidates were audited in all.
    public var audited: Int

    public init(
        task: String?, share: Double, rankCorrelation: Double?, lower: Double?, upper: Double?, warnBelow: Double, minimum: Int, points: [AuditPoint],
        audited: Int
    ) {
        (self.task, self.share, self.rankCorrelation, self.lower, self.upper) = (task, share, rankCorrelation, lower, upper)
        (self.warnBelow, self.minimum, self.points, self.audited) = (warnBelow, minimum, points, audited)
    }

    /// The most points a status carries.
    public static let pointLimit = 500

    /// "stage 3 (TASK)", or "stage 3" when stage 3 trains on stage 2's task: what the proxy is audited against.
    public var stageThree: String { task.map { "stage 3 (\($0))" } ?? "stage 3" }

    /// Whether the correlation is below the warning level, on enough candidates to say so.
    public var isBelowWarning: Bool { audited >= minimum && (rankCorrelation ?? -.infinity) < warnBelow }

    enum CodingKeys: String, CodingKey {
        case task, share, rankCorrelation = "rank_correlation", lower, upper, warnBelow = "warn_below", minimum, points, audited
    }
}

/// One audited candidate: its stage-2 (search) fitness and its stage-3 fitness.
public struct AuditPoint: Codable, Sendable, Hashable {
    public var candidate: Int64
    public var search: Double
    public var confirmed: Double

    public init(candidate: Int64, search: Double, confirmed: Double) { (self.candidate, self.search, self.confirmed) = (candidate, search, confirmed) }
}
