import ArgumentParser
import Evaluation
import Foundation
import LossLanguage

/// `evoctl validate [ID|best|FILE ...] [--task SUITE] [--transfer TASK ...] [--json] [--svg FILE]`: the candidates and
/// every standard loss on the held-out seeds of every member and on the suite's transfer tasks, with
/// paired differences to DPO and to each task's best standard loss, Holm-corrected (docs/architecture.md §5.4).
struct Validate: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Validate losses on held-out seeds and transfer tasks against every standard loss.",
        discussion: """
            Each argument is a loss file (.loss or .py), `best` (the best confirmed loss of the cluster) or a \
            candidate id (with --island). With no argument, only the standard losses are validated. A loss is \
            "discovered" only if it beats the task's best standard loss on the suite's held-out seeds by more \
            than 3 paired SE with a Holm-adjusted p below 0.05, and beats DPO on every transfer task. Runs on \
            every core; Ctrl-C stops (exit 130).
            """
    )

    @Argument(help: "Loss files, `best`, or candidate ids.") var losses: [String] = []
    @Option(help: "A task file or suite; default: the cluster config's task, else the embedded default suite.") var task: String?
    @Option(
        help: ArgumentHelp(
            "A task file whose tasks join the suite's transfer tasks, on their held-out seeds (repeatable).",
            discussion: "For example configs/tasks/trl-tiny.toml, real training under TRL.", valueName: "task"))
    var transfer: [String] = []
    @Option(
        help: ArgumentHelp(
            "Only these standard losses, comma-separated (dpo always; default: every one).",
            discussion: "For a quick check on a slow task: `--standard dpo` trains the candidates and DPO only.", valueName: "names"))
    var standard: String?
    @Option(help: "The island of candidate ids.") var island = 1
    @OptionGroup var cluster: ClusterOptions
    @Flag(help: "Print the table as JSON.") var json = false
    @Option(help: "Write a forest plot (difference to DPO with 95% intervals, per task) as SVG.") var svg: String?

    func run() throws {
        let suite = try loadTask()
        var candidates: [(name: String, graph: LossGraph)] = []
        for argument in losses { candidates.append(try resolve(argument)) }
        let standard = try standardLosses()
        let all = standard.map { ($0.name, $0.graph, true) } + candidates.map { ($0.name, $0.graph, false) }
        if let clash = candidates.first(where: { c in standard.contains { $0.name == c.name } }) {
            throw CommandFailure("the candidate '\(clash.name)' has a standard loss's name; rename its file")
        }
        let evaluator = suite.makeEvaluator()
        let progress = ProgressLine("validate", total: evaluator.validationUnitCount(losses: all.count), unit: "(task, seed, loss) runs")
        let report = SignalInterruption.during(evaluator) {
            evaluator.validate(all.map { (name: $0.0, graph: $0.1, standard: $0.2) }) { progress.advance() }
        }
        progress.finish()
        guard let report else {
            FileHandle.standardError.write(Data("evoctl: \(EvaluationResult.interruptedReason)\n".utf8))
            throw ExitCode(130)
        }
        if let svg { try ForestPlot.svg(report).write(toFile: svg, atomically: true, encoding: .utf8) }
        print(json ? ValidationText.json(report) : ValidationText.markdown(report))
    }

    /// The standard losses to validate against: `--standard`'s (with DPO, the baseline), or every one.
    private func standardLosses() throws -> [(name: String, graph: LossGraph)] {
        let all = StandardLosses.distinct.map { (name: $0.name, graph: $0.graph) }
        guard let standard else { return all }
        let names = Set(standard.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }).union([ValidationReport.baseline])
        if let unknown = names.sorted().first(where: { name in !all.contains { $0.name == name } }) {
            throw ValidationError("--standard: no standard loss '\(unknown)' (known: \(all.map(\.name).joined(separator: ", ")))")
        }
        return all.filter { names.contains($0.name) }
    }

    private func loadTask() throws -> TaskConfig {
        var suite: TaskConfig
        if let task {
            do { suite = try TaskConfig.load(path: task) } catch { throw CommandFailure("\(error)") }
            // A single task's member is "main" inside the file; the report names it by the file.
            if suite.members.count == 1, suite.members[0].name == TaskMember.singleName, !suite.isCascade {
                suite.members[0].name = URL(fileURLWithPath: task).deletingPathExtension().lastPathComponent
            }
        } else if FileManager.default.fileExists(atPath: cluster.config) {
            do { suite = try cluster.loadCluster().task() } catch { throw CommandFailure("\(error)") }
        } else {
            suite = .defaultSuite
        }
        for path in transfer {
            let extra: TaskConfig
            do { extra = try TaskConfig.load(path: path) } catch { throw CommandFailure("\(error)") }
            let stem = URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
            for var member in extra.members {
                member.name = extra.members.count == 1 ? stem : "\(stem)/\(member.name)"
                let taken = (suite.members + suite.validation + suite.task(for: .three).members).map(\.name)
                guard !taken.contains(member.name) else {
                    throw ValidationError("--transfer \(path): the suite already has a task named '\(member.name)'")
                }
                suite.validation.append(member)
            }
        }
        return suite
    }

    /// A loss file, `best`, or a candidate id of the cluster.
    private func resolve(_ argument: String) throws -> (name: String, graph: LossGraph) {
        if argument != "best", Int64(argument) == nil {
            let options = try LossFileOptions.parse([argument])
            do {
                let parsed = try LossParser.parse(bytes: try options.readBytes(), form: options.resolvedForm)
                try LossValidator.validate(parsed.graph)
                return (options.defaultName, parsed.graph)
            } catch let error as LossError {
                throw CommandFailure("\(argument): \(error)")
            }
        }
        let (islandID, candidate) = try cluster.candidate(argument, island: island, in: try cluster.loadCluster())
        guard let canonical = candidate.canonical, let graph = try? LossParser.parse(canonical).graph else {
            throw CommandFailure("candidate \(candidate.id) of island \(islandID) has no valid loss")
        }
        return ("island\(islandID)-\(candidate.id)", graph)
    }
}
