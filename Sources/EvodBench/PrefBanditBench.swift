import Evaluation
import Foundation
import LossLanguage
import Model
import PrefBandit

/// The evaluator's speed: one 1,000-step training run per path, and a full default evaluation.
/// Writes each measured instance with Swift's results for the numpy side-by-side check.
func benchmarkPrefBandit(directory: String) throws {
    for (name, label) in [("dpo", "rho only"), ("lrml", "rho only"), ("nca_pair", "any loss")] {
        try benchmarkTraining(name, settings: PrefBanditSettings(), directory: name == "lrml" ? nil : directory) { seconds, lockstep, path, eta in
            String(
                format: "train_1000_steps_%@  %.2f ms alone, %.2f ms per run in lockstep  (%@ path; target < %@ ms)  eta %.4f",
                name.padding(toLength: 9, withPad: " ", startingAt: 0), seconds * 1e3, lockstep * 1e3, path, label == "rho only" ? "5" : "20", eta)
        }
    }
    let evaluator = TaskConfig.prefbanditDefault.makeEvaluator()
    let dpo = StandardLosses.named("dpo")!.graph
    let cold = time(repeats: 1) { _ = evaluator.evaluate(dpo, name: "dpo", stage: .two) }
    let warm = time(repeats: 3) { _ = evaluator.evaluate(dpo, name: "dpo", stage: .two) }
    let runs = TaskConfig.prefbanditDefault.members[0].stageTwo.runs.count
    print(String(format: "full_default_evaluation_dpo      %.3f s with instances cached, %.3f s first time  (%d runs; target < 0.5 s)", warm, cold, runs))
    benchmarkDefaultSuite()
}

/// The same training runs at the larger shapes a suite uses (issue 15): features 128, and K 8 and 32.
/// Each instance is written as `prefbandit-LOSS-SHAPE.json` for the numpy and JAX side-by-side runs.
func benchmarkShapes(directory: String) throws {
    for (shape, responses, features) in [("k16-d128", 16, 128), ("k8-d32", 8, 32), ("k32-d32", 32, 32)] {
        var settings = PrefBanditSettings()
        (settings.responses, settings.features) = (responses, features)
        for name in ["dpo", "nca_pair"] {
            try benchmarkTraining(name, settings: settings, directory: directory, suffix: "-" + shape) { seconds, lockstep, path, eta in
                String(
                    format: "train_1000_steps_%@_%@  %.2f ms alone, %.2f ms per run in lockstep  (%@ path)  eta %.4f", name, shape,
                    seconds * 1e3, lockstep * 1e3, path, eta)
            }
        }
    }
}

/// Times one 1,000-step training run of a standard loss (best of 5) on the seed-1 instance of
/// `settings`, alone and per run when the default grid's four betas train in lockstep (as an
/// evaluation trains them), prints `line(seconds, lockstep seconds per run, path, eta)`, and writes
/// the instance with Swift's results to `directory/prefbandit-NAME-SUFFIX.json` when a directory
/// is given.
func benchmarkTraining(
    _ name: String, settings: PrefBanditSettings, directory: String?, suffix: String = "",
    line: (Double, Double, String, Double) -> String
) throws {
    let instance = TaskInstance(settings: settings, seed: 1)
    let metrics = PolicyMetrics(instance: instance)
    let beta = 0.1
    let graph = StandardLosses.named(name)!.graph
    let trainer = PolicyTrainer(graph: graph, instance: instance)
    var theta: [Double] = []
    let seconds = time {
        if case let .success(t) = trainer.train(beta: beta, start: .exact) { theta = t }
    }
    let grid = EvaluationGrid.defaultFull.betas.map { TrainingRun(beta: $0, start: .exact) }
    let lockstep = time { _ = trainer.train(grid) } / Double(grid.count)
    let scores = metrics.scores(logProbs: trainer.heldoutLogProbs(theta: theta), beta: beta)
    print(line(seconds, lockstep, trainer.usesDifferenceFeatures ? "difference-feature" : "full", scores.frontierEfficiency))
    guard let directory else { return }
    let record: [String: Any] = [
        "K": settings.responses, "d": settings.features, "n_train": settings.pairs, "n_heldout": settings.heldoutPrompts,
        "beta": beta, "steps": settings.steps, "batch_size": settings.batchSize, "learning_rate": settings.learningRate,
        "train_features": instance.trainFeatures, "train_pairs": zip(instance.winners, instance.losers).flatMap { [$0, $1] },
        "heldout_features": instance.heldoutFeatures, "heldout_rewards": instance.heldoutRewards,
        "theta_ref": instance.thetaReference, "theta_init": instance.initialTheta(.exact), "batch_order": instance.batchOrder,
        "loss": name,
        "swift": ["reward": scores.reward, "kl": scores.kl, "eta": scores.frontierEfficiency, "train_seconds": seconds, "lockstep_train_seconds_per_run": lockstep],
    ]
    try JSONSerialization.data(withJSONObject: record).write(to: URL(fileURLWithPath: "\(directory)/prefbandit-\(name)\(suffix).json"))
}

/// One candidate's evaluation at each stage of the default suite (three members), one core,
/// instances cached: what a search on the default task pays per candidate.
func benchmarkDefaultSuite() {
    let suite = TaskConfig.defaultSuite.makeEvaluator()
    for name in ["dpo", "nca_pair"] {
        let graph = StandardLosses.named(name)!.graph
        for stage in Stage.allCases { _ = suite.evaluate(graph, name: name, stage: stage) }  // builds the instances
        let seconds = Stage.allCases.map { stage in time(repeats: 1) { _ = suite.evaluate(graph, name: name, stage: stage) } }
        let runs = Stage.allCases.map { stage in TaskConfig.defaultSuite.members.reduce(0) { $0 + $1.grid(for: stage).runs.count } }
        print(
            String(
                format: "default_suite_evaluation_%@  stage 1 %.3f s (%d runs), stage 2 %.3f s (%d runs), stage 3 %.3f s (%d runs)",
                name.padding(toLength: 9, withPad: " ", startingAt: 0), seconds[0], runs[0], seconds[1], runs[1], seconds[2], runs[2]))
    }
}

/// `runs` training runs of one standard loss on the default instance (for `perf record`),
/// `together` at a time in lockstep (the default grid's betas, repeated as needed).
func profileTraining(loss: String, runs: Int, together: Int) {
    guard let graph = StandardLosses.named(loss)?.graph else {
        print("unknown standard loss \(loss)")
        exit(1)
    }
    let trainer = PolicyTrainer(graph: graph, instance: TaskInstance(settings: PrefBanditSettings(), seed: 1))
    let betas = EvaluationGrid.defaultFull.betas
    let batch = (0..<max(together, 1)).map { TrainingRun(beta: betas[$0 % betas.count], start: .exact) }
    let rounds = max(runs / batch.count, 1)
    let seconds = time(repeats: 1) { for _ in 0..<rounds { _ = trainer.train(batch) } }
    print(
        String(
            format: "train_1000_steps_%@  %.2f ms per run, %d in lockstep  (%d runs, %@ path)", loss,
            seconds / Double(rounds * batch.count) * 1e3, batch.count, rounds * batch.count,
            trainer.usesDifferenceFeatures ? "difference-feature" : "full"))
}
