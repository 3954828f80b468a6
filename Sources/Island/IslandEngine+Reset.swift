import Foundation
import LossDescriptors
import Search

extension IslandEngine {
    /// An island reset (FunSearch): empties the archive and re-seeds it with another island's best,
    /// received like any migrant (verified first). When that loss is already in this island's
    /// population, its own record is placed instead. Returns whether the archive was re-seeded.
    @discardableResult
    public func reset(with survivor: MigrantMessage) throws -> Bool {
        guard survivor.taskHash == evaluator.taskHash, let migrant = survivor.candidates.first else { return false }
        try withArchiveLock { archive in
            try store.clearArchive()
            archive = Archive(bins: archive.bins)
        }
        if let local = try store.liveCandidate(fingerprint: migrant.fingerprint), let record = try store.candidate(local),
            let fitness = record.fitness, let c = record.convexity, let g = record.grad0, let s = record.betaSensitivity
        {
            let descriptors = Descriptors(convexity: c, grad0: g, betaSensitivity: s)
            try withArchiveLock { archive in
                let cell = archive.bins.cell(of: descriptors)
                try store.placeInArchive(candidate: local, cell: cell, fitness: fitness)
                archive.place(Elite(candidate: local, fitness: fitness, descriptors: descriptors))
            }
            return true
        }
        return try receive(survivor, policy: MigrationPolicy()).accepted == 1
    }
}

extension Migrant {
    /// A migrant from a control plane `best` entry (``ControlHandler/describe(_:)``), or nil when
    /// the entry lacks what a migrant carries.
    public init?(described entry: [String: Any], island: Int) {
        guard let source = entry["canonical"] as? String, let fingerprint = entry["fingerprint"] as? String,
            let fitness = entry["fitness"] as? Double, let descriptors = entry["descriptors"] as? [String: Double],
            let c = descriptors["convexity"], let g = descriptors["grad0"], let s = descriptors["beta_sensitivity"]
        else { return nil }
        self.init(
            source: source, fingerprint: fingerprint, fitness: fitness, stage: entry["stage"] as? Int ?? 1,
            metrics: entry["metrics"] as? [String: Double] ?? [:], descriptors: Descriptors(convexity: c, grad0: g, betaSensitivity: s),
            lineage: .init(
                island: island, id: (entry["id"] as? NSNumber)?.int64Value ?? -1, name: entry["name"] as? String ?? "survivor",
                parents: [], proposer: entry["proposer"] as? String ?? "?", generation: entry["generation"] as? Int ?? 0))
    }
}
