import Foundation
import LossLanguage

/// An external evaluator (DESIGN.md §5.3) of one member: writes the candidate as PyTorch code (or
/// the configured export: the TRL trainer module for `examples/trl/`),
/// runs the configured command once per (beta, seed) with `{file}`, `{beta}`, `{seed}` and
/// `{output}` filled in, and reads `{"fitness": ..., "metrics": {...}}` from the output file. This
/// is how real training (TRL on GPUs) plugs in. Every problem is a failed outcome with a clear reason.
/// ``interrupt()`` kills the running commands' process groups; their files go with the evaluation,
/// as always.
public struct CommandEvaluator: MemberEvaluator {
    public let settings: CommandTaskSettings
    private let interruption = CommandInterruption()

    public init(settings: CommandTaskSettings) {
        self.settings = settings
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
                    switch run(file: file, beta: beta, seed: seed, directory: directory) {
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

    public func interrupt() { interruption.interrupt() }

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
            let tail = ChildProcess.read(log, limit: settings.maxOutputBytes).map { String(decoding: $0.data.suffix(300), as: UTF8.self) } ?? ""
            let trimmed = tail.trimmingCharacters(in: .whitespacesAndNewlines).replacingOccurrences(of: "\n", with: " | ")
            return .failure(RunFailure(message: "\(message) \(at)" + (trimmed.isEmpty ? "" : "; its output ends: \(trimmed)")))
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
        guard let object = try? JSONSerialization.jsonObject(with: data) as? [String: Any] else {
            return fail("the output file is not a JSON object")
        }
        guard let fitness = (object["fitness"] as? NSNumber)?.doubleValue, fitness.isFinite else {
            return fail("the output has no finite number under \"fitness\"")
        }
        var metrics = ["fitness": fitness]
        if let extra = object["metrics"] {
            guard let table = extra as? [String: Any] else { return fail("\"metrics\" in the output is not an object") }
            for (key, value) in table {
                guard let number = (value as? NSNumber)?.doubleValue, number.isFinite else {
                    return fail("the metric \"\(key)\" in the output is not a finite number")
                }
                metrics[key] = number
            }
        }
        return .success(RunRecord(beta: beta, seed: seed, start: "command", metrics: metrics))
    }
}
