import ArgumentParser
import Evaluation
import Foundation
import LossLanguage
import Synchronization

/// `evoctl loss compare BASELINE OTHER... [--task FILE] [--stage 1|2]`: fitness as mean and standard
/// error over task seeds, and the paired standard error of each loss's difference to the baseline
/// (common random numbers make the paired one much smaller).
struct LossCompare: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "compare",
        abstract: "Evaluate several losses on the same task instances; print a markdown table with paired standard errors."
    )

    @Argument(help: "Loss files; the first is the baseline of the paired differences.")
    var files: [String]

    @OptionGroup var taskOptions: TaskOptions

    func validate() throws {
        guard files.count >= 2 else { throw ValidationError("give a baseline and at least one other loss file") }
    }

    func run() throws {
        let task = try taskOptions.loadTask()
        var losses: [(name: String, graph: LossGraph)] = []
        for file in files {
            let options = try LossFileOptions.parse([file])
            do {
                let parsed = try LossParser.parse(bytes: try options.readBytes(), form: options.resolvedForm)
                try LossValidator.validate(parsed.graph)
                losses.append((options.defaultName, parsed.graph))
            } catch let error as LossError {
                throw ValidationError("\(file): \(error)")
            }
        }
        let evaluator = task.makeEvaluator()
        let candidates = losses
        let stage = taskOptions.resolvedStage
        let results = Mutex([EvaluationResult?](repeating: nil, count: losses.count))
        SignalInterruption.during(evaluator) {
            DispatchQueue.concurrentPerform(iterations: losses.count) { i in
                let result = evaluator.evaluate(candidates[i].graph, name: candidates[i].name, stage: stage)
                results.withLock { $0[i] = result }
            }
        }
        let all = results.withLock { $0.compactMap { $0 } }
        if let interrupted = all.first(where: \.isInterrupted) {
            FileHandle.standardError.write(Data("evoctl: \(interrupted.failed ?? "")\n".utf8))
            throw ExitCode(130)
        }
        print(Self.table(names: losses.map(\.name), results: all))
    }

    /// Mean of the fitness metric per seed (over betas and starts).
    static func perSeed(_ result: EvaluationResult) -> [UInt64: Double] {
        let key = result.runs.first?.metrics["frontier_efficiency"] != nil ? "frontier_efficiency" : "fitness"
        var sums: [UInt64: (Double, Int)] = [:]
        for run in result.runs { sums[run.seed, default: (0, 0)].0 += run.metrics[key] ?? .nan; sums[run.seed, default: (0, 0)].1 += 1 }
        return sums.mapValues { $0.0 / Double($0.1) }
    }

    static func meanAndError(_ values: [Double]) -> (Double, Double) {
        let n = Double(values.count)
        let mean = values.reduce(0, +) / n
        guard values.count > 1 else { return (mean, .nan) }
        let variance = values.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / (n - 1)
        return (mean, (variance / n).squareRoot())
    }

    static func table(names: [String], results: [EvaluationResult]) -> String {
        var lines = ["| loss | fitness (mean ± SE over seeds) | difference to \(names[0]) | paired SE | difference / paired SE |",
                     "|---|---|---|---|---|"]
        let baseline = perSeed(results[0])
        for (name, result) in zip(names, results) {
            if let failed = result.failed {
                lines.append("| \(name) | failed: \(failed) | | | |")
                continue
            }
            let seeds = perSeed(result)
            let (mean, error) = meanAndError(seeds.keys.sorted().map { seeds[$0]! })
            let fitness = String(format: "%.4f ± %.4f", mean, error)
            if name == names[0] || results[0].failed != nil {
                lines.append("| \(name) | \(fitness) | | | |")
                continue
            }
            let common = seeds.keys.filter { baseline[$0] != nil }.sorted()
            let (difference, pairedError) = meanAndError(common.map { seeds[$0]! - baseline[$0]! })
            lines.append(String(format: "| %@ | %@ | %+.4f | %.4f | %+.1f |", name, fitness, difference, pairedError, difference / pairedError))
        }
        return lines.joined(separator: "\n")
    }
}
