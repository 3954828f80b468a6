import LossLanguage
import Model
import Search

/// How one island searches (docs/architecture.md §6, §10): from `configs/cluster.toml` and `islands/island-N.toml`.
public struct IslandSettings: Sendable, Hashable {
    public var id: Int
    /// Seeds the island's random choices; a generation's choices depend only on it and the generation.
    public var seed: UInt64
    public var childrenPerGeneration = 8
    /// Bound on evaluations running at once (the local pool's threads).
    public var evaluationsInFlight = 2
    public var selection: SelectionStrategy = .curiosity
    public var operatorWeights = MutationProposer.defaultWeights
    /// Standard loss names or compact sources evaluated first.
    public var seedLosses = StandardLosses.distinct.map(LossReference.standard)
    public var bins = DescriptorBins.default
    /// When a child's search fitness replaces an occupied cell's elite (`replacement_margin`,
    /// `growth_margin`, `parsimony`; by default any gain beyond one paired standard error, and the
    /// shorter of two equal within it).
    public var replacement = ReplacementRule(parsimony: 1)
    /// Novelty before evaluation: the slope-profile distance within which a child (whose descriptors
    /// lie within 0.05 of the other's) repeats an elite or a recent child and is not evaluated (0: off).
    public var novelty = 0.01
    /// Stage-1 fitness a candidate needs to be evaluated at stage 2.
    public var promotionThreshold = 0.5
    /// A scheduler over emitters (the default: the three mutation families), the built-in
    /// mutation proposer alone, or an LLM proposer and its config (`configs/proposers/*.toml`).
    public var proposer = ProposerChoice.scheduler(SchedulerSettings())
    /// The floor of the QD-score (sum over filled cells of fitness minus it).
    public var qdFloor = -1.0
    /// Stage 3: a candidate whose stage-2 fitness puts it in the island's top k is trained on the
    /// confirmation seeds (0: never).
    public var confirmTopK = 5
    /// Candidates older than this many generations are compacted away unless something refers to
    /// them (the archive, the bests, a lineage; docs/islands.md, "Bounded state"); 0 keeps every one
    /// (the default: research runs read their whole history).
    public var keepGenerations = 0
    /// The most operations a proposed loss may have (`max_operations`; 0: only the language's limit,
    /// 2,000): mutation children are drawn again past it, other proposals are refused as invalid.
    public var maximumOperations = MutationProposer.defaultMaximumOperations
    /// Where parents come from: the archive (the search), or only the seed losses, with no feedback
    /// from results (the independent-sampling baseline of the ablations).
    public var parentPool: ParentPool = .archive
    /// The loss confirmed candidates are compared with (a standard loss name or a compact source).
    public var baseline = LossReference.standard(StandardLosses.dpo)
    /// The live proxy audit (`[island.audit]`): random stage-2 candidates also trained at stage 3.
    public var audit = AuditSettings()

    public init(id: Int, seed: UInt64? = nil) {
        self.id = id
        self.seed = seed ?? UInt64(id)
    }
}

extension IslandSettings {
    /// The proposer these settings choose when it needs no LLM (the scheduler's mutation
    /// emitters, or the mutation proposer); nil when an LLM is configured, which the daemon builds.
    public func builtInProposer(qualityInputs: Bool) -> (any Proposer)? {
        switch proposer {
        case .mutation: mutationProposer(qualityInputs: qualityInputs)
        case .llm: nil
        case let .scheduler(scheduler):
            scheduler.emitters.contains { if case .llm = $0 { true } else { false } }
                ? nil : self.scheduler(scheduler, emitters: [], qualityInputs: qualityInputs)
        }
    }

