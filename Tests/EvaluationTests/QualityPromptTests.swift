import Evaluation
import Foundation
import LossLanguage
import PrefBandit
import Testing

/// The proxy task's quality prompt (seed 004): the tilted policy's log-probs, what they cost a task
/// without one (nothing), and the refusal of a loss that reads them on a task that has none.
struct QualityPromptTests {
    static func settings(strength: Double? = 1, noise: Double? = 1) -> PrefBanditSettings {
        var s = Small.settings
        (s.qualityStrength, s.qualityNoise) = (strength, noise)
        return s
    }

    static func task(_ settings: PrefBanditSettings) -> TaskConfig {
        TaskConfig(
            kind: .prefbandit(settings), stageOne: EvaluationGrid(betas: [0.1], seeds: [1], starts: [.exact]),
            stageTwo: EvaluationGrid(betas: [0.1, 1.0], seeds: [1, 2], starts: [.exact]))
    }

    @Test func aTaskWithoutAQualityPromptRefusesALossThatReadsItNamingTheInputAndTheMember() throws {
        let sr = try #require(StandardLosses.named("sr_dpo")).graph
        let result = SuiteEvaluator(task: .defaultSuite).evaluate(sr, name: "sr_dpo", stage: .one)
        let reason = try #require(result.failed)
        #expect(reason.contains("pca") && reason.contains("policy_chosen_quality_logps"))
        #expect(reason.contains("'noisy-wide'") && reason.contains("quality_strength"))
        #expect(result.fitness == nil)
        // Validation refuses the same way, on each target.
        let runs = SuiteEvaluator(task: .defaultSuite).validationRuns(of: sr, name: "sr_dpo", on: .member(0), seed: 1001)
        #expect(runs.failed?.contains("pca") == true && runs.runs.isEmpty)
        // The same loss trains where the task has one.
        let supplied = SuiteEvaluator(task: Self.task(Self.settings())).evaluate(sr, name: "sr_dpo", stage: .one)
        #expect(supplied.failed == nil && supplied.fitness != nil)
    }

    /// The trainer's pca and pra (from the current policy's scores, every step) against the
    /// instance's rca and rra (from the reference, once): in this task Δ is the same either way,
    /// strength x (the pair's noisy true margin), so a loss that reads one trains as the loss that
    /// reads the other, to float32 rounding.
    @Test func thePoliciesPromptedLogProbsGiveTheReferencesRefinementTerm() throws {
        let evaluator = SuiteEvaluator(task: Self.task(Self.settings()))
        let policy = try Small.loss("-logsigmoid(beta * (rho - 0.5 * detach((pca - pc) - (pra - pr))))")
        let reference = try Small.loss("-logsigmoid(beta * (rho - 0.5 * detach((rca - rc) - (rra - rr))))")
        let a = evaluator.evaluate(policy, name: "policy", stage: .two)
        let b = evaluator.evaluate(reference, name: "reference", stage: .two)
        let (fa, fb) = (try #require(a.fitness), try #require(b.fitness))
        #expect(abs(fa - fb) < 1e-6, "\(fa) vs \(fb)")
        // And Δ is information: Sr-DPO is not DPO here.
        let dpo = try #require(evaluator.evaluate(StandardLosses.dpo.graph, name: "dpo", stage: .two).fitness)
        #expect(abs(fa - dpo) > 1e-4, "\(fa) vs DPO \(dpo)")
    }

    @Test func theReferencesPromptedLogProbsAreTheTiltedDistribution() throws {
        let instance = TaskInstance(settings: Self.settings(strength: 2, noise: 0.5), seed: 3)
        let k = instance.settings.responses
        var checked = 0
        for prompt in 0..<instance.settings.pairs {
            let logp = Policy.logProbs(instance.trainFeatures, prompt: prompt, theta: instance.thetaReference, responses: k)
            let tilts = Array(instance.qualityTilts[(prompt * k)..<((prompt + 1) * k)])
            let z = zip(logp, tilts).map { exp($0 + $1) }.reduce(0, +)
            let winner = instance.winners[prompt]
            #expect(abs(instance.referenceQualityChosen[prompt] - (logp[winner] + tilts[winner] - log(z))) < 1e-12)
            checked += 1
        }
        #expect(checked == instance.settings.pairs)
    }

    @Test func aQualityPromptChangesNothingElseOfTheInstanceNorTheHashOfATaskWithoutOne() throws {
        let plain = TaskInstance(settings: Self.settings(strength: nil, noise: nil), seed: 5)
        let prompted = TaskInstance(settings: Self.settings(), seed: 5)
        #expect(plain.trainFeatures == prompted.trainFeatures)
        #expect(plain.winners == prompted.winners && plain.losers == prompted.losers)
        #expect(plain.batchOrder == prompted.batchOrder && plain.heldoutRewards == prompted.heldoutRewards)
        #expect(plain.qualityTilts.isEmpty && prompted.qualityTilts.count == 128 * 8)
        // A task without a quality prompt encodes (and hashes) as before the keys existed.
        let encoded = String(decoding: try JSONEncoder().encode(PrefBanditSettings()), as: UTF8.self)
        #expect(!encoded.contains("quality"))
        let decoded = try JSONDecoder().decode(PrefBanditSettings.self, from: try JSONEncoder().encode(Self.settings(strength: 2, noise: 0.25)))
        #expect(decoded == Self.settings(strength: 2, noise: 0.25))
        // (IslandTests' LandedMainStateTests resumes an island whose stored task hash the landed main wrote.)
        #expect(Self.task(Self.settings()).hash != Self.task(Self.settings(strength: nil, noise: nil)).hash)
    }

    @Test func theTaskFileReadsTheQualityPromptAndRefusesAnErrorWithoutAStrength() throws {
        let task = try TaskConfig.parse("[prefbandit]\nquality_strength = 2.5\nquality_noise = 0.5\n", file: "quality.toml")
        guard case let .prefbandit(settings) = task.members[0].kind else { Issue.record("not a prefbandit task"); return }
        #expect(settings.qualityStrength == 2.5 && settings.qualityError == 0.5 && task.suppliesQualityInputs)
        #expect(!TaskConfig.defaultSuite.suppliesQualityInputs)
        #expect {
            try TaskConfig.parse("[prefbandit]\nquality_noise = 0.5\n", file: "quality.toml")
        } throws: { "\($0)".contains("quality_noise") && "\($0)".contains("quality_strength") }
    }
}
