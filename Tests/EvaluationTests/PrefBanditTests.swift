import Evaluation
import LossLanguage
import PrefBandit
import Testing

/// Known behaviour of the proxy task (docs/architecture.md §5.1) at small sizes.
struct PrefBanditTests {
    @Test func dpoReachesHighFrontierEfficiency() throws {
        let result = Small.task(betas: [0.1, 1.0]).makeEvaluator().evaluate(try Small.loss("-logsigmoid(beta * rho)"), name: "dpo", stage: .two)
        #expect(result.failed == nil)
        #expect((result.fitness ?? 0) > 0.8, "DPO eta \(result.fitness ?? .nan)")
    }

    @Test func lrmlFromTheExactStartCollapsesAtSmallBeta() throws {
        let lrml = try #require(StandardLosses.named("lrml")).graph
        let result = Small.task(betas: [0.03]).makeEvaluator().evaluate(lrml, name: "lrml", stage: .two)
        #expect((result.fitness ?? 1) < 0, "LRML eta \(result.fitness ?? .nan)")
    }

    @Test func noLossBeatsTheFrontier() throws {
        let evaluator = Small.task(betas: [0.03, 0.3, 3.0], starts: [.exact, .perturbed]).makeEvaluator()
        for name in ["dpo", "slic", "ipo", "exponential", "cell", "nca_pair", "sppo_hard"] {
            let result = evaluator.evaluate(try #require(StandardLosses.named(name)).graph, name: name, stage: .two)
            for run in result.runs { #expect((run.metrics["frontier_efficiency"] ?? 2) <= 1 + 1e-9, "\(name): \(run)") }
        }
    }

    @Test func theOptimalPolicyScoresOne() {
        let instance = TaskInstance(settings: Small.settings, seed: 3)
        let metrics = PolicyMetrics(instance: instance)
        for temperature in [0.05, 0.5, 5.0] {
            let scores = metrics.scores(logProbs: metrics.optimalPolicy(temperature: temperature), beta: 0.1)
            #expect(abs(scores.frontierEfficiency - 1) < 1e-6, "pi*_\(temperature): \(scores.frontierEfficiency)")
            #expect(scores.kl > 0)
        }
        let reference = metrics.scores(logProbs: metrics.referenceLogProbs, beta: 0.1)
        #expect(reference.kl == 0 && reference.frontierEfficiency == 0)
        #expect(abs(reference.winRate - 0.5) < 1e-12)
    }

    @Test func idealRankingAccuracyIsAtLeastTheReferences() {
        for seed: UInt64 in 1...3 {
            let metrics = PolicyMetrics(instance: TaskInstance(settings: Small.settings, seed: seed))
            let reference = metrics.referenceRankingAccuracy
            for beta in [0.03, 0.1, 1.0] {
                #expect(metrics.scores(logProbs: metrics.referenceLogProbs, beta: beta).idealRankingAccuracy >= reference)
            }
        }
    }

    @Test func evaluationIsDeterministic() throws {
        let loss = try Small.loss("-logsigmoid(beta * rho) + 0.1 * relu(1 - beta * rho)")
        let a = Small.task(betas: [0.1]).makeEvaluator().evaluate(loss, name: "x", stage: .two)
        let b = Small.task(betas: [0.1]).makeEvaluator().evaluate(loss, name: "x", stage: .two)
        #expect(a.runs == b.runs)
        #expect(a.fitness == b.fitness)
    }

    @Test func differenceFeaturePathAgreesWithTheFullPath() throws {
        let task = Small.task(betas: [0.1, 1.0], starts: [.exact, .perturbed])
        let cheap = try Small.loss("-logsigmoid(beta * rho)")
        let full = try Small.loss("-logsigmoid(beta * (pc - rc) - beta * (pr - rr))")  // not recognised as rho
        let instance = TaskInstance(settings: Small.settings, seed: 1)
        #expect(PolicyTrainer(graph: cheap, instance: instance).usesDifferenceFeatures)
        #expect(!PolicyTrainer(graph: full, instance: instance).usesDifferenceFeatures)
        let a = task.makeEvaluator().evaluate(cheap, name: "a", stage: .two)
        let b = task.makeEvaluator().evaluate(full, name: "b", stage: .two)
        // The full path's per-prompt products are float32 (measured differences up to 5e-9).
        for (x, y) in zip(a.runs, b.runs) {
            for (key, value) in x.metrics { #expect(abs(value - (y.metrics[key] ?? .nan)) <= 1e-7 * max(1, abs(value)), "\(key)") }
        }
    }

    /// The full path's vector kernels have 8-, 16- and 32-lane blocks and tails: the default shape
    /// (K 16, d 32), shapes with every kind of tail, and tiny ones must train as the difference path
    /// does, to float32's rounding of the per-prompt products (measured up to 7e-9 in theta; one
    /// broken accumulator moves theta by more than 1e-3).
    @Test(arguments: [(16, 32), (20, 37), (5, 3), (2, 2), (33, 65)])
    func fullPathKernelsAgreeWithTheDifferencePathAtEveryShape(responses: Int, features: Int) throws {
        var settings = PrefBanditSettings()
        (settings.pairs, settings.heldoutPrompts, settings.responses, settings.features) = (40, 8, responses, features)
        (settings.steps, settings.batchSize) = (60, 13)
        let instance = TaskInstance(settings: settings, seed: 5)
        let cheap = PolicyTrainer(graph: try Small.loss("-logsigmoid(beta * rho)"), instance: instance)
        let full = PolicyTrainer(graph: try Small.loss("-logsigmoid(beta * (pc - rc) - beta * (pr - rr))"), instance: instance)
        #expect(cheap.usesDifferenceFeatures && !full.usesDifferenceFeatures)
        for start in [StartKind.exact, .perturbed] {
            let a = try cheap.train(beta: 0.3, start: start).get()
            let b = try full.train(beta: 0.3, start: start).get()
            let initial = instance.initialTheta(start)
            let moved = zip(a, initial).map { abs($0 - $1) }.max() ?? 0
            #expect(moved > 1e-3, "training moved theta by only \(moved)")
            for (x, y) in zip(a, b) { #expect(abs(x - y) <= 1e-7 * max(1, abs(x)), "K \(responses), d \(features): \(x) vs \(y)") }
        }
    }

    @Test func aLossThatIsNotFiniteInTrainingIsAFailedResultWithItsReason() throws {
        // Valid at validation's beta 0.05; NaN at beta 1 from the first step.
        let loss = try Small.loss("-logsigmoid(beta * rho) * sqrt(0.2 - beta)")
        try LossValidator.validate(loss)
        let result = Small.task(betas: [0.1, 1.0]).makeEvaluator().evaluate(loss, name: "nan", stage: .two)
        #expect(result.fitness == nil)
        #expect(result.failed == "the loss or its gradient is not finite at step 1 (beta 1.0, seed 1, exact start)")
        #expect(result.runs.count == 1)  // the run at beta 0.1 finished before the failure
    }

    @Test func eachStageRunsItsOwnGridAndSaysSo() throws {
        let evaluator = Small.task(betas: [0.1, 1.0]).makeEvaluator()
        let loss = try Small.loss("-logsigmoid(beta * rho)")
        let one = evaluator.evaluate(loss, name: "dpo", stage: .one)
        let two = evaluator.evaluate(loss, name: "dpo", stage: .two)
        #expect(one.stage == .one && one.runs.count == 1)
        #expect(two.stage == .two && two.runs.count == 4)
    }
}