    /// The scheduler over the configured mutation families (those with a weighted operator) and
    /// `emitters` built elsewhere (an LLM), in the order the settings list them.
    public func scheduler(_ scheduler: SchedulerSettings, emitters built: [any Emitter], qualityInputs: Bool) -> EmitterScheduler {
        let base = mutationProposer(qualityInputs: qualityInputs)
        var emitters: [any Emitter] = []
        var others = built[...]
        for choice in scheduler.emitters {
            switch choice {
            case let .mutation(family): if let emitter = MutationEmitter(family: family, proposer: base) { emitters.append(emitter) }
            case .llm: if let emitter = others.popFirst() { emitters.append(emitter) }
            }
        }
        return EmitterScheduler(emitters: emitters, bandit: EmitterBandit(floor: scheduler.floor), childrenPerGeneration: childrenPerGeneration, seed: seed)
    }

    /// The built-in mutation proposer as these settings configure it, for a task without a quality prompt.
    public var mutationProposer: MutationProposer { mutationProposer(qualityInputs: false) }

    /// The built-in mutation proposer as these settings configure it; operators that write the
    /// quality-prompted log-probs (``MutationOperator/refine``) only where the task supplies them,
    /// so that without them the draws are those of before the operator existed.
    public func mutationProposer(qualityInputs: Bool) -> MutationProposer {
        var weights = operatorWeights
        if !qualityInputs { for operation in MutationOperator.allCases where operation.needsQualityInputs { weights[operation] = nil } }
        var proposer = MutationProposer(weights: weights)
        (proposer.childrenPerGeneration, proposer.selection, proposer.parentPool, proposer.seed) = (childrenPerGeneration, selection, parentPool, seed)
        proposer.maximumOperations = maximumOperations
        return proposer
    }
}

/// The live proxy audit: a share of the candidates that reach stage 2 but not the island's top k
/// are trained at stage 3 too, drawn at random, so that the island measures how well its stage-2
/// fitness (a proxy's) ranks candidates as stage 3 (real training's, in a cascade) does.
public struct AuditSettings: Sendable, Hashable {
    /// The share drawn; nil for the default: ``cascadeShare`` when stage 3 trains on its own task, else none.
    public var share: Double?
    /// The island warns when the rank correlation falls below this...
    public var warnBelow = 0.3
    /// ...once it rests on this many audited candidates.
    public var minimum = 10

    public init() {}

    /// The default share of a cascade whose stage 3 is its own task.
    public static let cascadeShare = 0.1

    /// The share in force, given whether stage 3 trains on another task than stage 2.
    public func share(stageThreeOwnTask: Bool) -> Double { share ?? (stageThreeOwnTask ? Self.cascadeShare : 0) }
}

/// Which proposer makes an island's children: `proposer = "scheduler"` (with `emitters`),
/// `"mutation"`, or the path of an LLM proposer config in the island's settings.
public enum ProposerChoice: Sendable, Hashable {
    /// The built-in mutation proposer, all operators in one draw.
    case mutation
    /// An LLM proposer configured by this file.
    case llm(config: String)
    /// Emitters under a bandit scheduler.
    case scheduler(SchedulerSettings)

    /// As the settings file spells it.
    public var setting: String {
        switch self {
        case .mutation: "mutation"
        case let .llm(config): config
        case .scheduler: "scheduler"
        }
    }
}

/// An island's scheduler: its emitters and the bandit's floor (`emitters`, `scheduler_floor`).
public struct SchedulerSettings: Sendable, Hashable {
    public var emitters: [EmitterChoice] = MutationFamily.allCases.map(EmitterChoice.mutation)
    public var floor = EmitterBandit().floor

    public init() {}
}

/// One emitter of a scheduler: a family of mutation operators (`tweak`, `shape`, `recombine`) or an
/// LLM proposer's config (a `.toml` path; at most one per island).
public enum EmitterChoice: Sendable, Hashable {
    case mutation(MutationFamily)
    case llm(config: String)

    /// As the settings file spells it.
    public var setting: String {
        switch self {
        case let .mutation(family): family.rawValue
        case let .llm(config): config
        }
    }
}
