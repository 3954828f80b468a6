import LossLanguage

/// Trains and scores a loss on one member task (docs/architecture.md §5.4) over a grid of runs. Implemented by
/// the embedded proxy task and by external commands; ``SuiteEvaluator`` combines the members.
public protocol MemberEvaluator: Sendable {
    /// The metric whose mean over the runs is the member's fitness.
    var fitnessKey: String { get }
    /// Every run of the grid, or the reason the evaluation failed with the runs finished before it;
    /// `progress`, when given, is called once per finished run. Never throws: failures are outcomes.
    func runs(of loss: LossGraph, name: String, grid: EvaluationGrid, progress: RunProgress?) -> MemberRuns
    /// Abandons the runs in progress and any later ones, for a shutdown (see ``Evaluator/interrupt()``).
    func interrupt()
    /// Builds what the runs on `seeds` share (the proxy task's instances) before the first run
    /// needs it, so that a caller can time the set-up apart from the training.
    func prepare(seeds: [UInt64])
}

extension MemberEvaluator {
    public func interrupt() {}
    /// Nothing to build ahead by default (a command task trains from scratch every run).
    public func prepare(seeds: [UInt64]) {}

    /// Every run of the grid, without progress reports.
    public func runs(of loss: LossGraph, name: String, grid: EvaluationGrid) -> MemberRuns {
        runs(of: loss, name: name, grid: grid, progress: nil)
    }
}

/// Called once per finished training run, from the evaluating thread, for a progress line.
public typealias RunProgress = @Sendable () -> Void

/// What one member's grid produced: its runs, and the reason it stopped early, if it did.
public struct MemberRuns: Sendable, Hashable {
    public var runs: [RunRecord]
    public var failed: String?

    public init(runs: [RunRecord], failed: String? = nil) { (self.runs, self.failed) = (runs, failed) }
}

extension TaskMember {
    /// The evaluator of this member's kind.
    public func makeEvaluator() -> any MemberEvaluator {
        switch kind {
        case let .prefbandit(settings): PrefBanditEvaluator(settings: settings)
        case let .command(settings): CommandEvaluator(settings: settings)
        }
    }
}
