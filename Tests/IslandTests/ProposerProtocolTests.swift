import Cluster
import Control
import Evaluation
import Foundation
import Island
import LossLanguage
import Model
import Search
import Synchronization
import Testing

/// The island's one generation loop with a proposer it does not know: what the proposer records is
/// validated, deduplicated and remembered with its turns, and its interruption and exhaustion are
/// the island's.
final class ProposerProtocolTests {
    let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-proposer-tests-\(UUID().uuidString)")

    init() throws { try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true) }

    deinit { try? FileManager.default.removeItem(at: directory) }

    /// Proposes what a script says, one batch per generation, and remembers what it saw.
    final class ScriptedProposer: Proposer {
        enum Step { case batch(ProposalBatch), interrupt }
        private let steps: Mutex<[Step]>
        let seen = Mutex<[ProposerMemory]>([])

        init(_ steps: [Step]) { self.steps = Mutex(steps) }

        func ask(generation: Int, from population: any Population) throws {
            seen.withLock { $0.append((try? population.memory(slot: 0)) ?? ProposerMemory(turns: [], awaitingFeedback: nil)) }
            switch steps.withLock({ $0.isEmpty ? nil : $0.removeFirst() }) {
            case let .batch(batch): try population.record(batch)
            case .interrupt: throw ProposerInterruption()
            case nil: return
            }
        }

        func isExhausted(_ population: any Population) throws -> Bool { steps.withLock { $0.isEmpty } }
        func status(_ population: any Population) throws -> ProposerStatus { .mutation }
        func cancel() {}
    }

    @Test func aConversationWhoseLastProposalWasARepeatIsToldSo() throws {
        let store = try IslandStore(path: directory.appendingPathComponent("island.sqlite").path)
        let proposal = { (name: String, source: String, verdict: Proposal.Verdict?) in
            Proposal(name: name, source: source, graph: nil, parents: [1], origin: .llm, generation: 1, verdict: verdict)
        }
        let turns = [MemoryTurn(role: "user", content: "go"), MemoryTurn(role: "assistant", content: "dpo again")]
        let repeated = ProposalBatch(proposals: [proposal("again_dpo", "-logsigmoid(beta * rho)", nil)], memory: MemoryUpdate(slot: 0, turns: turns, linksLastProposal: true))
        let near = ProposalBatch(
            proposals: [proposal("near", "1.01 * -logsigmoid(beta * rho)", .nearDuplicate(of: 1, note: "like dpo"))],
            memory: MemoryUpdate(slot: 1, turns: turns, linksLastProposal: true))
        let proposer = ScriptedProposer([.batch(repeated), .batch(near)])
        let engine = try IslandEngine(settings: IslandEngineTests.settings(), store: store, evaluator: IslandEngineTests.task.makeEvaluator(), proposer: proposer)
        for _ in 0..<3 { try engine.runGeneration() }
        let dpo = try #require(try store.candidates(status: .evaluated).first { $0.canonical == "-logsigmoid(beta * rho)" }?.id)
        #expect(try store.memory(slot: 0) == ProposerMemory(turns: turns, awaitingFeedback: dpo, awaitingVerdict: .repeated))
        #expect(try store.memory(slot: 1) == ProposerMemory(turns: turns, awaitingFeedback: 1, awaitingVerdict: .nearRepeat(note: "like dpo")))
    }

    @Test func theIslandRecordsWhatAnyProposerProposesWithItsMemory() throws {
        let store = try IslandStore(path: directory.appendingPathComponent("island.sqlite").path)
        let proposal = { (name: String, source: String, verdict: Proposal.Verdict?) in
            Proposal(name: name, source: source, graph: nil, parents: [1], origin: .llm, generation: 1, verdict: verdict)
        }
        let first = ProposalBatch(
            proposals: [
                proposal("garbage", "this is not a loss", nil), proposal("refused", "rho", .invalid("the reply was not JSON")),
                proposal("again_dpo", "-logsigmoid(beta * rho)", nil), proposal("near", "1.01 * -logsigmoid(beta * rho)", .nearDuplicate(of: 1, note: "like dpo")),
                proposal("fresh", "0.5 * (beta * rho - 1) ** 2 + 0.01 * rho", nil),
            ],
            memory: MemoryUpdate(slot: 0, turns: [MemoryTurn(role: "user", content: "go"), MemoryTurn(role: "assistant", content: "fresh")], linksLastProposal: true),
            counters: ["scripted.requests": 2])
        let proposer = ScriptedProposer([.batch(first), .interrupt])
        let engine = try IslandEngine(settings: IslandEngineTests.settings(), store: store, evaluator: IslandEngineTests.task.makeEvaluator(), proposer: proposer)
        try engine.runGeneration()  // the seeds
        let report = try engine.runGeneration()
        #expect(report.proposed == 5 && report.invalid == 2 && report.duplicates == 2 && report.evaluated == 1, "\(report)")
        let rows = try CandidateStatus.allCases.flatMap { try store.candidates(status: $0) }.filter { $0.proposer == .llm }
        func row(_ name: String) throws -> CandidateRecord { try #require(rows.first { $0.name == name }) }
        #expect(try row("garbage").status == .invalid && row("garbage").error?.isEmpty == false)
        #expect(try row("refused").status == .invalid && row("refused").error == "the reply was not JSON")
        // Repeats and near-repeats are counted, not stored: the repeated seed counts one repeat.
        #expect(!rows.contains { $0.name == "again_dpo" || $0.name == "near" })
        #expect(try store.candidate(1)?.repeats == 1)
        #expect(try store.counters()[.proposals(.duplicate)] == 1 && store.counters()[.nearDuplicates] == 1)
        #expect(try row("fresh").status == .evaluated)
        #expect(try store.counters().byName["scripted.requests"] == 2)
        // The last turn is linked to the last proposal, which awaits feedback at the next ask.
        let memory = try store.memory(slot: 0)
        let fresh = try row("fresh").id
        #expect(memory.turns.map(\.content) == ["go", "fresh"] && memory.awaitingFeedback == fresh)

        // An interrupted ask is the island's interruption, and counts no generation.
        let generation = try store.generation()
        #expect(throws: IslandError.interrupted) { try engine.runGeneration() }
        #expect(try store.generation() == generation)
        #expect(proposer.seen.withLock { $0.last?.awaitingFeedback } == fresh)
        // A proposer with nothing left idles the island.
        #expect(try engine.runGeneration().idle)
        #expect(try store.generation() == generation)
    }
}

