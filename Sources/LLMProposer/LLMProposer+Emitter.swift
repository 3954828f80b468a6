import Model
import Search

extension LLMProposer: Emitter {
    /// The emitter's name in the store and status. An island has at most one LLM: its counters
    /// (`llm.*`) and conversations are the island's.
    public static let emitterName = "llm"

    public var name: String { Self.emitterName }

    /// From the config's `cost` (a reply and its evaluation, in mutation children).
    public var cost: Double { config.cost }

    /// `count` conversations of the generation (at most `in_flight`), one proposal each.
    public func emit(_ count: Int, generation: Int, stream: UInt64, from population: any Population) throws {
        try ask(generation: generation, slots: count, from: population)
    }

    public func usage(_ population: any Population) throws -> LLMUsage? {
        if case let .llm(usage) = try status(population) { usage } else { nil }
    }
}
