import Crypto
import Foundation
import PrefBandit

/// A task suite (DESIGN.md §5.4): member tasks with weights, whose weighted mean fitness is the
/// candidate's fitness, and transfer tasks that only validation uses. A single-task file is a suite
/// of one member.
public struct TaskConfig: Sendable, Hashable {
    /// The tasks the search trains on (at least one).
    public var members: [TaskMember]
    /// Transfer tasks for `evoctl validate` only: variants no member uses, on their held-out seeds.
    public var validation: [TaskMember]

    public init(members: [TaskMember], validation: [TaskMember] = []) {
        (self.members, self.validation) = (members, validation)
    }

    /// A single-task suite.
    public init(kind: TaskMember.Kind, stageOne: EvaluationGrid = .defaultCheap, stageTwo: EvaluationGrid = .defaultFull) {
        self.init(members: [TaskMember(kind: kind, stageOne: stageOne, stageTwo: stageTwo)])
    }

    /// The single prefbandit task with the defaults of `configs/tasks/prefbandit.toml`.
    public static let prefbanditDefault = TaskConfig(kind: .prefbandit(PrefBanditSettings()))

    /// Whether the task has more than one member (reports then show each member).
    public var isSuite: Bool { members.count > 1 }

    /// SHA-256 of what the search trains on (16 bytes, hex): the members with their weights, settings
    /// and the grids of stages 1, 2 and 3. Islands and the farm compare results only under the same
    /// hash. Held-out seeds and transfer tasks are not part of it: validation never feeds the search,
    /// so they can change without invalidating a search's state.
    public var hash: String {
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
