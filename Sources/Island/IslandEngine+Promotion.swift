import Foundation

extension IslandEngine {
    /// A warning when the island's promotion threshold is not clearly below the baseline's stage-1
    /// fitness (at least a tenth of it lower).
    ///
    /// The threshold is absolute and meant to stop only losses clearly worse than the known ones; on a
    /// suite with a lower fitness scale (`configs/tasks/lm-like.toml`: DPO 0.51 at stage 1) the default
    /// 0.5 would keep most candidates on stage 1 without a word. Nil when it is clearly below, or when
    /// the baseline cannot be trained. The baseline's stage-1 result is kept in the database under the
    /// baseline's name, so a restarted island does not train it again.
    public func promotionThresholdWarning() throws -> String? {
        guard let result = try baselineResult(at: .one), result.failed == nil, let fitness = result.fitness,
            settings.promotionThreshold > fitness - 0.1 * abs(fitness)
        else { return nil }
        return "promotion_threshold \(settings.promotionThreshold) is not a tenth below the stage-1 fitness of the baseline "
            + "\(settings.baseline.text) on this task (\(String(format: "%.4f", fitness))): candidates about as good as it may "
            + "never reach stage 2; lower promotion_threshold in [island]"
    }
}
