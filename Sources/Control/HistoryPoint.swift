/// One finished generation of an island, for fitness over time (`history`; the dashboard's plots).
public struct HistoryPoint: Codable, Sendable, Hashable {
    /// The generation that finished, and when (Unix seconds).
    public var generation: Int
    public var at: Double
    /// The archive's best search fitness, and the best confirmed fitness (nil before any confirmation).
    public var bestSearch: Double?
    public var bestConfirmed: Double?
    public var qdScore: Double
    public var coverage: Double
    public var filled: Int
    /// Evaluations done so far.
    public var evaluations: Int

    public init(
        generation: Int, at: Double, bestSearch: Double?, bestConfirmed: Double?, qdScore: Double, coverage: Double, filled: Int, evaluations: Int
    ) {
        (self.generation, self.at, self.bestSearch, self.bestConfirmed) = (generation, at, bestSearch, bestConfirmed)
        (self.qdScore, self.coverage, self.filled, self.evaluations) = (qdScore, coverage, filled, evaluations)
    }

    enum CodingKeys: String, CodingKey {
        case generation, at, qdScore = "qd_score", coverage, filled, evaluations
        case bestSearch = "best_search", bestConfirmed = "best_confirmed"
    }
}
