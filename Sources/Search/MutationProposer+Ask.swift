import Control
import LossLanguage
import Model

extension MutationProposer: Proposer {
    /// A generation's children: two parents each (elites by the selection strategy, or seeds),
    /// one operator draw; all recorded in one batch. The draws depend only on the seed and the
    /// generation, so a generation re-run after a crash proposes the same children.
    public func ask(generation: Int, from population: any Population) throws {
        var random = RandomSource(seed: seed &* 0x9E37_79B9_7F4A_7C15 &+ UInt64(generation))
        let archive = population.archive
        let curiosity = try population.curiosity()
        let seeds = parentPool == .seeds ? try population.seedCandidates() : []
        var children: [Proposal] = []
        for child in 0..<childrenPerGeneration {
            let parents: [Int64]
            switch parentPool {
            case .archive: parents = archive.select(2, strategy: selection, curiosity: curiosity, random: &random).map(\.elite.candidate)
            case .seeds: parents = seeds.isEmpty ? [] : (0..<2).map { _ in seeds[Int(random.next() % UInt64(seeds.count))] }
            }
            guard parents.count == 2 else { break }
            let graphs = try parents.compactMap { try population.candidate($0)?.canonical }.compactMap { try? LossParser.parse($0).graph }
            guard graphs.count == 2, let mutation = propose(graphs, random: &random) else { continue }
            children.append(
                Proposal(
                    name: "g\(generation)-\(mutation.operation.rawValue)-\(child)", source: mutation.graph.canonicalForm, graph: mutation.graph,
                    parents: parents, origin: .mutation(mutation.operation), generation: generation))
        }
        try population.record(ProposalBatch(proposals: children))
    }

    /// Never: mutation costs nothing but evaluations.
    public func isExhausted(_ population: any Population) throws -> Bool { false }

    public func status(_ population: any Population) throws -> ProposerStatus { .mutation }

    /// Nothing waits on another process.
    public func cancel() {}
}
