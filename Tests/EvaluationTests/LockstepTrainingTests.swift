import Evaluation
import LossLanguage
import PrefBandit
import Testing

/// A candidate's runs trained in lockstep (issue 15) give bit for bit what each run gives alone.
struct LockstepTrainingTests {
    /// The default shape, and one where every SIMD loop has a tail (K 27 = 16 + 8 + 3, d 37, batch 30).
    static let shapes: [(responses: Int, features: Int, batch: Int)] = [(16, 32, 64), (27, 37, 30)]

    static let losses = [
        "-logsigmoid(beta * rho)",  // difference path
        "-logsigmoid(beta * (rho - mean(rho))) + 0.1 * (rho / std(rho)) ** 2",  // difference path, batch statistics
        "nca_pair", "exo_pair", "bco_pair", "robust",  // full path: anchors, concatenations, detached statistics
        "0.1 * -logsigmoid(beta * (pc - rc)) + 0.9 * (1 - 0.343 * (rho / 2 < 0)) * (0.343 * exp(rho * -beta))",
    ]

    static func settings(_ shape: (responses: Int, features: Int, batch: Int)) -> PrefBanditSettings {
        var s = PrefBanditSettings()
        (s.responses, s.features, s.batchSize) = shape
        (s.pairs, s.heldoutPrompts, s.steps) = (96, 32, 40)
        return s
    }

    static func graph(_ source: String) throws -> LossGraph {
        try StandardLosses.named(source)?.graph ?? LossParser.parse(source).graph
    }

    @Test(arguments: losses)
    func lockstepEqualsEachRunAlone(source: String) throws {
        let runs = [0.03, 0.1, 0.3, 1.0].flatMap { beta in StartKind.allCases.map { TrainingRun(beta: beta, start: $0) } }
        for shape in Self.shapes {
            let instance = TaskInstance(settings: Self.settings(shape), seed: 5)
            let graph = try Self.graph(source)
            // Eight runs (four pairs in the full path's kernels), and three (a pair and one alone).
            let together = PolicyTrainer(graph: graph, instance: instance).train(runs) + PolicyTrainer(graph: graph, instance: instance).train(Array(runs.prefix(3)))
            #expect(together.count == runs.count + 3)
            for (run, lockstep) in zip(runs + runs.prefix(3), together) {
                let alone = try PolicyTrainer(graph: graph, instance: instance).train(beta: run.beta, start: run.start).get()
                let theta = try lockstep.get()
                let same = theta.map(\.bitPattern) == alone.map(\.bitPattern)
                #expect(same, "\(source), \(shape), \(run): \(theta.prefix(3)) vs \(alone.prefix(3))")
            }
        }
    }

    /// A run that fails stops alone, with the message it gives alone; the others train on, bit for
    /// bit as alone, and the grid reports the first failure in its order with the runs before it.
    @Test func aFailingRunLeavesTheOthersAlone() throws {
        let graph = try Self.graph("log(beta - 0.5) * rho")  // NaN below beta 0.5
        let instance = TaskInstance(settings: Self.settings(Self.shapes[1]), seed: 2)
        let runs = [1.0, 0.3, 0.7].map { TrainingRun(beta: $0, start: .exact) }
        let together = PolicyTrainer(graph: graph, instance: instance).train(runs)
        for (run, lockstep) in zip(runs, together) {
            let alone = PolicyTrainer(graph: graph, instance: instance).train(beta: run.beta, start: run.start)
            switch (lockstep, alone) {
            case let (.success(a), .success(b)): #expect(a.map(\.bitPattern) == b.map(\.bitPattern), "\(run)")
            case let (.failure(a), .failure(b)): #expect(a == b)
            default: Issue.record("\(run): lockstep \(lockstep), alone \(alone)")
            }
        }
        #expect(together.map { (try? $0.get()) == nil } == [false, true, false])

        let task = TaskConfig(
            kind: .prefbandit(Self.settings(Self.shapes[1])), stageOne: EvaluationGrid(betas: [1.0], seeds: [2], starts: [.exact]),
            stageTwo: EvaluationGrid(betas: [1.0, 0.3, 0.7], seeds: [2, 3], starts: [.exact]))
        let result = task.makeEvaluator().evaluate(graph, name: "half", stage: .two)
        #expect(result.runs.count == 1)
        #expect(result.failed?.contains("not finite at step 1 (beta 0.3, seed 2, exact start)") == true, "\(result.failed ?? "none")")
    }
}
