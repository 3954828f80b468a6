import Control
import Evaluation
import Foundation
import LossLanguage

extension IslandEngine {
    /// Stage 3 (DESIGN.md §5.4): a candidate whose stage-2 fitness puts it in the island's top
    /// `confirmTopK` (by search fitness, itself included) is trained on the confirmation seeds, and
    /// its paired difference to the baseline (trained once per task and kept in the database) is
    /// recorded. Only the ranking uses it: the archive's cells compete on search fitness, which every
    /// candidate has on the same seeds; best, emigrants and the LLM's examples rank confirmed
    /// candidates first, by confirmed fitness.
    func confirmIfTopK(_ id: Int64, graph: LossGraph, name: String, searchFitness: Double) throws {
        let k = settings.confirmTopK
        guard k > 0 else { return }
        // This candidate is stored already: it is in the top k when the k-th best is not above it.
        if let kth = try store.kthBestSearchFitness(k), searchFitness < kth { return }
        guard let baseline = try baselineConfirmation() else { return }
        let result = evaluator.evaluate(graph, name: name, stage: .three)
        if result.isInterrupted { throw IslandError.interrupted }
        guard result.failed == nil, let fitness = result.fitness else {
            try store.countFailedConfirmation()
            return
        }
        let difference = SeedScores(result).difference(to: SeedScores(baseline))
        try store.confirm(candidate: id, result: result, difference: difference)
        confirmed.withLock { $0[id] = fitness }
    }

    /// The baseline's stage-3 result, trained on first need and kept in the database's meta table
    /// under the baseline's name; nil (and counted) when the baseline itself cannot be trained.
    func baselineConfirmation() throws -> EvaluationResult? {
        // One evaluation thread trains it; the others wait for it rather than train it again.
        try baselineLock.withLock { _ in try trainedBaseline() }
    }

    private func trainedBaseline() throws -> EvaluationResult? {
        let key = "baseline.stage3 \(settings.baseline)"  // another baseline is trained for itself
        if let stored = try store.metaJSON(key, as: EvaluationResult.self) { return stored }
        guard let graph = baselineGraph else { return nil }
        let result = evaluator.evaluate(graph, name: "baseline-\(settings.baseline)", stage: .three)
        if result.isInterrupted { throw IslandError.interrupted }
        guard result.failed == nil else {
            try store.countFailedConfirmation()
            return nil
        }
        let encoded = String(decoding: (try? JSONEncoder().encode(result)) ?? Data(), as: UTF8.self)
        try store.setMeta(key, encoded)
        return result
    }

    /// The baseline loss (a standard loss's name or a compact source, checked when the settings were read).
    var baselineGraph: LossGraph? {
        try? LossParser.parse(StandardLosses.named(settings.baseline)?.source ?? settings.baseline).graph
    }

    /// How an elite ranks: confirmed ones first by confirmed fitness, then the others by search fitness.
    func rankingKey(of candidate: Int64, search: Double) -> RankingKey {
        RankingKey(confirmed: confirmed.withLock { $0[candidate] }, search: search)
    }
}
