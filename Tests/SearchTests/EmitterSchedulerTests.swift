import LossDescriptors
import LossLanguage
import Model
import Search
import Synchronization
import Testing

/// The scheduler's bandit: budget follows the emitters whose children improve, every emitter keeps
/// a floor, and a spent emitter gets nothing.
struct EmitterSchedulerTests {
    /// A population in memory that believes each emitter's script: `improving` emitters' children
    /// all enter the archive, the others' never do.
    final class ScriptedPopulation: Population {
        let improving: Set<String>
        let tallies = Mutex<[String: EmitterTally]>([:])

        init(improving: Set<String>) { self.improving = improving }

        var archive: Archive { Archive() }
        func curiosity() throws -> CuriosityCounts { CuriosityCounts() }
        func seedCandidates() throws -> [Int64] { [] }
        func candidate(_ id: Int64) throws -> CandidateSummary? { nil }
        func rankedElites(count: Int) throws -> [RankedElite] { [] }
        func hasFingerprint(_ fingerprint: String) throws -> Bool { false }
        func counters() throws -> [String: Int] { [:] }
        func outcomes(origin: ProposalOrigin) throws -> [String: Int] { [:] }
        func memory(slot: Int) throws -> ProposerMemory { ProposerMemory(turns: [], awaitingFeedback: nil) }
        func emitterTallies() throws -> [String: EmitterTally] { tallies.withLock { $0 } }

        func record(_ batch: ProposalBatch) throws -> [CandidateStatus] {
            tallies.withLock { tallies in
                for proposal in batch.proposals {
                    let name = proposal.emitter ?? "untagged"
                    tallies[name, default: EmitterTally()].proposed += 1
                    tallies[name, default: EmitterTally()].evaluated += 1
                    if improving.contains(name) { tallies[name, default: EmitterTally()].added += 1 }
                }
            }
            return batch.proposals.map { _ in .evaluated }
        }
    }

    /// Emits `count` placeholder proposals (the scheduler tags them with its name).
    struct ScriptedEmitter: Emitter {
        let name: String
        var cost = 1.0
        var exhausted = false

        func emit(_ count: Int, generation: Int, stream: UInt64, from population: any Population) throws {
            let proposals = (0..<count).map { i in
                Proposal(name: "\(name)-\(generation)-\(i)", source: "-logsigmoid(beta * rho)", graph: nil, parents: [], origin: .llm, generation: generation)
            }
            try population.record(ProposalBatch(proposals: proposals))
        }

        func isExhausted(_ population: any Population) throws -> Bool { exhausted }
        func usage(_ population: any Population) throws -> LLMUsage? { nil }
        func cancel() {}
    }

    @Test func theBudgetShiftsTowardTheEmitterWhoseChildrenImprove() throws {
        let population = ScriptedPopulation(improving: ["good"])
        let scheduler = EmitterScheduler(
            emitters: [ScriptedEmitter(name: "good"), ScriptedEmitter(name: "bad")], bandit: EmitterBandit(floor: 0.1), childrenPerGeneration: 8, seed: 3)
        var late: [String: Int] = [:]
        for generation in 0..<60 {
            let before = population.tallies.withLock { $0.mapValues(\.proposed) }
            try scheduler.ask(generation: generation, from: population)
            if generation >= 40 {
                for (name, tally) in population.tallies.withLock({ $0 }) { late[name, default: 0] += tally.proposed - (before[name] ?? 0) }
            }
        }
        let good = late["good", default: 0], bad = late["bad", default: 0]
        #expect(good + bad == 160)
        // Rates (s + 1)/(n + 2): about 1 for good, about 1/n for bad: nearly all the budget above the floor.
        #expect(Double(good) / 160 > 0.85, "good \(good), bad \(bad)")
        // The floor keeps the unproductive emitter drawn (5% of the children in expectation).
        #expect(bad >= 1, "bad \(bad)")
        let weights = try scheduler.weights(population).weights
        #expect(weights[1] >= 0.05 && weights[0] > 0.9, "\(weights)")
        // Without a difference in success the split stays even.
        let even = EmitterBandit(floor: 0.1).weights(tallies: [EmitterTally(), EmitterTally()], costs: [1, 1], available: [true, true])
        #expect(even == [0.5, 0.5])
    }

    @Test func everyEmitterKeepsItsFloorAndASpentOneGetsNothing() {
        var loser = EmitterTally()
        (loser.proposed, loser.evaluated) = (100_000, 100_000)
        var winner = loser
        winner.added = 100_000
        let bandit = EmitterBandit(floor: 0.2)
        let weights = bandit.weights(tallies: [winner, loser, loser], costs: [1, 1, 1], available: [true, true, false])
        #expect(abs(weights.reduce(0, +) - 1) < 1e-12)
        #expect(weights[1] >= 0.1 && weights[1] < 0.1001, "\(weights)")  // floor 0.2 over the two open emitters
        #expect(weights[2] == 0)
        // Cost: the same record at four times the cost scores a quarter.
        #expect(abs(EmitterBandit.score(winner, cost: 4) * 4 - EmitterBandit.score(winner, cost: 1)) < 1e-12)
        // Children not yet decided are neither successes nor failures.
        var pending = EmitterTally()
        (pending.proposed, pending.pending) = (50, 50)
        #expect(EmitterBandit.score(pending, cost: 1) == 0.5)
    }

    @Test func theAllocationFollowsTheWeightsAndSkipsZeroWeights() {
        var random = RandomSource(seed: 9)
        var totals = [0, 0, 0]
        for _ in 0..<500 {
            let counts = EmitterBandit.allocate(8, weights: [0.75, 0.25, 0], random: &random)
            #expect(counts.reduce(0, +) == 8 && counts[2] == 0)
            for i in 0..<3 { totals[i] += counts[i] }
        }
        let share = Double(totals[0]) / 4_000
        #expect(abs(share - 0.75) < 0.03, "\(totals)")
    }

    @Test func aMutationFamilyDrawsOnlyItsOwnOperators() throws {
        let proposer = MutationProposer()
        let tweak = try #require(MutationEmitter(family: .tweak, proposer: proposer))
        #expect(Set(tweak.proposer.weights.keys) == [.constant, .margin, .temperature])
        var only = MutationProposer()
        only.weights = [.constant: 1]
        #expect(MutationEmitter(family: .recombine, proposer: only) == nil)
        let dpo = try LossParser.parse("-logsigmoid(beta * rho)").graph, ipo = try LossParser.parse("(rho - 1 / (2 * beta)) ** 2").graph
        var random = RandomSource(seed: 1)
        var drawn = Set<MutationOperator>()
        for _ in 0..<200 { if let m = tweak.proposer.propose([dpo, ipo], random: &random) { drawn.insert(m.operation) } }
        #expect(!drawn.isEmpty && drawn.isSubset(of: [.constant, .margin, .temperature]), "\(drawn)")
        #expect(Set(MutationFamily.allCases.flatMap(\.operators)) == Set(MutationOperator.allCases))
    }
}
