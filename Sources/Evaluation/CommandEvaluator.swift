import Foundation
import LossLanguage

/// An external evaluator (docs/architecture.md §5.3) of one member: writes the candidate as PyTorch code (or
/// the configured export: the TRL trainer module for `evaluators/trl/`), then, per (beta, seed),
/// either runs the configured command once with `{file}`, `{beta}`, `{seed}` and `{output}` filled
/// in and reads `{"fitness": ..., "metrics": {...}}` from the output file, or, for a resident
/// command, sends the run as a job to one of its running instances (``ResidentPool``). This is how
/// real training (TRL on GPUs) plugs in. Every problem is a failed outcome with a clear reason.
/// ``interrupt()`` kills the running commands' process groups (a resident command's idle instances
/// too); their files go with the evaluation, as always.
public struct CommandEvaluator: MemberEvaluator {
    public let settings: CommandTaskSettings
    private let interruption = CommandInterruption()
    /// A resident command's instances; nil for a one-shot command.
    private let pool: ResidentPool?

    public init(settings: CommandTaskSettings) {
        self.settings = settings
        pool = settings.resident ? ResidentPool(settings: settings, interruption: interruption) : nil
        Self.removeStaleDirectories()
    }

    public var fitnessKey: String { "fitness" }

    /// Each evaluation's files live in `$TMPDIR/evod-command-PID-UUID` and go with it; those of a
    /// process killed with `kill -9` stay behind, and the next command evaluator removes them.
    static let directoryPrefix = "evod-command-"

    /// A fresh directory for one evaluation's files, named for this process.
    static func scratchDirectory() -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("\(directoryPrefix)\(getpid())-\(UUID().uuidString)").path
    }

    /// Removes the scratch directories of processes that no longer exist.
    static func removeStaleDirectories() {
        let temporary = FileManager.default.temporaryDirectory
        guard let names = try? FileManager.default.contentsOfDirectory(atPath: temporary.path) else { return }
        for name in names where name.hasPrefix(directoryPrefix) {
            let fields = name.dropFirst(directoryPrefix.count).split(separator: "-", maxSplits: 1)
            guard let pid = fields.first.flatMap({ pid_t($0) }), pid > 0, kill(pid, 0) != 0, errno == ESRCH else { continue }
            try? FileManager.default.removeItem(at: temporary.appendingPathComponent(name))
        }
    }

    public func runs(of loss: LossGraph, name: String, grid: EvaluationGrid, progress: RunProgress?) -> MemberRuns {
        guard !interruption.isInterrupted else { return MemberRuns(runs: [], failed: EvaluationResult.interruptedReason) }
        let directory = Self.scratchDirectory()
        defer { try? FileManager.default.removeItem(atPath: directory) }
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
            let file = directory + "/candidate" + settings.export.fileExtension
            try loss.export(settings.export, name: name).write(toFile: file, atomically: true, encoding: .utf8)
            var runs: [RunRecord] = []
            for seed in grid.seeds {
                for beta in grid.betas {
                    let outcome =
                        if let pool {
                            pool.run(file: file, beta: beta, seed: seed).map { RunRecord(beta: beta, seed: seed, start: "command", metrics: $0) }
                        } else {
                            run(file: file, beta: beta, seed: seed, directory: directory)
                        }
                    switch outcome {
                    case let .success(record):
                        runs.append(record)
                        progress?()
                    case let .failure(reason): return MemberRuns(runs: runs, failed: reason.message)
                    }
                }
            }
            return MemberRuns(runs: runs)
        } catch {
            return MemberRuns(runs: [], failed: "cannot prepare the command's files: \(error)")
        }
    }

    public func interrupt() {
        interruption.interrupt()
        pool?.shutDown()
    }

    struct RunFailure: Error { let message: String }

    private func run(file: String, beta: Double, seed: UInt64, directory: String) -> Result<RunRecord, RunFailure> {
        let output = directory + "/result-\(beta)-\(seed).json"
        let log = directory + "/log-\(beta)-\(seed).txt"
        let argv = settings.argv.map {
            $0.replacingOccurrences(of: "{file}", with: file).replacingOccurrences(of: "{beta}", with: "\(beta)")
                .replacingOccurrences(of: "{seed}", with: "\(seed)").replacingOccurrences(of: "{output}", with: output)
        }
        let at = "(beta \(beta), seed \(seed))"
        func fail(_ message: String) -> Result<RunRecord, RunFailure> {
            .failure(RunFailure(message: "\(message) \(at)" + ChildProcess.logTail(log, limit: settings.maxOutputBytes)))
        }
        let outcome: ChildProcess.Outcome
        do {
            outcome = try ChildProcess.run(argv, logPath: log, timeout: settings.timeoutSeconds, interruption: interruption)
        } catch {
            return .failure(RunFailure(message: "\(error) \(at)"))
        }
        switch outcome {
        case .interrupted: return .failure(RunFailure(message: EvaluationResult.interruptedReason))
        case .timedOut: return fail("the command timed out after \(settings.timeoutSeconds) s and its process group was killed")
        case let .signalled(signal): return fail("the command was killed by signal \(signal)")
        case let .exited(code) where code != 0: return fail("the command exited with status \(code)")
        case .exited: break
        }
        guard let (data, truncated) = ChildProcess.read(output, limit: settings.maxOutputBytes) else {
            return fail("the command wrote no output file")
        }
        if truncated { return fail("the output file is larger than \(settings.maxOutputBytes) bytes") }
        switch Self.metrics(of: data) {
        case let .success(metrics): return .success(RunRecord(beta: beta, seed: seed, start: "command", metrics: metrics))
        case let .failure(problem): return fail(problem.message)
        }
    }

    /// A run's metrics from a command's result object: a finite `fitness` and, under `metrics`, more
    /// finite numbers. Decoded with `JSONDecoder`, which reads every double exactly (Foundation's
    /// `JSONSerialization` on Linux can be one unit in the last place off).
    static func metrics(of json: Data) -> Result<[String: Double], RunFailure> {
        guard let output = try? JSONDecoder().decode(CommandOutput.self, from: json) else {
            return .failure(RunFailure(message: "the output file is not a JSON object"))
        }
        if let problem = output.problem { return .failure(RunFailure(message: problem)) }
        guard let fitness = output.fitness, fitness.isFinite else {
            return .failure(RunFailure(message: "the output has no finite number under \"fitness\""))
        }
        return .success(output.metrics.merging(["fitness": fitness]) { _, fitness in fitness })
    }
}

/// What a command writes: `{"fitness": F, "metrics": {"name": number, ...}}` (more keys are ignored).
struct CommandOutput: Decodable {
    var fitness: Double?
    var metrics: [String: Double] = [:]
    /// What is wrong with `metrics`, if anything.
    var problem: String?

    struct Key: CodingKey {
        var stringValue: String
        var intValue: Int? { nil }
        init(stringValue: String) { self.stringValue = stringValue }
        init?(intValue: Int) { nil }
    }

    init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: Key.self)
        fitness = try? container.decode(Double.self, forKey: Key(stringValue: "fitness"))
        guard container.contains(Key(stringValue: "metrics")) else { return }
        guard let table = try? container.nestedContainer(keyedBy: Key.self, forKey: Key(stringValue: "metrics")) else {
            problem = "\"metrics\" in the output is not an object"
            return
        }
        for key in table.allKeys.sorted(by: { $0.stringValue < $1.stringValue }) {
            guard let number = try? table.decode(Double.self, forKey: key), number.isFinite else {
                problem = "the metric \"\(key.stringValue)\" in the output is not a finite number"
                return
            }
            metrics[key.stringValue] = number
        }
    }
}
