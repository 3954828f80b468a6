import Evaluation
import Foundation

extension BrokerState {
    /// Whether a worker's result is an evaluation result of `request`: it decodes as one, is of the
    /// request's stage, and has either a finite fitness or the reason it failed (never both, never
    /// neither). The broker passes results on as the worker wrote them, so this is the one look it
    /// takes at them before caching.
    static func isEvaluationResult(_ data: Data, of request: EvaluationRequest) -> Bool {
        guard let result = EvaluationResult(wire: data) else { return false }
        return result.stage == request.stage && result.isWellFormed
    }
}
