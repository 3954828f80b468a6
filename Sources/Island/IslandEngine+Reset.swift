import Control
import Foundation
import LossDescriptors
import Model
import Search

extension IslandEngine {
    /// An island reset (FunSearch): empties the archive and re-seeds it with another island's best,
    /// in one transaction. When that loss is already in this island's population, its own record is
    /// placed; otherwise the survivor's best is verified like any migrant first, and a survivor that
    /// fails verification leaves the archive as it was. Returns whether the archive was re-seeded.
    @discardableResult
    public func reset(with survivor: MigrantMessage) throws -> Bool {
        guard survivor.taskHash == evaluator.taskHash, let migrant = survivor.candidates.first else { return false }
        let seed: IslandStore.ResetSeed
        let elite: (fitness: Double, descriptors: Descriptors, size: Int?)
        if let local = try store.liveCandidate(fingerprint: migrant.fingerprint), let record = try store.candidate(local),
            let fitness = record.fitness, let c = record.convexity, let g = record.grad0, let s = record.betaSensitivity
        {
            seed = .existing(candidate: local, fitness: fitness)
            elite = (fitness, Descriptors(convexity: c, grad0: g, betaSensitivity: s), record.size)
        } else {
            guard let (graph, descriptors) = try? verify(migrant) else { return false }
            let record = Self.immigrantRecord(
                migrant, graph: graph, descriptors: descriptors, from: survivor.source, generation: try store.generation(), outcome: .new)
            seed = .immigrant(record, peer: survivor.source)
            elite = (migrant.fitness, descriptors, graph.size)
        }
        return try withArchiveLock { archive in
            let cell = archive.bins.cell(of: elite.descriptors)
            guard let id = try store.resetArchive(seed: seed, cell: cell) else { return false }
            archive = Archive(bins: archive.bins)
            archive.place(Elite(candidate: id, fitness: elite.fitness, descriptors: elite.descriptors, size: elite.size))
            return true
        }
    }
}

extension Migrant {
    /// A migrant from a control plane `best` entry of island `island`, or nil when the entry lacks
    /// what a migrant carries (a canonical form, a fingerprint, a fitness, descriptors).
    public init?(_ summary: CandidateSummary, island: Int) {
        guard let source = summary.canonical, let fingerprint = summary.fingerprint, let fitness = summary.fitness,
            let d = summary.descriptors
        else { return nil }
        self.init(
            source: source, fingerprint: fingerprint, fitness: fitness, stage: summary.stage ?? .one, metrics: summary.metrics ?? [:],
            descriptors: d,
            lineage: .init(
                island: island, id: summary.id, name: summary.name, parents: [], proposer: summary.proposer, generation: summary.generation))
    }
}
