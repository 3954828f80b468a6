import Dispatch
import LossDescriptors
import LossLanguage
import PrefBandit
import Synchronization

/// The embedded proxy task: trains the policy with the candidate on every run of the stage's grid
/// and scores it by mean frontier efficiency. Task instances are built once per seed and shared by
/// every candidate (common random numbers). Safe to call from several threads at once.
public final class PrefBanditEvaluator: Evaluator {
    public let settings: PrefBanditSettings
    public let task: TaskConfig
    public let taskHash: String
    private let prepared = Mutex<[UInt64: PreparedInstance]>([:])

    /// A task instance with its held-out tables.
    public struct PreparedInstance: Sendable {
        public let instance: TaskInstance
        public let metrics: PolicyMetrics
    }

    public init(settings: PrefBanditSettings, task: TaskConfig) {
        self.settings = settings
        self.task = task
        taskHash = task.hash
    }

    /// The instance of a seed, built on first use.
    public func instance(seed: UInt64) -> PreparedInstance {
        if let ready = prepared.withLock({ $0[seed] }) { return ready }
        let instance = TaskInstance(settings: settings, seed: seed)
        let ready = PreparedInstance(instance: instance, metrics: PolicyMetrics(instance: instance))
        prepared.withLock { $0[seed] = ready }
        return ready
    }

    public func evaluate(_ loss: LossGraph, name: String, stage: Stage) -> EvaluationResult {
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var runs: [RunRecord] = []
        let grid = task.grid(for: stage)
        for seed in grid.seeds {
            let ready = instance(seed: seed)
            let trainer = PolicyTrainer(graph: loss, instance: ready.instance)
            for beta in grid.betas {
                for startKind in grid.starts {
                    switch trainer.train(beta: beta, start: startKind) {
                    case let .failure(failure):
                        return .failure(failure.reason, stage: stage, runs: runs, seconds: elapsed())
                    case let .success(theta):
                        let scores = ready.metrics.scores(logProbs: trainer.heldoutLogProbs(theta: theta), beta: beta)
                        let metrics = scores.metrics
                        if let bad = metrics.first(where: { !$0.value.isFinite }) {
                            return .failure("the metric \(bad.key) is not finite (beta \(beta), seed \(seed), \(startKind.rawValue) start)",
                                            stage: stage, runs: runs, seconds: elapsed())
                        }
                        runs.append(RunRecord(beta: beta, seed: seed, start: startKind.rawValue, metrics: metrics))
                    }
                }
            }
        }
        var result = EvaluationResult.success(runs: runs, fitnessKey: "frontier_efficiency", stage: stage, seconds: elapsed())
        result.descriptors = try? Descriptors(of: loss)
        return result
    }
}
