import Control
import LossLanguage
import Model

/// A proposer that draws each child of a generation from one of several emitters (pyribs'
/// scheduler), the split decided by an ``EmitterBandit`` on what each emitter's children did.
/// What it learns is read from the island's store (``Population/emitterTallies()``), so it
/// survives `kill -9`; the draws depend only on the seed, the generation and those tallies.
public struct EmitterScheduler: Proposer {
    public let emitters: [any Emitter]
    public var bandit: EmitterBandit
    public var childrenPerGeneration: Int
    public var seed: UInt64

    public init(emitters: [any Emitter], bandit: EmitterBandit = EmitterBandit(), childrenPerGeneration: Int = 8, seed: UInt64 = 0) {
        (self.emitters, self.bandit, self.childrenPerGeneration, self.seed) = (emitters, bandit, childrenPerGeneration, seed)
    }

    /// The draw probability of each emitter now, with the tallies they rest on.
    public func weights(_ population: any Population) throws -> (weights: [Double], tallies: [EmitterTally]) {
        let stored = try population.emitterTallies()
        let tallies = emitters.map { stored[$0.name] ?? EmitterTally() }
        let available = try emitters.map { try !$0.isExhausted(population) }
        return (bandit.weights(tallies: tallies, costs: emitters.map(\.cost), available: available), tallies)
    }

    public func ask(generation: Int, from population: any Population) throws {
        var random = RandomSource(seed: seed &* 0xA076_1D64_78BD_642F &+ UInt64(generation))
        let counts = EmitterBandit.allocate(childrenPerGeneration, weights: try weights(population).weights, random: &random)
        for (index, emitter) in emitters.enumerated() where counts[index] > 0 {
            try emitter.emit(counts[index], generation: generation, stream: UInt64(index + 1), from: TaggedPopulation(base: population, emitter: emitter.name))
        }
    }

    /// When every emitter is.
    public func isExhausted(_ population: any Population) throws -> Bool {
        try emitters.allSatisfy { try $0.isExhausted(population) }
    }

    public func status(_ population: any Population) throws -> ProposerStatus {
        let (weights, tallies) = try weights(population)
        let total = max(1, tallies.reduce(0) { $0 + $1.proposed })
        return .scheduler(
            try emitters.indices.map { i in
                EmitterStatus(
                    name: emitters[i].name, cost: emitters[i].cost, tally: tallies[i], weight: weights[i],
                    share: Double(tallies[i].proposed) / Double(total), llm: try emitters[i].usage(population))
            })
    }

    public func cancel() { for emitter in emitters { emitter.cancel() } }
}

/// The island's population as one emitter sees it: every proposal it records carries the emitter's name.
struct TaggedPopulation: Population {
    let base: any Population
    let emitter: String

    var archive: Archive { base.archive }
    func curiosity() throws -> CuriosityCounts { try base.curiosity() }
    func seedCandidates() throws -> [Int64] { try base.seedCandidates() }
    func candidate(_ id: Int64) throws -> CandidateSummary? { try base.candidate(id) }
    func rankedElites(count: Int) throws -> [RankedElite] { try base.rankedElites(count: count) }
    func hasFingerprint(_ fingerprint: String) throws -> Bool { try base.hasFingerprint(fingerprint) }
    func counters() throws -> [String: Int] { try base.counters() }
    func outcomes(origin: ProposalOrigin) throws -> [String: Int] { try base.outcomes(origin: origin) }
    func memory(slot: Int) throws -> ProposerMemory { try base.memory(slot: slot) }
    func emitterTallies() throws -> [String: EmitterTally] { try base.emitterTallies() }

    func record(_ batch: ProposalBatch) throws -> [CandidateStatus] {
        var tagged = batch
        for index in tagged.proposals.indices { tagged.proposals[index].emitter = emitter }
        return try base.record(tagged)
    }
}
