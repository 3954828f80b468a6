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
                throw CommandFailure("\(file): \(error)")
            }
        }
        let evaluator = task.makeEvaluator()
        let candidates = losses
        let stage = taskOptions.resolvedStage
        let results = Mutex([EvaluationResult?](repeating: nil, count: losses.count))
        let progress = ProgressLine("compare", total: losses.count * evaluator.runCount(stage: stage), unit: "training runs")
        SignalInterruption.during(evaluator) {
            DispatchQueue.concurrentPerform(iterations: losses.count) { i in
                let result = evaluator.evaluate(candidates[i].graph, name: candidates[i].name, stage: stage, progress: { progress.advance() })
                results.withLock { $0[i] = result }
            }
        }
        progress.finish()
        let all = results.withLock { $0.compactMap { $0 } }
        if let interrupted = all.first(where: \.isInterrupted) {
            FileHandle.standardError.write(Data("evoctl: \(interrupted.failed ?? "")\n".utf8))
            throw ExitCode(130)
        }
        print(Self.table(names: losses.map(\.name), results: all))
    }

    /// The markdown report: the suite's table, then one per member when the task is a suite.
    static func table(names: [String], results: [EvaluationResult]) -> String {
        let scores = results.map(SeedScores.init)
        var sections = [table(names: names, results: results, scores: scores)]
        let members = results.first(where: { $0.failed == nil })?.members ?? []
        if members.count > 1 {
            for member in members {
                let only = scores.map { SeedScores(members: $0.members.filter { $0.key == member.name }, weights: [member.name: 1]) }
                sections.append(
                    "member \(member.name) (weight \(ReportFormat.number(member.weight))):\n"
                        + table(names: names, results: results, scores: only))
            }
        }
        return sections.joined(separator: "\n\n")
    }

    static func table(names: [String], results: [EvaluationResult], scores: [SeedScores]) -> String {
        var lines = [
            "| loss | fitness (mean ± SE over seeds) | difference to \(names[0]) | paired SE | difference / paired SE |",
            "|---|---|---|---|---|",
        ]
        for (index, (name, result)) in zip(names, results).enumerated() {
            if let failed = result.failed {
                lines.append("| \(name) | failed: \(failed) | | | |")
                continue
            }
            let mean = scores[index].mean
            let fitness = "\(ReportFormat.fixed(mean.value)) ± \(ReportFormat.fixed(mean.standardError))"
            if index == 0 || results[0].failed != nil {
                lines.append("| \(name) | \(fitness) | | | |")
                continue
            }
            let difference = scores[index].difference(to: scores[0])
            lines.append(
                "| \(name) | \(fitness) | \(ReportFormat.signed(difference.value)) | \(ReportFormat.fixed(difference.standardError)) | \(ReportFormat.zScore(difference)) |")
        }
        return lines.joined(separator: "\n")
    }
}
