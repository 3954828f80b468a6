import Cluster
import Control
import Dispatch
import Evaluation
import Foundation
import LossDescriptors
import LossLanguage
import Model
import Search
import Storage
import Synchronization

/// What one generation did.
public struct GenerationReport: Sendable, Hashable {
    public var generation: Int
    public var proposed = 0
    public var invalid = 0
    public var duplicates = 0
    public var evaluated = 0
    public var failed = 0
    public var added = 0
    /// Old candidate rows compaction deleted after this generation (`keep_generations`).
    public var compacted = 0
    /// The vacuum of the island's file that followed this generation's compaction, if one was due.
    public var vacuum: FileUpkeep.Outcome?
    /// Nothing to do: the LLM proposer's budget is spent. No generation was counted.
    public var idle = false
}

/// One island's search loop (docs/architecture.md §6): pick parents from the archive, propose children,
/// validate and deduplicate them, evaluate them with the cascade, insert them into the archive.
/// Every state change goes to the ``IslandStore`` in its own transaction before it is acknowledged.
public final class IslandEngine: Sendable {
    public let settings: IslandSettings
    public let store: IslandStore
    let evaluator: any Evaluator
    /// Makes the children of each generation after the first (which evaluates the seed losses).
    public let proposer: any Proposer
    /// The archive in memory, mirroring the stored one (curiosity counts are read from the store).
    private let state: Mutex<Archive>
    /// Descriptors this island computed for migrants it verified, by fingerprint: elites are sent
    /// again and again, and a repeat needs only its (cheap) fingerprint check. Bounded.
    let verifiedDescriptors = Mutex<[String: Descriptors]>([:])
    /// Novelty before evaluation: the recent children's shapes and the elites' (in memory).
    let novelty: Mutex<NoveltyFilter>
    /// Confirmed (stage-3) fitness by candidate, mirroring the store (for ranking elites).
    let confirmed: Mutex<[Int64: Double]>
    /// Held while the baseline's stage-3 result is trained, so that it is trained once.
    let baselineLock = Mutex(())
    /// The name of stage 3's task when it is another task than stage 2's (a cascade's real training).
    public let confirmationTask: String?

    /// An island over `store`; `proposer` defaults to the one the settings describe (the
    /// scheduler or the mutation proposer; the mutation proposer where they name an LLM).
    /// `confirmationTask` names stage 3's task when the evaluator trains stage 3 on its own task.
    public init(
        settings: IslandSettings, store: IslandStore, evaluator: any Evaluator, proposer: (any Proposer)? = nil, confirmationTask: String? = nil
    ) throws {
        self.settings = settings
        self.store = store
        self.evaluator = evaluator
        self.confirmationTask = confirmationTask
        self.proposer = proposer ?? settings.builtInProposer(qualityInputs: false) ?? settings.mutationProposer
        if let hash = try store.meta("task_hash"), hash != evaluator.taskHash {
            throw IslandError.taskChanged(stored: hash, configured: evaluator.taskHash)
        }
        try store.setMeta("task_hash", evaluator.taskHash)
        state = Mutex(try store.loadArchive(bins: settings.bins))
        novelty = Mutex(NoveltyFilter(tolerance: settings.novelty))
        confirmed = Mutex(try store.confirmedFitness())
    }

    public var archive: Archive { state.withLock { $0 } }

    /// Reads the archive and the confirmed results again from the store, as a restart would: after
    /// a generation failed part way (a write refused), memory holds nothing the store does not.
    public func reload() throws {
        let archive = try store.loadArchive(bins: settings.bins)
        let confirmedFitness = try store.confirmedFitness()
        state.withLock { $0 = archive }
        confirmed.withLock { $0 = confirmedFitness }
    }

    /// The hash of the task this island's evaluator runs (migrants must carry the same).
    public var evaluatorTaskHash: String { evaluator.taskHash }

    /// Runs `body` on the in-memory archive with its lock held.
    func withArchiveLock<T>(_ body: (inout Archive) throws -> T) throws -> T {
        try state.withLock { archive in try body(&archive) }
    }

    /// Runs one generation to the end (including candidates left pending by an earlier run).
    @discardableResult
    public func runGeneration() throws -> GenerationReport {
        let generation = try store.generation()
        let population = IslandPopulation(engine: self, generation: generation)
        if try store.candidateCount() == 0 {
            _ = try population.record(ProposalBatch(proposals: seedProposals()))  // each seed's outcome is in the store
        } else if try proposer.isExhausted(population) {
            var report = population.report
            try evaluatePending(&report)  // left by an earlier run
            report.idle = true
            return report
        } else {
            do { try proposer.ask(generation: generation, from: population) } catch is ProposerInterruption {
                throw IslandError.interrupted  // shutting down: what was recorded stands, the rest is asked again
            }
        }
        var report = population.report
        try evaluatePending(&report)
        try store.finishGeneration(generation + 1, history: try historyPoint(generation: generation))
        let compaction = try compactIfDue(finished: generation + 1)
        (report.compacted, report.vacuum) = (compaction.candidates, compaction.vacuum)
        return report
    }

    /// Every 10 generations when `keep_generations` is set: compacts the candidates older than the
    /// horizon that nothing refers to (``IslandStore/compact(before:keepBest:keepTopSearch:lineageFrom:migrationLines:)``;
    /// lineages back to twice the horizon).
    /// Returns what it removed (nothing when none was due).
    func compactIfDue(finished generations: Int) throws -> IslandStore.Compaction {
        let horizon = settings.keepGenerations
        guard horizon > 0, generations % 10 == 0, generations > horizon else { return .init() }
        return try store.compact(
            before: generations - horizon, keepBest: 100, keepTopSearch: max(settings.confirmTopK, 100), lineageFrom: generations - 2 * horizon)
    }

    /// Where the island stands as generation `generation` finishes.
    func historyPoint(generation: Int) throws -> HistoryPoint {
        let archive = self.archive
        return HistoryPoint(
            generation: generation, at: Date().timeIntervalSince1970, bestSearch: archive.elites.values.map(\.fitness).max(),
            bestConfirmed: confirmed.withLock { $0.values.max() }, qdScore: archive.qdScore(floor: settings.qdFloor), coverage: archive.coverage,
            filled: archive.filled, evaluations: try store.counters()[.evaluationsDone])
    }

    /// The first generation: the seed losses (standard names or compact sources).
    private func seedProposals() -> [Proposal] {
        settings.seedLosses.map { seed in
            Proposal(name: seed.text, source: seed.source, graph: try? LossParser.parse(seed.source).graph, parents: [], origin: .seed, generation: 0)
        }
    }

    /// What status shows of the proposer.
    public func proposerStatus() throws -> ProposerStatus {
        try proposer.status(IslandPopulation(engine: self, generation: try store.generation()))
    }
}

/// Why an island cannot start or go on.
public enum IslandError: Error, Equatable, CustomStringConvertible {
    case taskChanged(stored: String, configured: String)
    /// The generation was abandoned for a shutdown; its pending candidates are evaluated after a restart.
    case interrupted

    public var description: String {
        switch self {
        case let .taskChanged(stored, configured):
            "the island's database was built for task \(stored), but the configured task is \(configured); use a new state directory or the old task"
        case .interrupted:
            "the generation was interrupted by a shutdown"
        }
    }
}
