import Cluster
import Control
import Evaluation
import Foundation
import Island
import LossLanguage
import PrefBandit
import Testing

/// Stage 3 on a real island (local evaluator, a small two-member suite): a candidate whose stage-2
/// fitness enters the island's top k is confirmed on the confirmation seeds, and no other is.
final class ConfirmationTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-confirmation-tests-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }
    deinit { try? FileManager.default.removeItem(at: directory) }

    static var suite: TaskConfig {
        var s = PrefBanditSettings()
        (s.pairs, s.heldoutPrompts, s.responses, s.features, s.steps, s.batchSize, s.learningRate) = (64, 32, 8, 8, 120, 16, 0.03)
        var noisy = s
        noisy.labelNoise = 0.2
        func member(_ name: String, _ settings: PrefBanditSettings, weight: Double) -> TaskMember {
            TaskMember(
                name: name, weight: weight, kind: .prefbandit(settings),
                stageOne: EvaluationGrid(betas: [0.1], seeds: [1], starts: [.exact]),
                stageTwo: EvaluationGrid(betas: [0.1, 1.0], seeds: [1, 2], starts: [.exact]),
                confirmationSeeds: [11, 12, 13], heldoutSeeds: [21])
        }
        return TaskConfig(members: [member("clean", s, weight: 1), member("noisy", noisy, weight: 2)])
    }

    @Test func aPromotionThresholdNotClearlyBelowTheBaselinesStageOneFitnessIsSaid() throws {
        let dpo = Self.suite.makeEvaluator().evaluate(try LossParser.parse("-logsigmoid(beta * rho)").graph, name: "dpo", stage: .one)
        let fitness = try #require(dpo.fitness)
        #expect(fitness > 0)
        let store = try IslandStore(path: directory.appendingPathComponent("island.sqlite").path)
        var settings = IslandSettings(id: 1, seed: 3)
        settings.promotionThreshold = fitness * 0.95
        let close = try IslandEngine(settings: settings, store: store, evaluator: Self.suite.makeEvaluator())
        let warning = try #require(try close.promotionThresholdWarning())
        #expect(warning.contains("promotion_threshold \(fitness * 0.95)") && warning.contains(String(format: "%.4f", fitness)))
        #expect(warning.contains("baseline dpo"))
        // A tenth below the baseline's fitness or more, nothing is said (from the result the first engine stored).
        settings.promotionThreshold = fitness * 0.89
        let clear = try IslandEngine(settings: settings, store: store, evaluator: Self.suite.makeEvaluator())
        #expect(try clear.promotionThresholdWarning() == nil)
        // Another baseline is trained for itself, not read from the first one's result: with the
        // threshold at 0.9 of the middle of the two losses' fitness, only the lower one is said.
        let ipoSource = try #require(StandardLosses.named("ipo")).source
        let ipo = try #require(Self.suite.makeEvaluator().evaluate(try LossParser.parse(ipoSource).graph, name: "ipo", stage: .one).fitness)
        #expect(ipo > 0 && ipo != fitness)
        (settings.baseline, settings.promotionThreshold) = ("ipo", 0.9 * (ipo + fitness) / 2)
        let other = try IslandEngine(settings: settings, store: store, evaluator: Self.suite.makeEvaluator())
        #expect((try other.promotionThresholdWarning() != nil) == (ipo < fitness))
    }

    @Test func aCandidateEnteringTheTopKIsConfirmedAndNoOther() throws {
        var settings = IslandSettings(id: 1, seed: 3)
        settings.childrenPerGeneration = 6
        settings.seedLosses = ["dpo", "slic", "ipo", "exponential", "robust"]
        settings.confirmTopK = 2
        settings.evaluationsInFlight = 1  // one at a time, in id order: the top k at each evaluation is well defined
        settings.promotionThreshold = -10  // every candidate reaches stage 2
        let store = try IslandStore(path: directory.appendingPathComponent("island.sqlite").path)
        let engine = try IslandEngine(settings: settings, store: store, evaluator: Self.suite.makeEvaluator())
        for _ in 0..<3 { try engine.runGeneration() }

        let evaluated = try store.candidates(status: .evaluated).sorted { $0.id! < $1.id! }
        #expect(evaluated.count >= 10 && evaluated.allSatisfy { $0.stage == 2 })
        var earlier: [Double] = []
        for candidate in evaluated {
            let fitness = try #require(candidate.fitness)
            let kth = earlier.sorted(by: >).dropFirst(settings.confirmTopK - 1).first
            let entering = kth.map { fitness >= $0 } ?? true
            #expect((candidate.confirmedFitness != nil) == entering, "\(candidate.name): \(fitness) against k-th \(kth ?? .nan)")
            earlier.append(fitness)
        }
        let confirmed = evaluated.filter { $0.confirmedFitness != nil }
        #expect(confirmed.count >= 2 && confirmed.count < evaluated.count)
        #expect(try store.counters()["evaluations.stage3"] == confirmed.count)

        // The baseline (DPO) was trained once on the confirmation seeds; each difference is paired to it.
        let baseline = Self.suite.makeEvaluator().evaluate(try LossParser.parse("-logsigmoid(beta * rho)").graph, name: "dpo", stage: .three)
        let baselineFitness = try #require(baseline.fitness)
        #expect(Set(baseline.runs.map(\.seed)) == [11, 12, 13])
        for candidate in confirmed {
            #expect(abs((candidate.confirmedDifference ?? .nan) - (candidate.confirmedFitness! - baselineFitness)) < 1e-12)
            #expect((candidate.confirmedStandardError ?? -1) >= 0)
            #expect(candidate.confirmedMembers?.contains("\"noisy\"") == true)
        }
        // The island's best is the best confirmed candidate, by confirmed fitness.
        let best = try #require(confirmed.max { $0.confirmedFitness! < $1.confirmedFitness! })
        let handler = ControlHandler(engine: engine, controls: IslandControls(), token: "t")
        let reply = try JSONSerialization.jsonObject(with: handler.handle(Data(#"{"command": "status"}"#.utf8))) as? [String: Any]
        let status = try #require(reply?["result"] as? [String: Any])
        let shown = try #require(status["best"] as? [String: Any])
        #expect((shown["id"] as? NSNumber)?.int64Value == best.id)
        #expect(abs((shown["fitness"] as? Double ?? .nan) - best.confirmedFitness!) < 1e-12 && shown["confirmed"] as? Bool == true)
    }
}
