import LossLanguage
import Model

/// Trains and scores candidates at a cascade stage. The islands and the farm's workers use it; the
/// farm serves the same interface over ZeroMQ.
public protocol Evaluator: Sendable {
    /// The hash of the task this evaluator runs: results are comparable only under the same hash.
    var taskHash: String { get }
    /// Evaluates a validated loss at a cascade stage. Never throws: failures are results.
    func evaluate(_ loss: LossGraph, name: String, stage: Stage) -> EvaluationResult
    /// Abandons the evaluations in progress and any later ones, for a shutdown: they return
    /// interrupted results (``EvaluationResult/isInterrupted``), and external commands are killed.
    func interrupt()
}

extension Evaluator {
    /// Nothing to abandon by default: an in-process evaluation finishes within a second.
    public func interrupt() {}
}

extension TaskConfig {
    /// The evaluator for this task.
    public func makeEvaluator() -> SuiteEvaluator { SuiteEvaluator(task: self) }
}
