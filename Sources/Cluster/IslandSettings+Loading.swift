import ConfigFiles
import LossLanguage
import Model
import Search

extension IslandSettings {
    /// Reads the island keys of a section over the current values (each key's default is what the
    /// settings already hold): the cluster's `[island]` defaults first, then `islands/island-N.toml`.
    mutating func read(_ section: ConfigSection) throws(ConfigError) {
        seed = UInt64(try section.int("seed", default: Int(seed), in: 0...Int.max))
        childrenPerGeneration = try section.int("children_per_generation", default: childrenPerGeneration, in: 1...10_000)
        evaluationsInFlight = try section.int("evaluations_in_flight", default: evaluationsInFlight, in: 1...1_024)
        let strategy = try section.string("selection", default: selection.rawValue, oneOf: SelectionStrategy.allCases.map(\.rawValue))
        selection = SelectionStrategy(rawValue: strategy) ?? selection
        // A seed is a standard loss's name or a loss source; anything else would only show up as an invalid seed.
        var seeds: [LossReference] = []
        for text in try section.strings("seed_losses", default: seedLosses.map(\.text)) {
            guard let seed = LossReference(text) else {
                throw section.error(
                    "seed_losses", "expected standard loss names (\(StandardLosses.distinct.map(\.name).joined(separator: ", "))) or compact loss sources, got \"\(text)\"")
            }
            seeds.append(seed)
        }
        seedLosses = seeds
        promotionThreshold = try section.double("promotion_threshold", default: promotionThreshold)
        novelty = try section.double("novelty", default: novelty, in: 0...2)
        qdFloor = try section.double("qd_floor", default: qdFloor)
        let pool = try section.string("parent_pool", default: parentPool.rawValue, oneOf: ParentPool.allCases.map(\.rawValue))
        parentPool = ParentPool(rawValue: pool) ?? parentPool
        confirmTopK = try section.int("confirm_top_k", default: confirmTopK, in: 0...10_000)
        keepGenerations = try section.int("keep_generations", default: keepGenerations, in: 0...100_000_000)
        maximumOperations = try section.int("max_operations", default: maximumOperations, in: 0...GraphBuilder.nodeLimit)
        let baselineText = try section.string("baseline", default: baseline.text)
        guard let reference = LossReference(baselineText) else {
            throw section.error(
                "baseline", "expected a standard loss name (\(StandardLosses.distinct.map(\.name).joined(separator: ", "))) or a compact loss source, got \"\(baselineText)\"")
        }
        baseline = reference
        let choice = try section.string("proposer", default: proposer.setting)
        var scheduler = SchedulerSettings()
        if case let .scheduler(current) = proposer { scheduler = current }
        switch choice {
        case "mutation": proposer = .mutation
        case "scheduler": proposer = .scheduler(try Self.readScheduler(section, over: scheduler))
        case _ where choice.hasSuffix(".toml"): proposer = .llm(config: choice)
        default:
            throw section.error(
                "proposer", "expected \"scheduler\", \"mutation\" or the path of an LLM proposer config (a .toml file), got \"\(choice)\"")
        }
        if choice != "scheduler", section.has("emitters") || section.has("scheduler_floor") {
            throw section.error(section.has("emitters") ? "emitters" : "scheduler_floor", "is read only with proposer = \"scheduler\", but proposer is \"\(choice)\"")
        }
        if let operators = try section.section("operators") {
            for operation in MutationOperator.allCases {
                operatorWeights[operation] = try operators.double(operation.rawValue, default: operatorWeights[operation] ?? 0, in: 0...1e6)
            }
            // `refine` is drawn only on tasks with a quality prompt, so it cannot be the only one.
            guard operatorWeights.contains(where: { $0.value > 0 && !$0.key.needsQualityInputs }) else {
                throw operators.error(
                    MutationOperator.allCases[0].rawValue,
                    "expected at least one operator with a positive weight (besides refine, which only tasks with a quality prompt draw)")
            }
        }
        if let audit = try section.section("audit") {
            self.audit.share = try audit.optionalDouble("share", in: 0...1) ?? self.audit.share
            self.audit.warnBelow = try audit.double("warn_below", default: self.audit.warnBelow, in: -1...1)
            self.audit.minimum = try audit.int("minimum", default: self.audit.minimum, in: 4...1_000_000)
        }
        if let archive = try section.section("archive") {
            bins.convexity.count = try archive.int("convexity_bins", default: bins.convexity.count, in: 1...1_000)
            bins.grad0.count = try archive.int("grad0_bins", default: bins.grad0.count, in: 1...1_000)
            bins.betaSensitivity.count = try archive.int("beta_sensitivity_bins", default: bins.betaSensitivity.count, in: 1...1_000)
            bins.betaSensitivity.upper = try archive.double("beta_sensitivity_max", default: bins.betaSensitivity.upper, in: 1e-6...1)
            replacement.margin = try archive.double("replacement_margin", default: replacement.margin, in: 0...1)
            replacement.growthMargin = try archive.double("growth_margin", default: replacement.growthMargin, in: 0...1)
            replacement.parsimony = try archive.double("parsimony", default: replacement.parsimony, in: 0...100)
        }
    }

    /// The scheduler's keys (`emitters`, `scheduler_floor`) over the current ones.
    static func readScheduler(_ section: ConfigSection, over current: SchedulerSettings) throws(ConfigError) -> SchedulerSettings {
        var scheduler = current
        let families = MutationFamily.allCases.map(\.rawValue)
        var emitters: [EmitterChoice] = []
        for name in try section.strings("emitters", default: current.emitters.map(\.setting)) {
            if let family = MutationFamily(rawValue: name) {
                emitters.append(.mutation(family))
            } else if name.hasSuffix(".toml") {
                emitters.append(.llm(config: name))
            } else {
                throw section.error(
                    "emitters", "expected mutation families (\(families.joined(separator: ", "))) or the path of an LLM proposer config (a .toml file), got \"\(name)\"")
            }
        }
        guard !emitters.isEmpty, Set(emitters).count == emitters.count else {
            throw section.error("emitters", emitters.isEmpty ? "expected at least one emitter" : "lists an emitter twice")
        }
        guard emitters.filter({ if case .llm = $0 { true } else { false } }).count <= 1 else {
            throw section.error("emitters", "lists more than one LLM config; an island has at most one LLM (its counters and conversations are the island's)")
        }
        scheduler.emitters = emitters
        scheduler.floor = try section.double("scheduler_floor", default: current.floor, in: 0...1)
        return scheduler
    }
}
