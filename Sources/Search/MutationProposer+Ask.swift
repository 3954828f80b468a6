import Control
import LossLanguage
import Model

extension MutationProposer: Proposer {
    /// A generation's children: two parents each (elites by the selection strategy, or seeds),
    /// one operator draw; all recorded in one batch. The draws depend only on the seed and the
    /// generation, so a generation re-run after a crash proposes the same children.
    public func ask(generation: Int, from population: any Population) throws {
        try population.record(ProposalBatch(proposals: try children(childrenPerGeneration, generation: generation, stream: 0, from: population)))
    }

    /// `count` children of `generation`, drawn from the random stream `stream` (0: the proposer's
    /// own, as ``ask(generation:from:)`` draws it; an emitter's index otherwise).
    public func children(_ count: Int, generation: Int, stream: UInt64, from population: any Population) throws -> [Proposal] {
        var random = RandomSource(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(generation) &+ stream &* 0xD1B5_4A32_D192_ED03)
        let archive = population.archive
        let curiosity = try population.curiosity()
        let seeds = parentPool == .seeds ? try population.seedCandidates() : []
        var children: [Proposal] = []
        for child in 0..<count {
            let parents: [Int64]
            switch parentPool {
            case .archive: parents = archive.select(2, strategy: selection, curiosity: curiosity, random: &random).map(\.elite.candidate)
            case .seeds: parents = seeds.isEmpty ? [] : (0..<2).map { _ in seeds[Int(random.next() % UInt64(seeds.count))] }
            }
            guard parents.count == 2 else { break }
            let graphs = try parents.compactMap { try population.candidate($0)?.canonical }.compactMap { try? LossParser.parse($0).graph }
            guard graphs.count == 2, let mutation = propose(graphs, random: &random) else { continue }
            var proposal = Proposal(
                name: "g\(generation)-\(mutation.operation.rawValue)-\(stream == 0 ? "" : "\(stream).")\(child)", source: mutation.graph.canonicalForm,
                graph: mutation.graph, parents: parents, origin: .mutation(mutation.operation), generation: generation)
            proposal.emitter = mutation.operation.family.rawValue  // its family's emitter, with or without a scheduler
            children.append(proposal)
        }
        return children
    }

    /// Never: mutation costs nothing but evaluations.
    public func isExhausted(_ population: any Population) throws -> Bool { false }

    public func status(_ population: any Population) throws -> ProposerStatus { .mutation }

    /// Nothing waits on another process.
    public func cancel() {}
}