/// Results that are neither a fitness nor a failure fail their candidate instead of leaving it
/// pending for ever.
struct BrokenResultTests {
    /// Answers every evaluation with the result it was made with.
    struct FixedEvaluator: Evaluator {
        let taskHash = "broken"
        let fitness: Double?

        func evaluate(_ loss: LossGraph, name: String, stage: Stage) -> EvaluationResult {
            EvaluationResult(fitness: fitness, stage: stage, failed: nil, metrics: [:], runs: [], seconds: 0)
        }
    }

    @Test(arguments: [
        (nil, "the evaluator returned neither a fitness nor a failure"), (Double.nan, "the evaluator returned a non-finite fitness (nan)"),
    ])
    func aResultWithNeitherFitnessNorFailureFailsItsCandidate(fitness: Double?, reason: String) throws {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("evod-broken-\(UUID().uuidString).sqlite").path
        defer { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
        let engine = try IslandEngine(settings: IslandEngineTests.settings(), store: try IslandStore(path: path), evaluator: FixedEvaluator(fitness: fitness))
        let report = try engine.runGeneration()
        #expect(report.failed == 4 && report.evaluated == 0)
        #expect(try engine.store.candidates(status: .pending).isEmpty)
        #expect(try engine.store.candidates(status: .failed).allSatisfy { $0.error == reason })
    }
}
