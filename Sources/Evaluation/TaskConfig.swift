import Crypto
import Foundation
import PrefBandit

/// An external evaluator (DESIGN.md §5.3): a command run once per (beta, seed).
public struct CommandTaskSettings: Sendable, Hashable, Codable {
    /// The command and its arguments; `{file}`, `{beta}`, `{seed}` and `{output}` are replaced.
    public var argv: [String]
    /// Wall-clock limit of one run; the whole process group is killed past it.
    public var timeoutSeconds: Double
    /// The largest output file (and captured log) read back.
    public var maxOutputBytes: Int

    public init(argv: [String], timeoutSeconds: Double = 3_600, maxOutputBytes: Int = 1 << 20) {
        (self.argv, self.timeoutSeconds, self.maxOutputBytes) = (argv, timeoutSeconds, maxOutputBytes)
    }
}

/// A task: what trains and scores a candidate, and the grids of the two cascade stages.
public struct TaskConfig: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case prefbandit(PrefBanditSettings)
        case command(CommandTaskSettings)
    }

    public var kind: Kind
    public var stageOne: EvaluationGrid
    public var stageTwo: EvaluationGrid

    public init(kind: Kind, stageOne: EvaluationGrid = .defaultCheap, stageTwo: EvaluationGrid = .defaultFull) {
        (self.kind, self.stageOne, self.stageTwo) = (kind, stageOne, stageTwo)
    }

    /// The embedded default: prefbandit with the defaults of `configs/tasks/prefbandit.toml`.
    public static let prefbanditDefault = TaskConfig(kind: .prefbandit(PrefBanditSettings()))

    public func grid(for stage: Stage) -> EvaluationGrid { stage == .one ? stageOne : stageTwo }

    /// SHA-256 of the task's full description (16 bytes, hex): islands and the farm compare results
    /// only under the same hash.
    public var hash: String {
        struct Description: Encodable {
            var type: String
            var prefbandit: PrefBanditSettings?
            var command: CommandTaskSettings?
            var stage1: EvaluationGrid
            var stage2: EvaluationGrid
        }
        var description = Description(type: "prefbandit", stage1: stageOne, stage2: stageTwo)
        switch kind {
        case let .prefbandit(settings): description.prefbandit = settings
        case let .command(settings): description.type = "command"; description.command = settings
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(description)) ?? Data()
        return SHA256.hash(data: data).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}
