import Cluster
import Dispatch
import Evaluation
import Foundation
import LLMProposer
import LossDescriptors
import LossLanguage
import Search
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
    /// Nothing to do: the LLM proposer's budget is spent. No generation was counted.
    public var idle = false
}

/// One island's search loop (DESIGN.md §6): pick parents from the archive, propose children,
/// validate and deduplicate them, evaluate them with the cascade, insert them into the archive.
/// Every state change goes to the ``IslandStore`` in its own transaction before it is acknowledged.
public final class IslandEngine: Sendable {
    public let settings: IslandSettings
    public let store: IslandStore
    let evaluator: any Evaluator
    let proposer: MutationProposer
    /// The LLM proposer, when the island uses one (else the mutation proposer makes the children).
    public let llm: LLMProposer?
    /// The archive in memory, mirroring the stored one (curiosity counts are read from the store).
    private let state: Mutex<Archive>
    /// Descriptors this island computed for migrants it verified, by fingerprint: elites are sent
    /// again and again, and a repeat needs only its (cheap) fingerprint check. Bounded.
    let verifiedDescriptors = Mutex<[String: Descriptors]>([:])
    /// Confirmed (stage-3) fitness by candidate, mirroring the store (for ranking elites).
    let confirmed: Mutex<[Int64: Double]>
    /// Held while the baseline's stage-3 result is trained, so that it is trained once.
    let baselineLock = Mutex(())

    public init(settings: IslandSettings, store: IslandStore, evaluator: any Evaluator, llm: LLMProposer? = nil) throws {
        self.settings = settings
        self.store = store
        self.evaluator = evaluator
        self.llm = llm
        proposer = MutationProposer(weights: settings.operatorWeights)
        if let hash = try store.meta("task_hash"), hash != evaluator.taskHash {
            throw IslandError.taskChanged(stored: hash, configured: evaluator.taskHash)
        }
        try store.setMeta("task_hash", evaluator.taskHash)
        state = Mutex(try store.loadArchive(bins: settings.bins))
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
        var report = GenerationReport(generation: generation)
        if try store.candidateCount() == 0 {
            try proposeSeeds(&report)
        } else if let llm, llm.budgetSpent(tokens: try tokensSpent()) {
            try evaluatePending(&report)  // left by an earlier run
            report.idle = true
            return report
        } else if let llm {
            try proposeFromLLM(llm, generation: generation, &report)
        } else {
            try proposeChildren(generation: generation, &report)
        }
        try evaluatePending(&report)
        try store.finishGeneration(generation + 1)
        return report
    }

    private func proposeSeeds(_ report: inout GenerationReport) throws {
        for seed in settings.seedLosses {
            let source = StandardLosses.named(seed)?.source ?? seed
            try propose(
                source: source, graph: try? LossParser.parse(source).graph, name: seed, parents: [],
                proposer: "seed", generation: 0, &report)
        }
    }

    private func proposeChildren(generation: Int, _ report: inout GenerationReport) throws {
        var random = RandomSource(seed: settings.seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(generation))
        let archive = self.archive
        let curiosity = try store.loadCuriosity()
        let seeds = settings.parentPool == .seeds ? try store.seedCandidates() : []
        for child in 0..<settings.childrenPerGeneration {
            let parents: [Int64]
            switch settings.parentPool {
            case .archive: parents = archive.select(2, strategy: settings.selection, curiosity: curiosity, random: &random).map(\.elite.candidate)
            case .seeds: parents = seeds.isEmpty ? [] : (0..<2).map { _ in seeds[Int(random.next() % UInt64(seeds.count))] }
            }
            guard parents.count == 2 else { return }
            let graphs = try parents.compactMap { try store.candidate($0)?.canonical }.compactMap { try? LossParser.parse($0).graph }
            guard graphs.count == 2, let mutation = proposer.propose(graphs, random: &random) else { continue }
            try propose(
                source: mutation.graph.canonicalForm, graph: mutation.graph,
                name: "g\(generation)-\(mutation.operation.rawValue)-\(child)",
                parents: parents, proposer: "mutation:\(mutation.operation.rawValue)",
                generation: generation, &report)
        }
    }

    /// Validates and records one proposal: invalid, duplicate, or pending evaluation.
    func propose(
        source: String, graph: LossGraph?, name: String, parents: [Int64], proposer: String,
        generation: Int, _ report: inout GenerationReport
    ) throws {
        var record = CandidateRecord(
            generation: generation, name: name, source: source, parents: parents,
            proposer: proposer, status: .pending)
        report.proposed += 1
        do {
            let graph = try graph ?? LossParser.parse(source).graph
            try LossValidator.validate(graph)
            record.canonical = graph.canonicalForm
            record.fingerprint = graph.fingerprint.hex
        } catch {
            record.status = .invalid
            record.error = (error as? LossError)?.description ?? "\(error)"
        }
        let stored = try store.record(record)
        if stored.status == .invalid { report.invalid += 1 }
        if stored.status == .duplicate { report.duplicates += 1 }
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
