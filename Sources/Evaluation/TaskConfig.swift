import Crypto
import Foundation
import Model
import PrefBandit

/// A task suite (docs/architecture.md §5.4): member tasks with weights, whose weighted mean fitness is the
/// candidate's fitness, and transfer tasks that only validation uses. A single-task file is a suite
/// of one member.
public struct TaskConfig: Sendable, Hashable {
    /// The tasks the search trains on (at least one); in a cascade, stage 2's.
    public var members: [TaskMember]
    /// Transfer tasks for `evoctl validate` only: variants no member uses, on their held-out seeds.
    public var validation: [TaskMember]
    /// A multi-fidelity cascade (`type = "cascade"`): the task of each stage, named; empty for a task
    /// whose every stage trains on its own members. Stage 3 on another task confirms on that task's
    /// confirmation seeds, and `evoctl validate` adds its held-out seeds.
    public var stageTasks: [Stage: StageTask]

    public init(members: [TaskMember], validation: [TaskMember] = [], stageTasks: [Stage: StageTask] = [:]) {
        (self.members, self.validation, self.stageTasks) = (members, validation, stageTasks)
    }

    /// Whether its stages train on different tasks.
    public var isCascade: Bool { !stageTasks.isEmpty }

    /// The task stage `stage` trains on (this one, but for a cascade's stage on another task).
    public func task(for stage: Stage) -> TaskConfig {
        stageTasks[stage]?.task ?? TaskConfig(members: members, validation: validation)
    }

    /// Whether stage `stage` trains on another task than stage 2's (the search's).
    public func isOwnTask(_ stage: Stage) -> Bool {
        guard let own = stageTasks[stage], let search = stageTasks[.two] else { return false }
        return own.task != search.task
    }

    /// A single-task suite.
    public init(kind: TaskMember.Kind, stageOne: EvaluationGrid = .defaultCheap, stageTwo: EvaluationGrid = .defaultFull) {
        self.init(members: [TaskMember(kind: kind, stageOne: stageOne, stageTwo: stageTwo)])
    }

    /// The single prefbandit task with the defaults of `configs/tasks/prefbandit.toml`.
    public static let prefbanditDefault = TaskConfig(kind: .prefbandit(PrefBanditSettings()))

    /// Whether the task has more than one member (reports then show each member).
    public var isSuite: Bool { members.count > 1 }

    /// Whether every member of every stage's task (a cascade's stage 3 included) supplies the
    /// quality-prompted log-probs, so that the island's proposers may write losses that read them.
    public var suppliesQualityInputs: Bool {
        Stage.allCases.allSatisfy { task(for: $0).members.allSatisfy(\.suppliesQualityInputs) }
    }

    /// SHA-256 of what the search trains on (16 bytes, hex): the members with their weights, settings
    /// and the grids of stages 1, 2 and 3. Islands and the farm compare results only under the same
    /// hash. Held-out seeds and transfer tasks are not part of it: validation never feeds the search,
    /// so they can change without invalidating a search's state.
    public var hash: String {
        guard isCascade else { return suiteHash }
        // A cascade: each stage's task hash, so that changing any stage's task changes it.
        let description = Stage.allCases.map { "stage\($0.rawValue):\(task(for: $0).suiteHash)" }.joined(separator: ",")
        return SHA256.hash(data: Data(("cascade;" + description).utf8)).prefix(16).map { String(format: "%02x", $0) }.joined()
    }

    /// The hash of the members and their grids (a task that is not a cascade).
    private var suiteHash: String {
        struct Member: Encodable {
            var name: String
            var weight: Double
            var type: String
            var prefbandit: PrefBanditSettings?
            var command: CommandTaskSettings?
            var stage1: EvaluationGrid
            var stage2: EvaluationGrid
            var stage3: EvaluationGrid
        }
        let description = members.map { member in
            var entry = Member(
                name: member.name, weight: member.weight, type: "prefbandit", stage1: member.stageOne,
                stage2: member.stageTwo, stage3: member.grid(for: .three))
            switch member.kind {
            case let .prefbandit(settings): entry.prefbandit = settings
            case let .command(settings): entry.type = "command"; entry.command = settings
            }
            return entry
        }
        let encoder = JSONEncoder()
        encoder.outputFormatting = .sortedKeys
        let data = (try? encoder.encode(description)) ?? Data()
        return SHA256.hash(data: data).prefix(16).map { String(format: "%02x", $0) }.joined()
    }
}

/// One stage's task in a cascade: the task file's name (its stem) and what it trains.
public struct StageTask: Sendable, Hashable {
    public var name: String
    public var task: TaskConfig

    public init(name: String, task: TaskConfig) { (self.name, self.task) = (name, task) }
}
