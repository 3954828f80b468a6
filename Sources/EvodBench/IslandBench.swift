import Cluster
import Evaluation
import Foundation
import Island
import LossDescriptors
import LossLanguage
import Model

/// A task that costs nothing: fitness and descriptors from the candidate's canonical form, so that
/// the island's own work (proposal, validation, dedup, database, archive) is what gets timed.
struct NoOpEvaluator: Evaluator {
    let taskHash = "noop"

    func evaluate(_ loss: LossGraph, name: String, stage: Stage) -> EvaluationResult {
        var hash: UInt64 = 0xCBF2_9CE4_8422_2325
        for byte in loss.canonicalForm.utf8 { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
        func unit(_ shift: UInt64) -> Double { Double((hash >> shift) & 0xFFFF) / 65_535 }
        var result = EvaluationResult.success(
            runs: [RunRecord(beta: 0.1, seed: 1, start: "noop", metrics: ["frontier_efficiency": unit(0)])],
            fitnessKey: "frontier_efficiency", stage: stage, seconds: 0)
        result.descriptors = Descriptors(convexity: 2 * unit(16) - 1, grad0: 2 * unit(32) - 1, betaSensitivity: 0.25 * unit(48))
        return result
    }
}

/// Island overhead per candidate with the no-op task (target < 2 ms).
func benchmarkIslandOverhead() throws {
    let path = FileManager.default.temporaryDirectory.appendingPathComponent("evod-bench-\(UUID().uuidString).sqlite").path
    defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    var settings = IslandSettings(id: 1, seed: 1)
    settings.childrenPerGeneration = 50
    settings.evaluationsInFlight = 1
    let engine = try IslandEngine(settings: settings, store: try IslandStore(path: path), evaluator: NoOpEvaluator())
    try engine.runGeneration()  // the seeds
    let start = DispatchTime.now().uptimeNanoseconds
    var proposed = 0
    for _ in 0..<20 { proposed += try engine.runGeneration().proposed }
    let seconds = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    print(String(format: "island_overhead_per_candidate     %.2f ms  (%d candidates, no-op task; target < 2 ms)", seconds / Double(proposed) * 1e3, proposed))
}
