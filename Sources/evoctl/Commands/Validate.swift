import ArgumentParser
import Evaluation
import Foundation
import LossLanguage
import Synchronization

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
        let (scores, failures) = try ValidationRunner(evaluator: evaluator, losses: all.map { ($0.0, $0.1) }).run()
        let tasks = evaluator.validationTasks.map { target -> (name: String, kind: ValidationReport.TaskKind) in
            switch target {
            case .member: (evaluator.member(target).name, .member)
            case .transfer: (evaluator.member(target).name, .transfer)
            case .confirmation: (evaluator.member(target).name, .confirmation)
            }
        }
        let report = ValidationReport(tasks: tasks, losses: all.map { (name: $0.0, standard: $0.2) }, scores: scores, failures: failures)
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

/// Trains every loss on every validation task's held-out seeds, one (task, seed, loss) at a time
/// on each core, with a progress line on a terminal.
struct ValidationRunner {
    let evaluator: SuiteEvaluator
    let losses: [(name: String, graph: LossGraph)]

    func run() throws -> (scores: [String: [String: SeedScores]], failures: [String: [String: String]]) {
        struct Unit { let target: SuiteEvaluator.ValidationTask; let seed: UInt64; let loss: Int }
        let losses = self.losses, evaluator = self.evaluator
        let units = evaluator.validationTasks.flatMap { target in
            evaluator.member(target).heldoutSeeds.flatMap { seed in losses.indices.map { Unit(target: target, seed: seed, loss: $0) } }
        }
        let results = Mutex([MemberRuns?](repeating: nil, count: units.count))
        let progress = ProgressLine("validate", total: units.count, unit: "(task, seed, loss) runs")
        let next = Mutex(0)
        SignalInterruption.during(evaluator) {
            DispatchQueue.concurrentPerform(iterations: ProcessInfo.processInfo.activeProcessorCount) { _ in
                while true {
                    let index = next.withLock { n -> Int in
                        defer { n += 1 }; return n
                    }
                    guard index < units.count else { return }
                    let unit = units[index]
                    let outcome = evaluator.validationRuns(of: losses[unit.loss].graph, name: losses[unit.loss].name, on: unit.target, seed: unit.seed)
                    results.withLock { $0[index] = outcome }
                    progress.advance()
                }
            }
        }
        progress.finish()
        let outcomes = results.withLock { $0 }
        if outcomes.contains(where: { $0?.failed == EvaluationResult.interruptedReason }) {
            FileHandle.standardError.write(Data("evoctl: \(EvaluationResult.interruptedReason)\n".utf8))
            throw ExitCode(130)
        }
        var runs: [String: [String: [RunRecord]]] = [:]
        var failures: [String: [String: String]] = [:]
        for (unit, outcome) in zip(units, outcomes) {
            let task = evaluator.member(unit.target).name, loss = losses[unit.loss].name
            guard let outcome else { continue }
            if let failed = outcome.failed { failures[task, default: [:]][loss] = failures[task]?[loss] ?? failed }
            runs[task, default: [:]][loss, default: []] += outcome.runs
        }
        var scores: [String: [String: SeedScores]] = [:]
        for target in evaluator.validationTasks {
            let member = evaluator.member(target)
            let key = evaluator.fitnessKey(of: target)
            for loss in losses where failures[member.name]?[loss.name] == nil {
                scores[member.name, default: [:]][loss.name] = SeedScores(
                    runs: runs[member.name]?[loss.name] ?? [],
                    weights: [member.name: member.weight], fitnessKey: key)
            }
        }
        return (scores, failures)
    }
}
