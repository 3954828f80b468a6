import Control
import Evaluation
import Foundation
import LossLanguage
import Model

extension IslandEngine {
    /// Stage 3 (docs/architecture.md §5.4): a candidate whose stage-2 fitness puts it in the island's top
    /// `confirmTopK` (by search fitness, itself included) is trained on the confirmation seeds, and
    /// its paired difference to the baseline (trained once per task and kept in the database) is
    /// recorded. Only the ranking uses it: the archive's cells compete on search fitness, which every
    /// candidate has on the same seeds; best, emigrants and the LLM's examples rank confirmed
    /// candidates first, by confirmed fitness.
    /// Returns whether the candidate was in the top k (whether or not its confirmation succeeded).
    func confirmIfTopK(_ id: Int64, graph: LossGraph, name: String, searchFitness: Double) throws -> Bool {
        let k = settings.confirmTopK
        guard k > 0 else { return false }
        // This candidate is stored already: it is in the top k when the k-th best is not above it.
        if let kth = try store.kthBestSearchFitness(k), searchFitness < kth { return false }
        try trainAtStageThree(id, graph: graph, name: name, origin: .topK)
        return true
    }

    /// Trains a stored candidate at stage 3 and records the result with its paired difference to the
    /// baseline (a failure is counted; the candidate keeps its search result).
    func trainAtStageThree(_ id: Int64, graph: LossGraph, name: String, origin: ConfirmationOrigin) throws {
        guard let baseline = try baselineConfirmation() else { return }
        let result = evaluator.evaluate(graph, name: name, stage: .three)
        if result.isInterrupted { throw IslandError.interrupted }
        guard result.failed == nil, let fitness = result.fitness else {
            try store.countFailedConfirmation()
            return
        }
        let difference = SeedScores(result).difference(to: SeedScores(baseline))
        try store.confirm(candidate: id, result: result, difference: difference, by: origin)
        confirmed.withLock { $0[id] = fitness }
    }

    /// The baseline's stage-3 result, trained on first need and kept in the database's meta table
    /// under the baseline's name; nil (and counted) when the baseline itself cannot be trained.
    func baselineConfirmation() throws -> EvaluationResult? {
        // One evaluation thread trains it; the others wait for it rather than train it again.
        try baselineLock.withLock { _ in try trainedBaseline() }
    }

    private func trainedBaseline() throws -> EvaluationResult? {
        guard let result = try baselineResult(at: .three) else { return nil }
        guard result.failed == nil else {
            try store.countFailedConfirmation()
            return nil
        }
        return result
    }

    /// The baseline's result at `stage`: read from the database's meta table, where it is kept under
    /// the stage and the baseline's name (another baseline is trained for itself), or else trained and,
    /// when it succeeded, stored. A failed result is returned, not stored; nil when the baseline (a
    /// standard loss's name or a compact source, checked when the settings were read) does not parse.
    func baselineResult(at stage: Stage) throws -> EvaluationResult? {
        let key = baselineMetaKey(at: stage)
        if let stored = try store.metaJSON(key, as: EvaluationResult.self) { return stored }
        let source = settings.baseline.source
        guard let graph = try? LossParser.parse(source).graph else { return nil }
        let result = evaluator.evaluate(graph, name: "baseline-\(settings.baseline.text)", stage: stage)
        if result.isInterrupted { throw IslandError.interrupted }
        if result.failed == nil, let encoded = try? JSONEncoder().encode(result) {
            try store.setMeta(key, String(decoding: encoded, as: UTF8.self))
        }
        return result
    }

    /// Where the meta table keeps the baseline's result at `stage`: under the stage and the baseline's
    /// name, so that another baseline is trained for itself.
    func baselineMetaKey(at stage: Stage) -> String { "baseline.stage\(stage.rawValue) \(settings.baseline.text)" }

    /// How an elite ranks: confirmed ones first by confirmed fitness, then the others by search fitness.
    func rankingKey(of candidate: Int64, search: Double) -> RankingKey {
        RankingKey(confirmed: confirmed.withLock { $0[candidate] }, search: search)
    }
}
