import LossDescriptors
import PrefBandit

/// One run of an evaluation: its place in the grid and its metrics.
public struct RunRecord: Sendable, Hashable, Codable {
    public var beta: Double
    public var seed: UInt64
    /// `exact` or `perturbed` for prefbandit; `command` for command tasks.
    public var start: String
    public var metrics: [String: Double]

    public init(beta: Double, seed: UInt64, start: String, metrics: [String: Double]) {
        (self.beta, self.seed, self.start, self.metrics) = (beta, seed, start, metrics)
    }
}

/// The result of evaluating one candidate: a fitness, or the reason it failed; never both.
public struct EvaluationResult: Sendable, Hashable, Codable {
    /// Mean frontier efficiency (prefbandit) or mean reported fitness (command); nil when failed.
    public var fitness: Double?
    /// Which cascade stage produced it.
    public var stage: Stage
    /// Why the evaluation failed (a NaN, a divergence, a command's error), or nil.
    public var failed: String?
    /// Means over the runs of every metric.
    public var metrics: [String: Double]
    public var runs: [RunRecord]
    public var seconds: Double
    /// The loss's shape descriptors, computed where it was evaluated (nil if undefined or failed).
    public var descriptors: Descriptors?
    /// Set by the farm client on delivery: true when the broker answered from its result cache (or
    /// from another island's identical request) instead of training again.
    public var cached: Bool?

    public init(fitness: Double?, stage: Stage, failed: String?, metrics: [String: Double], runs: [RunRecord], seconds: Double) {
        (self.fitness, self.stage, self.failed, self.metrics, self.runs, self.seconds) = (fitness, stage, failed, metrics, runs, seconds)
    }

    /// The reason of a result that is not an outcome: the evaluation was abandoned because its
    /// process (an island, a farm worker, evoctl) is shutting down. The island keeps the candidate
    /// pending and evaluates it after a restart; a worker sends nothing, and the broker requeues it.
    public static let interruptedReason = "interrupted: the process is shutting down"

    public var isInterrupted: Bool { failed == Self.interruptedReason }

    /// A failed result.
    public static func failure(_ reason: String, stage: Stage, runs: [RunRecord] = [], seconds: Double) -> EvaluationResult {
        EvaluationResult(fitness: nil, stage: stage, failed: reason, metrics: [:], runs: runs, seconds: seconds)
    }

    /// A successful result from its runs; `fitnessKey` names the metric whose mean is the fitness.
    public static func success(runs: [RunRecord], fitnessKey: String, stage: Stage, seconds: Double) -> EvaluationResult {
        var sums: [String: Double] = [:]
        for run in runs { for (key, value) in run.metrics { sums[key, default: 0] += value } }
        let means = sums.mapValues { $0 / Double(max(runs.count, 1)) }
        return EvaluationResult(fitness: means[fitnessKey], stage: stage, failed: nil, metrics: means, runs: runs, seconds: seconds)
    }
}

extension PolicyScores {
    /// The scores as named metrics (the JSON keys of `evoctl loss eval`).
    public var metrics: [String: Double] {
        ["frontier_efficiency": frontierEfficiency, "reward": reward, "kl": kl, "win_rate": winRate,
         "ranking_accuracy": rankingAccuracy, "ideal_ranking_accuracy": idealRankingAccuracy]
    }
}
