import Dispatch
import LossDescriptors
import LossLanguage
import Model

/// Evaluates a candidate on every member of a suite (docs/architecture.md §5.4) at a cascade stage: each
/// member on its own grid for the stage, the fitness the weighted mean of the members'. It also
/// evaluates one task on any grid, for validation (held-out seeds and transfer tasks), which no
/// island can ask for. Safe to call from several threads at once.
public final class SuiteEvaluator: Evaluator {
    public let task: TaskConfig
    public let taskHash: String
    /// One evaluator per member, in the suite's order, then one per transfer task.
    private let memberEvaluators: [any MemberEvaluator]
    private let transferEvaluators: [any MemberEvaluator]
    /// A cascade's stages on another task than stage 2's, each with the evaluator of that task.
    private let stageEvaluators: [Stage: SuiteEvaluator]

    public init(task: TaskConfig) {
        self.task = task
        taskHash = task.hash
        memberEvaluators = task.members.map { $0.makeEvaluator() }
        transferEvaluators = task.validation.map { $0.makeEvaluator() }
        // Stages that share a task share its evaluator (a resident command is started once).
        var evaluators: [Stage: SuiteEvaluator] = [:]
        for stage in Stage.allCases where task.isOwnTask(stage) {
            let own = task.task(for: stage)
            evaluators[stage] = evaluators.values.first { $0.task == own } ?? SuiteEvaluator(task: own)
        }
        stageEvaluators = evaluators
    }

    public func evaluate(_ loss: LossGraph, name: String, stage: Stage) -> EvaluationResult {
        evaluate(loss, name: name, stage: stage, progress: nil)
    }

    /// The runs an evaluation at `stage` trains: every member's grid.
    public func runCount(stage: Stage) -> Int {
        if let other = stageEvaluators[stage] { return other.runCount(stage: stage) }
        return task.members.reduce(0) { $0 + $1.grid(for: stage).runs.count }
    }

    /// Builds every member's task instances for `stage` (once per evaluator: islands and workers
    /// keep theirs, so only the first evaluation pays); returns the seconds it took.
    @discardableResult
    public func prepare(stage: Stage) -> Double {
        if let other = stageEvaluators[stage] { return other.prepare(stage: stage) }
        let start = DispatchTime.now().uptimeNanoseconds
        for (member, evaluator) in zip(task.members, memberEvaluators) { evaluator.prepare(seeds: member.grid(for: stage).seeds) }
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }

    /// Evaluates as ``evaluate(_:name:stage:)`` does and calls `progress` after each training run,
    /// for a progress line.
    public func evaluate(_ loss: LossGraph, name: String, stage: Stage, progress: RunProgress?) -> EvaluationResult {
        if let other = stageEvaluators[stage] { return other.evaluate(loss, name: name, stage: stage, progress: progress) }
        let start = DispatchTime.now().uptimeNanoseconds
        func elapsed() -> Double { Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9 }
        var finished: [(name: String, weight: Double, fitnessKey: String, runs: [RunRecord])] = []
        if let refusal = task.members.lazy.compactMap({ $0.refusal(of: loss) }).first {
            return .failure(refusal, stage: stage, runs: [], seconds: elapsed())
        }
        for (member, evaluator) in zip(task.members, memberEvaluators) {
            let outcome = evaluator.runs(of: loss, name: name, grid: member.grid(for: stage), progress: progress)
            let runs = outcome.runs.map {
                var run = $0; run.member = member.name; return run
            }
            if let failed = outcome.failed {
                let reason = task.isSuite && failed != EvaluationResult.interruptedReason ? "member \(member.name): \(failed)" : failed
                return .failure(reason, stage: stage, runs: finished.flatMap(\.runs) + runs, seconds: elapsed())
            }
            finished.append((member.name, member.weight, evaluator.fitnessKey, runs))
        }
        var result = EvaluationResult.success(members: finished, stage: stage, seconds: elapsed())
        result.descriptors = try? Descriptors(of: loss)
        return result
    }

    /// Where validation trains: a member's held-out seeds, a transfer task, or (in a cascade whose
    /// stage 3 trains on another task) a member of that task on its held-out seeds.
    public enum ValidationTask: Sendable, Hashable {
        case member(Int)
        case transfer(Int)
        case confirmation(Int)
    }

    /// The task behind a validation target.
    public func member(_ target: ValidationTask) -> TaskMember {
        switch target {
        case let .member(index): task.members[index]
        case let .transfer(index): task.validation[index]
        case let .confirmation(index): task.task(for: .three).members[index]
        }
    }

    /// Every validation target: each member's held-out seeds, then each transfer task, then each
    /// member of stage 3's own task.
    public var validationTasks: [ValidationTask] {
        let confirmation = stageEvaluators[.three].map { $0.task.members.indices.map { ValidationTask.confirmation($0) } } ?? []
        return task.members.indices.map { .member($0) } + task.validation.indices.map { .transfer($0) } + confirmation
    }

    /// Trains a loss on a validation target's held-out grid (one seed of it, when `seed` is given,
    /// so that callers can spread the work over threads). Runs carry the target's name.
    public func validationRuns(of loss: LossGraph, name: String, on target: ValidationTask, seed: UInt64? = nil) -> MemberRuns {
        let member = member(target)
        if let refusal = member.refusal(of: loss) { return MemberRuns(runs: [], failed: refusal) }
        var grid = member.heldoutGrid
        if let seed { grid.seeds = [seed] }
        var outcome = evaluator(for: target).runs(of: loss, name: name, grid: grid)
        outcome.runs = outcome.runs.map {
            var run = $0; run.member = member.name; return run
        }
        return outcome
    }

    /// The fitness metric of a validation target.
    public func fitnessKey(of target: ValidationTask) -> String { evaluator(for: target).fitnessKey }

    private func evaluator(for target: ValidationTask) -> any MemberEvaluator {
        switch target {
        case let .member(index): memberEvaluators[index]
        case let .transfer(index): transferEvaluators[index]
        case let .confirmation(index):
            stageEvaluators[.three].map { $0.evaluator(for: .member(index)) } ?? memberEvaluators[index]
        }
    }

    public func interrupt() {
        for evaluator in memberEvaluators + transferEvaluators { evaluator.interrupt() }
        for evaluator in stageEvaluators.values { evaluator.interrupt() }
    }
}
