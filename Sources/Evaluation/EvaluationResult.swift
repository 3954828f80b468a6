import LossDescriptors
import Model
import PrefBandit

/// One run of an evaluation: its place in the grid (member, beta, seed, start) and its metrics.
public struct RunRecord: Sendable, Hashable, Codable {
    /// The suite member it belongs to (nil in results written before suites: the only member).
    public var member: String?
    public var beta: Double
    public var seed: UInt64
    /// `exact` or `perturbed` for prefbandit; `command` for command tasks.
    public var start: String
    public var metrics: [String: Double]

    public init(member: String? = nil, beta: Double, seed: UInt64, start: String, metrics: [String: Double]) {
        (self.member, self.beta, self.seed, self.start, self.metrics) = (member, beta, seed, start, metrics)
    }
}

/// The result of evaluating one candidate: a fitness, or the reason it failed; never both.
public struct EvaluationResult: Sendable, Hashable, Codable {
    /// The weighted mean of the members' fitness (each the mean frontier efficiency of a prefbandit
    /// member or the mean reported fitness of a command member); nil when failed.
    public var fitness: Double?
    /// Which cascade stage produced it.
    public var stage: Stage
    /// Why the evaluation failed (a NaN, a divergence, a command's error), or nil.
    public var failed: String?
    /// Weighted means over the members of their metric means (the metrics every member has).
    public var metrics: [String: Double]
    /// Each member's fitness and metrics, in the suite's order (nil in results written before suites).
    public var members: [MemberResult]?
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

    /// A successful result from each member's runs: member fitness is the mean of its fitness metric,
    /// the result's fitness and metrics the weighted means over the members.
    public static func success(
        members: [(name: String, weight: Double, fitnessKey: String, runs: [RunRecord])], stage: Stage,
        seconds: Double
    ) -> EvaluationResult {
        var results: [MemberResult] = []
        for (name, weight, fitnessKey, runs) in members {
            var sums: [String: Double] = [:]
            for run in runs { for (key, value) in run.metrics { sums[key, default: 0] += value } }
            let means = sums.mapValues { $0 / Double(max(runs.count, 1)) }
            results.append(MemberResult(name: name, weight: weight, fitness: means[fitnessKey] ?? .nan, metrics: means))
        }
        let total = results.reduce(0) { $0 + $1.weight }
        let fitness = results.reduce(0) { $0 + $1.weight * $1.fitness } / total
        let shared = results.dropFirst().reduce(Set(results.first?.metrics.keys ?? [:].keys)) { $0.intersection($1.metrics.keys) }
        var metrics: [String: Double] = [:]
        for key in shared { metrics[key] = results.reduce(0) { $0 + $1.weight * ($1.metrics[key] ?? 0) } / total }
        var result = EvaluationResult(
            fitness: fitness.isFinite ? fitness : nil, stage: stage,
            failed: fitness.isFinite ? nil : "the fitness is not a finite number", metrics: metrics,
            runs: members.flatMap(\.runs), seconds: seconds)
        result.members = results
        return result
    }

    /// A successful result of a single task from its runs (`fitnessKey` names the fitness metric).
    public static func success(runs: [RunRecord], fitnessKey: String, stage: Stage, seconds: Double) -> EvaluationResult {
        success(members: [(TaskMember.singleName, 1, fitnessKey, runs)], stage: stage, seconds: seconds)
    }
}

extension PolicyScores {
    /// The scores as named metrics (the JSON keys of `evoctl loss eval`).
    public var metrics: [String: Double] {
        [
            "frontier_efficiency": frontierEfficiency, "reward": reward, "kl": kl, "win_rate": winRate,
            "ranking_accuracy": rankingAccuracy, "ideal_ranking_accuracy": idealRankingAccuracy,
        ]
    }
}
