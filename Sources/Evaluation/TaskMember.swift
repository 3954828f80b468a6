import LossLanguage
import Model
import PrefBandit

/// One task of a suite (docs/architecture.md §5.4): what trains and scores a candidate, its weight in the
/// suite's fitness, and its three disjoint seed sets: search (the grids of cascade stages 1 and 2),
/// confirmation (stage 3) and held-out (validation only; no island ever evaluates them).
public struct TaskMember: Sendable, Hashable {
    public enum Kind: Sendable, Hashable {
        case prefbandit(PrefBanditSettings)
        case command(CommandTaskSettings)
    }

    /// Unique within the suite; results and reports name the member by it.
    public var name: String
    /// Relative weight in the suite's fitness (positive).
    public var weight: Double
    public var kind: Kind
    /// Stage 1: a cheap subset of the search seeds.
    public var stageOne: EvaluationGrid
    /// Stage 2: the full search grid.
    public var stageTwo: EvaluationGrid
    /// Stage 3 trains on these seeds, with stage 2's betas and starts.
    public var confirmationSeeds: [UInt64]
    /// Only validation trains on these seeds, with stage 2's betas and starts.
    public var heldoutSeeds: [UInt64]

    public init(
        name: String = TaskMember.singleName, weight: Double = 1, kind: Kind, stageOne: EvaluationGrid = .defaultCheap,
        stageTwo: EvaluationGrid = .defaultFull, confirmationSeeds: [UInt64] = TaskMember.defaultConfirmationSeeds,
        heldoutSeeds: [UInt64] = TaskMember.defaultHeldoutSeeds
    ) {
        (self.name, self.weight, self.kind, self.stageOne, self.stageTwo) = (name, weight, kind, stageOne, stageTwo)
        (self.confirmationSeeds, self.heldoutSeeds) = (confirmationSeeds, heldoutSeeds)
    }

    /// The name of the one member of a single-task file.
    public static let singleName = "main"
    /// Confirmation seeds where a task file names none: 16 seeds from 101.
    public static let defaultConfirmationSeeds: [UInt64] = Array(101...116)
    /// Held-out seeds where a task file names none: 32 seeds from 1001.
    public static let defaultHeldoutSeeds: [UInt64] = Array(1001...1032)

    /// The grid a cascade stage trains on.
    public func grid(for stage: Stage) -> EvaluationGrid {
        switch stage {
        case .one: stageOne
        case .two: stageTwo
        case .three: EvaluationGrid(betas: stageTwo.betas, seeds: confirmationSeeds, starts: stageTwo.starts)
        }
    }

    /// The grid of validation: the held-out seeds with stage 2's betas and starts.
    public var heldoutGrid: EvaluationGrid {
        EvaluationGrid(betas: stageTwo.betas, seeds: heldoutSeeds, starts: stageTwo.starts)
    }

    /// Whether the member supplies the quality-prompted log-probs (pca, pra, rca, rra): a proxy
    /// task with `quality_strength`, or a resident command whose jobs carry `quality_prompt`.
    public var suppliesQualityInputs: Bool {
        switch kind {
        case let .prefbandit(settings): settings.suppliesQualityInputs
        case let .command(settings): settings.qualityPrompt != nil
        }
    }

    /// Why this member cannot train `loss`, or nil: a loss that reads the quality-prompted
    /// log-probs needs a member that supplies them.
    public func refusal(of loss: LossGraph) -> String? {
        guard let input = loss.qualityInputs.first, !suppliesQualityInputs else { return nil }
        let how =
            switch kind {
            case .prefbandit: "set quality_strength in its [prefbandit] table"
            case .command: "give its resident command quality_prompt in [command.settings]"
            }
        return
            "the loss reads \(input.rawValue) (\(input.pytorchName), a log-prob under the quality prompt) and the task \(name == Self.singleName ? "" : "member '\(name)' ")has no quality prompt: \(how), or drop \(input.rawValue) from the loss"
    }

    /// Every seed the search may train on (stages 1 and 2).
    public var searchSeeds: Set<UInt64> { Set(stageOne.seeds).union(stageTwo.seeds) }

    /// The first overlap between two of the three seed sets, described for an error message; nil when disjoint.
    public var seedOverlap: String? {
        let sets: [(String, Set<UInt64>)] = [
            ("search", searchSeeds), ("confirmation", Set(confirmationSeeds)),
            ("held-out", Set(heldoutSeeds)),
        ]
        for i in 0..<sets.count {
            for j in (i + 1)..<sets.count {
                let shared = sets[i].1.intersection(sets[j].1)
                if !shared.isEmpty {
                    let seeds = shared.sorted().prefix(10).map(String.init).joined(separator: ", ")
                    return "member \"\(name)\": the \(sets[i].0) and \(sets[j].0) seed sets share seed\(shared.count > 1 ? "s" : "") \(seeds)"
                        + (shared.count > 10 ? " (and \(shared.count - 10) more)" : "")
                }
            }
        }
        return nil
    }

    /// The member's prefbandit settings, if it is a prefbandit task.
    public var prefbandit: PrefBanditSettings? {
        if case let .prefbandit(settings) = kind { return settings }
        return nil
    }
}
