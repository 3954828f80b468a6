import ArgumentParser
import Evaluation
import Foundation
import LossLanguage

/// `evoctl loss eval FILE [--task FILE] [--stage 1|2] [--json]`.
struct LossEval: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "eval",
        abstract: "Train and score a loss on a task: fitness, stage, per-run metrics, seconds.",
        discussion: """
            Exits non-zero when the loss is invalid or the evaluation failed (the reason is printed). \
            Ctrl-C or SIGTERM kills a command task's running command with its process group and exits 130.
            """
    )

    @OptionGroup var loss: LossFileOptions
    @OptionGroup var taskOptions: TaskOptions

    @Flag(help: "Print one JSON object: fitness, stage, failed, metrics, runs, seconds, setup_seconds.")
    var json = false

    func run() throws {
        let task = try taskOptions.loadTask()
        let parsed: ParsedLoss
        do {
            parsed = try LossParser.parse(bytes: try loss.readBytes(), form: loss.resolvedForm)
            try LossValidator.validate(parsed.graph)
        } catch let error as LossError {
            throw CommandFailure("\(loss.file): \(error)")
        }
        let evaluator = task.makeEvaluator()
        let stage = taskOptions.resolvedStage
        // The task instances first, timed apart: an island or a worker builds them once, so the
        // seconds of the evaluation itself are what a candidate costs in a search.
        let setup = evaluator.prepare(stage: stage)
        let progress = ProgressLine("eval", total: evaluator.runCount(stage: stage), unit: "training runs")
        let result = SignalInterruption.during(evaluator) {
            evaluator.evaluate(parsed.graph, name: parsed.name ?? loss.defaultName, stage: stage, progress: { progress.advance() })
        }
        progress.finish()
        print(json ? result.json(setupSeconds: setup) : result.text(setupSeconds: setup))
        if result.isInterrupted { throw ExitCode(130) }
        if result.failed != nil { throw ExitCode(1) }
    }
}

extension EvaluationResult {
    /// The JSON of `evoctl loss eval --json`: run objects carry their metrics flat beside beta, seed,
    /// start; `seconds` is the evaluation, `setup_seconds` the task instances built before it.
    func json(setupSeconds: Double) -> String {
        let runObjects: [[String: Any]] = runs.map { run in
            var object: [String: Any] = run.metrics
            object["member"] = run.member ?? TaskMember.singleName
            object["beta"] = run.beta
            object["seed"] = run.seed
            object["start"] = run.start
            return object
        }
        let memberObjects: [[String: Any]] = (members ?? []).map {
            ["name": $0.name, "weight": $0.weight, "fitness": $0.fitness, "metrics": $0.metrics]
        }
        let object: [String: Any] = [
            "fitness": fitness ?? NSNull(), "stage": stage.rawValue, "failed": failed ?? NSNull(),
            "metrics": metrics, "members": memberObjects, "runs": runObjects, "seconds": seconds,
            "setup_seconds": setupSeconds,
        ]
        let data = (try? JSONSerialization.data(withJSONObject: object, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
        return String(decoding: data, as: UTF8.self)
    }

    func text(setupSeconds: Double) -> String {
        var lines: [String] = []
        if let failed { lines.append("failed:  \(failed)") }
        if let fitness { lines.append("fitness: \(ReportFormat.fixed(fitness))" + ((members?.count ?? 0) > 1 ? " (weighted mean of the members')" : "")) }
        lines.append("stage:   \(stage.rawValue)")
        lines.append(String(format: "seconds: %.3f (training and scoring; building the task instances before took %.3f)", seconds, setupSeconds))
        if let members, members.count > 1 {
            for member in members {
                lines.append("member \(member.name) (weight \(ReportFormat.number(member.weight))): fitness \(ReportFormat.fixed(member.fitness))")
            }
        }
        let keys = (runs.first?.metrics.keys.sorted()) ?? []
        let showMembers = Set(runs.map { $0.member ?? "" }).count > 1
        let width = max(6, runs.map { ($0.member ?? "").count }.max() ?? 0)
        let startWidth = max(5, runs.map(\.start.count).max() ?? 0)  // "exact", "perturbed", "command"
        if !keys.isEmpty {
            let header = keys.map { $0.padding(toLength: max($0.count, 8), withPad: " ", startingAt: 0) }
            let memberHeader = showMembers ? ["member".padding(toLength: width, withPad: " ", startingAt: 0)] : []
            lines.append(
                (memberHeader + [String(repeating: " ", count: 6) + "beta", "seed", "start".padding(toLength: startWidth, withPad: " ", startingAt: 0)] + header).joined(
                    separator: "  "))
            for run in runs {
                let values = keys.map { ReportFormat.fixed(run.metrics[$0] ?? .nan).padding(toLength: max($0.count, 8), withPad: " ", startingAt: 0) }
                let member = showMembers ? [(run.member ?? "").padding(toLength: width, withPad: " ", startingAt: 0)] : []
                lines.append(
                    (member + [String(format: "%10.3f", run.beta), String(format: "%4d", run.seed), run.start.padding(toLength: startWidth, withPad: " ", startingAt: 0)] + values)
                        .joined(separator: "  "))
            }
        }
        return lines.joined(separator: "\n")
    }
}
