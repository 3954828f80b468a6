import Model

/// One source of children under an ``EmitterScheduler`` (pyribs' emitter): a family of mutation
/// operators, or an LLM with its own prompt and temperature. The scheduler decides how many
/// children each makes in a generation; the emitter makes them and records them.
public protocol Emitter: Sendable {
    /// Its name in the store, status and metrics (`tweak`, `shape`, `recombine`, `llm`); unique on an island.
    var name: String { get }
    /// What one of its children costs, relative to a mutation's child (an LLM reply costs more).
    var cost: Double { get }

    /// Proposes `count` children of `generation`, recording them with ``Population/record(_:)``.
    /// `stream` tells this emitter's random draws from another's in the same generation.
    func emit(_ count: Int, generation: Int, stream: UInt64, from population: any Population) throws

    /// Whether it can propose nothing now (an LLM whose budget is spent).
    func isExhausted(_ population: any Population) throws -> Bool

    /// What status shows of it beyond its tallies (an LLM's usage), if anything.
    func usage(_ population: any Population) throws -> LLMUsage?

    /// Ends an emission that waits on another process, at shutdown.
    func cancel()
}

/// A family of mutation operators as an emitter: the mutation proposer restricted to the family's
/// operators (with the island's weights), parents from its archive.
public struct MutationEmitter: Emitter {
    public let family: MutationFamily
    public var proposer: MutationProposer

    /// The family's emitter over `proposer`'s settings; nil when none of its operators has a weight.
    public init?(family: MutationFamily, proposer: MutationProposer) {
        var restricted = proposer
        restricted.weights = proposer.weights.filter { $0.key.family == family && $0.value > 0 }
        guard !restricted.weights.isEmpty else { return nil }
        (self.family, self.proposer) = (family, restricted)
    }

    public var name: String { family.rawValue }
    public var cost: Double { 1 }

    public func emit(_ count: Int, generation: Int, stream: UInt64, from population: any Population) throws {
        try population.record(ProposalBatch(proposals: try proposer.children(count, generation: generation, stream: stream, from: population)))
    }

    public func isExhausted(_ population: any Population) throws -> Bool { false }
    public func usage(_ population: any Population) throws -> LLMUsage? { nil }
    public func cancel() {}
}
