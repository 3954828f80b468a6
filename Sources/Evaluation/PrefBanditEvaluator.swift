import LossLanguage
import PrefBandit
import Synchronization

/// The embedded proxy task of one member: trains the policy with the candidate on every run of a
/// grid and scores each run exactly (frontier efficiency is the fitness). Task instances are built
/// once per seed and shared by every candidate (common random numbers). Safe to call from several
/// threads at once.
public final class PrefBanditEvaluator: MemberEvaluator {
    public let settings: PrefBanditSettings
    private let prepared = Mutex<[UInt64: PreparedInstance]>([:])
    /// Set by ``interrupt()``: every grid in progress stops before its next run, and later ones at once.
    private let interrupted = Atomic<Bool>(false)

    /// A task instance with its held-out tables.
    public struct PreparedInstance: Sendable {
        public let instance: TaskInstance
        public let metrics: PolicyMetrics
    }

    public init(settings: PrefBanditSettings) { self.settings = settings }

    public var fitnessKey: String { "frontier_efficiency" }

    /// Builds the instances of `seeds` that are not built yet.
    public func prepare(seeds: [UInt64]) { for seed in seeds { _ = instance(seed: seed) } }

    /// The seeds whose instances are built, in order.
    public var preparedSeeds: [UInt64] { prepared.withLock { $0.keys.sorted() } }

    /// The instance of a seed, built on first use.
    public func instance(seed: UInt64) -> PreparedInstance {
        if let ready = prepared.withLock({ $0[seed] }) { return ready }
        let instance = TaskInstance(settings: settings, seed: seed)
        let ready = PreparedInstance(instance: instance, metrics: PolicyMetrics(instance: instance))
        prepared.withLock { $0[seed] = ready }
        return ready
    }

    /// The runs of a grid: per seed, every beta and start trained in lockstep (``PolicyTrainer/train(_:)``,
    /// bit for bit as alone), then scored in the grid's order; the first failure in that order ends
    /// the grid, with the runs before it kept.
    public func runs(of loss: LossGraph, name: String, grid: EvaluationGrid, progress: RunProgress?) -> MemberRuns {
        var runs: [RunRecord] = []
        let lockstep = grid.betas.flatMap { beta in grid.starts.map { TrainingRun(beta: beta, start: $0) } }
        for seed in grid.seeds {
            if interrupted.load(ordering: .relaxed) { return MemberRuns(runs: runs, failed: EvaluationResult.interruptedReason) }
            let ready = instance(seed: seed)
            let trainer = PolicyTrainer(graph: loss, instance: ready.instance)
            for (run, trained) in zip(lockstep, trainer.train(lockstep)) {
                switch trained {
                case let .failure(failure):
                    return MemberRuns(runs: runs, failed: failure.reason)
                case let .success(theta):
                    let metrics = ready.metrics.scores(logProbs: trainer.heldoutLogProbs(theta: theta), beta: run.beta).metrics
                    if let bad = metrics.first(where: { !$0.value.isFinite }) {
                        return MemberRuns(runs: runs, failed: "the metric \(bad.key) is not finite (beta \(run.beta), seed \(seed), \(run.start.rawValue) start)")
                    }
                    runs.append(RunRecord(beta: run.beta, seed: seed, start: run.start.rawValue, metrics: metrics))
                    progress?()
                }
            }
        }
        return MemberRuns(runs: runs)
    }

    /// Abandons the grids in progress at their next seed (a seed's runs take milliseconds): a shutdown does
    /// not wait for a generation's evaluations, whose candidates stay pending for the next start.
    public func interrupt() { interrupted.store(true, ordering: .relaxed) }
}
