import Cluster
import Control
import Evaluation
import Foundation
import Island
import LossLanguage
import Model
import PrefBandit
import Search
import Testing

/// The island's loop and its SQLite state, in process, on a small task. A class so that each
/// test's databases (with their WAL files) go with it, in `deinit`.
final class IslandEngineTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-island-tests-\(UUID().uuidString)")

    init() throws {
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
    }

    deinit { try? FileManager.default.removeItem(at: directory) }

    static var task: TaskConfig {
        var s = PrefBanditSettings()
        (s.pairs, s.heldoutPrompts, s.responses, s.features, s.steps, s.batchSize, s.learningRate) = (64, 32, 8, 8, 120, 16, 0.03)
        return TaskConfig(
            kind: .prefbandit(s), stageOne: EvaluationGrid(betas: [0.1], seeds: [1], starts: [.exact]),
            stageTwo: EvaluationGrid(betas: [0.1, 1.0], seeds: [1, 2], starts: [.exact]))
    }

    func temporaryDatabase() -> String {
        directory.appendingPathComponent("island-\(UUID().uuidString).sqlite").path
    }

    static func settings(seed: UInt64 = 1) -> IslandSettings {
        var settings = IslandSettings(id: 1, seed: seed)
        settings.childrenPerGeneration = 6
        settings.seedLosses = ["dpo", "slic", "ipo", "exponential"].compactMap(LossReference.init)
        settings.confirmTopK = 0
        return settings
    }

    @Test func theFirstGenerationEvaluatesTheSeedLossesAndFillsTheArchive() throws {
        let path = temporaryDatabase()
        let engine = try IslandEngine(settings: Self.settings(), store: try IslandStore(path: path), evaluator: Self.task.makeEvaluator())
        let report = try engine.runGeneration()
        #expect(report.proposed == 4 && report.evaluated == 4 && report.invalid == 0)
        #expect(engine.archive.filled >= 3)  // DPO, SLiC, IPO, exponential: at least three shapes
        let counters = try engine.store.counters()
        #expect(counters[.proposals(.pending)] == 4 && counters[.evaluationsDone] == 4)
        #expect(try engine.store.generation() == 1)
        #expect(try engine.store.candidates(status: .evaluated).allSatisfy { $0.fitness != nil && $0.convexity != nil && $0.outcome != nil })
    }

    @Test func laterGenerationsProposeValidateAndRecordEveryChild() throws {
        let engine = try IslandEngine(
            settings: Self.settings(), store: try IslandStore(path: temporaryDatabase()),
            evaluator: Self.task.makeEvaluator())
        for _ in 0..<3 { try engine.runGeneration() }
        let all = try CandidateStatus.allCases.flatMap { try engine.store.candidates(status: $0) }
        // Every child is a row, or counted as a repeat or a near-repeat.
        let counters = try engine.store.counters()
        #expect(all.count + counters[.proposals(.duplicate)] + counters[.nearDuplicates] == 4 + 2 * 6)
        #expect(try engine.store.candidates(status: .pending).isEmpty)
        #expect(all.filter { $0.proposer.isMutation }.allSatisfy { $0.parents.count == 2 && $0.generation >= 1 })
        // The stored archive is the archive in memory, and every elite is the best of its cell.
        #expect(try engine.store.loadArchive(bins: .default) == engine.archive)
        for (cell, elite) in engine.archive.ordered {
            let rivals = all.filter { $0.status == .evaluated }.filter {
                DescriptorBins.default.cell(of: .init(convexity: $0.convexity!, grad0: $0.grad0!, betaSensitivity: $0.betaSensitivity!)) == cell
            }
            #expect(rivals.allSatisfy { ($0.fitness ?? -.infinity) <= elite.fitness })
        }
    }

    /// A single cell with a replacement margin larger than any gain keeps its first elite: every
    /// later child, better or not, is "not added", where without the margin better ones replace it.
    /// With such a growth margin instead, the cell still moves, but its elite never grows (in canonical nodes).
    @Test func replacementMarginsKeepACellsEliteAgainstSmallerGains() throws {
        func run(_ rule: ReplacementRule) throws -> [CandidateRecord] {
            var settings = Self.settings()
            settings.bins = DescriptorBins(
                convexity: .init(lower: -1, upper: 1, count: 1), grad0: .init(lower: -1, upper: 1, count: 1),
                betaSensitivity: .init(lower: 0, upper: 0.25, count: 1))
            settings.replacement = rule
            settings.novelty = 0  // every child evaluated, near-repeats too
            let engine = try IslandEngine(settings: settings, store: try IslandStore(path: temporaryDatabase()), evaluator: Self.task.makeEvaluator())
            for _ in 0..<3 { try engine.runGeneration() }
            let evaluated = try engine.store.candidates(status: .evaluated)
            #expect(engine.archive.filled == 1 && evaluated.count >= 10)
            #expect(try engine.store.loadArchive(bins: settings.bins) == engine.archive)
            return evaluated
        }
        let kept = try run(ReplacementRule(margin: 1))
        #expect(kept.filter { $0.outcome == .new }.count == 1 && kept.filter { $0.outcome == .improved }.isEmpty)
        let plain = try run(.strict)
        #expect(plain.contains { $0.outcome == .improved })
        func elites(_ records: [CandidateRecord]) -> [Int] {
            records.filter { $0.outcome == .new || $0.outcome == .improved }
                .sorted { ($0.evaluatedAt ?? 0, $0.id ?? 0) < ($1.evaluatedAt ?? 0, $1.id ?? 0) }.map { $0.size ?? 0 }
        }
        let sizes = elites(try run(ReplacementRule(growthMargin: 1)))
        #expect(sizes.count >= 2 && zip(sizes, sizes.dropFirst()).allSatisfy { $1 <= $0 }, "\(sizes)")
        // Without it, this search's elite grows at least once (so the check above can fail).
        let plainSizes = elites(plain)
        #expect(zip(plainSizes, plainSizes.dropFirst()).contains { $1 > $0 }, "\(plainSizes)")
    }

    @Test func withTheSeedPoolEveryParentIsASeedLoss() throws {
        var settings = Self.settings()
        settings.parentPool = .seeds
        settings.novelty = 0
        let engine = try IslandEngine(settings: settings, store: try IslandStore(path: temporaryDatabase()), evaluator: Self.task.makeEvaluator())
        for _ in 0..<4 { try engine.runGeneration() }
        let seeds = Set(try engine.store.seedCandidates())
        let children = try CandidateStatus.allCases.flatMap { try engine.store.candidates(status: $0) }.filter { $0.proposer.isMutation }
        #expect(seeds.count == 4 && children.count >= 12)
        #expect(children.allSatisfy { Set($0.parents).isSubset(of: seeds) })
        // With the archive as the pool (the default), later children descend from earlier children.
        var searchSettings = Self.settings()
        searchSettings.novelty = 0
        let searching = try IslandEngine(settings: searchSettings, store: try IslandStore(path: temporaryDatabase()), evaluator: Self.task.makeEvaluator())
        for _ in 0..<4 { try searching.runGeneration() }
        let searchSeeds = Set(try searching.store.seedCandidates())
        let searchChildren = try CandidateStatus.allCases.flatMap { try searching.store.candidates(status: $0) }.filter { $0.proposer.isMutation }
        #expect(searchChildren.contains { !Set($0.parents).isSubset(of: searchSeeds) })
    }

    @Test func theSameLossProposedTwiceIsCountedAsARepeatOfTheFirstAcrossARestart() throws {
        var settings = Self.settings()
        settings.seedLosses = ["dpo", "-logsigmoid(rho * beta)", "softplus(-beta * rho)"].compactMap(LossReference.init)
        let path = temporaryDatabase()
        do {
            let engine = try IslandEngine(settings: settings, store: try IslandStore(path: path), evaluator: Self.task.makeEvaluator())
            let report = try engine.runGeneration()
            #expect(report.duplicates == 2 && report.evaluated == 1)
        }
        // Reopened as after kill -9: one row, its count of repeats, and the counter.
        let store = try IslandStore(path: path)
        #expect(try store.candidateCount() == 1 && store.candidates(status: .duplicate).isEmpty)
        #expect(try store.candidates(status: .evaluated).first?.repeats == 2)
        #expect(try store.counters()[.proposals(.duplicate)] == 2)
        // A child's repeat is charged to its emitter, and that too survives the restart.
        let engine = try IslandEngine(
            settings: settings, store: store, evaluator: Self.task.makeEvaluator(),
            proposer: ListProposer(sources: Array(repeating: "-logsigmoid(beta * rho)", count: 3), emitter: "tweak"))
        try engine.runGeneration()
        let reopened = try IslandStore(path: path)
        #expect(try reopened.emitterTallies()["tweak"]?.duplicates == 3 && reopened.emitterTallies()["tweak"]?.proposed == 3)
        #expect(try reopened.candidates(status: .evaluated).first?.repeats == 5 && reopened.candidateCount() == 1)
    }

    @Test func aNearRepeatOfAnEliteOrARecentChildIsCountedAndNotEvaluated() throws {
        // DPO rescaled (the same slope profile) and a hair from a recent child: near-repeats.
        let sources = ["1.5 * -logsigmoid(beta * rho)", "relu(1 - beta * rho) ** 2", "relu(1.001 - beta * rho) ** 2"]
        for novelty in [0.01, 0] {
            var settings = Self.settings()
            settings.seedLosses = ["dpo"].compactMap(LossReference.init)
            settings.novelty = novelty
            let engine = try IslandEngine(
                settings: settings, store: try IslandStore(path: temporaryDatabase()), evaluator: Self.task.makeEvaluator(), proposer: ListProposer(sources: sources))
            try engine.runGeneration()
            let report = try engine.runGeneration()
            let counters = try engine.store.counters()
            if novelty > 0 {
                #expect(report.duplicates == 2 && report.evaluated == 1, "\(report)")
                #expect(counters[.nearDuplicates] == 2 && counters[.evaluationsDone] == 2)
                #expect(try engine.store.emitterTallies()["shape"]?.nearDuplicates == 2)
                #expect(try engine.store.candidateCount() == 2)
            } else {
                #expect(report.duplicates == 0 && report.evaluated == 3, "\(report)")
                #expect(counters[.nearDuplicates] == 0)
            }
        }
    }

    @Test func aProposalLargerThanTheIslandsLimitIsInvalidAndSaysSo() throws {
        // 30 terms of 3 operations each (besides the shared inputs): over a limit of 64, under none.
        let large = (1...30).map { "\($0).5 * rho" }.joined(separator: " + ")
        for limit in [64, 0] {
            var settings = Self.settings()
            settings.seedLosses = ["dpo"].compactMap(LossReference.init)
            settings.maximumOperations = limit
            let engine = try IslandEngine(
                settings: settings, store: try IslandStore(path: temporaryDatabase()), evaluator: Self.task.makeEvaluator(),
                proposer: ListProposer(sources: [large, "-logsigmoid(beta * rho) + 0.1 * rho ** 2"]))
            try engine.runGeneration()
            let report = try engine.runGeneration()
            let invalid = try engine.store.candidates(status: .invalid)
            if limit > 0 {
                #expect(report.invalid == 1 && invalid.count == 1, "\(report)")
                #expect(invalid.first?.error?.contains("over its max_operations (64)") == true, "\(invalid.first?.error ?? "")")
            } else {
                #expect(report.invalid == 0 && invalid.isEmpty, "\(report)")
            }
        }
    }

    /// Proposes the given sources each generation, from one emitter.
    struct ListProposer: Proposer {
        let sources: [String]
        var emitter = "shape"
        func ask(generation: Int, from population: any Population) throws {
            let proposals = sources.enumerated().map { i, source in
                var p = Proposal(name: "child-\(i)", source: source, graph: nil, parents: [1], origin: .mutation(.swap), generation: generation)
                p.emitter = emitter
                return p
            }
            try population.record(ProposalBatch(proposals: proposals))
        }
        func isExhausted(_ population: any Population) throws -> Bool { false }
        func status(_ population: any Population) throws -> ProposerStatus { .mutation }
        func cancel() {}
    }

    @Test func aRestartResumesAndReevaluatesWhatWasPending() throws {
        let path = temporaryDatabase()
        do {
            let engine = try IslandEngine(settings: Self.settings(), store: try IslandStore(path: path), evaluator: Self.task.makeEvaluator())
            try engine.runGeneration()
            try engine.runGeneration()
            // A proposal recorded but never evaluated, as after kill -9 mid-evaluation.
            var stranded = CandidateRecord(generation: 2, name: "stranded", source: "exp(-2 * beta * rho)", parents: [], proposer: .seed, status: .pending)
            let graph = try LossParser.parse(stranded.source).graph
            (stranded.canonical, stranded.fingerprint) = (graph.canonicalForm, graph.fingerprint.hex)
            _ = try engine.store.record(stranded)
        }
        let store = try IslandStore(path: path)
        let before = try store.candidateCount()
        let engine = try IslandEngine(settings: Self.settings(), store: store, evaluator: Self.task.makeEvaluator())
        #expect(try store.generation() == 2)
        #expect(engine.archive == (try store.loadArchive(bins: .default)))
        let report = try engine.runGeneration()
        #expect(report.evaluated + report.failed >= 1)
        let stranded = try #require(try CandidateStatus.allCases.flatMap { try store.candidates(status: $0) }.first { $0.name == "stranded" })
        #expect(stranded.status == .evaluated || stranded.status == .failed)
        #expect(try store.candidateCount() == before + report.proposed - report.duplicates)
        #expect(
            try store.counters()[.evaluationsDone] + (try store.counters()[.evaluationsFailed])
                == (try store.candidates(status: .evaluated).count + store.candidates(status: .failed).count))
    }

    @Test func aDatabaseOfAnotherTaskIsRefused() throws {
        let path = temporaryDatabase()
        _ = try IslandEngine(settings: Self.settings(), store: try IslandStore(path: path), evaluator: Self.task.makeEvaluator())
        #expect(throws: IslandError.self) {
            try IslandEngine(settings: Self.settings(), store: try IslandStore(path: path), evaluator: TaskConfig.prefbanditDefault.makeEvaluator())
        }
    }
}
