import Evaluation
import Foundation
import LossLanguage
import Model
import Search

extension IslandEngine {
    /// What a correction from the farm did on this island.
    public enum CorrectionOutcome: String, Sendable {
        /// No live candidate here has that loss, or it holds the same result already.
        case unaffected
        /// The candidate was re-opened: out of the archive (its cell refilled), to be evaluated again.
        case reopened
        /// The baseline's stage-3 result was replaced.
        case baseline
    }

    /// Applies a result the farm trained again because the worker that produced the first was
    /// quarantined (docs/farm-trust.md): a candidate that holds a different result at that stage
    /// (or failed there) is re-opened and evaluated again by the next generation, so that its archive
    /// place, its confirmation and the island's best come from results the farm now stands by.
    @discardableResult
    public func applyCorrection(fingerprint: String, stage: Stage, result: EvaluationResult) throws -> CorrectionOutcome {
        if stage == .three, let baseline = try? LossParser.parse(settings.baseline.source).graph, baseline.fingerprint.hex == fingerprint {
            guard result.failed == nil, let encoded = try? JSONEncoder().encode(result) else { return .unaffected }
            try store.setMeta(baselineMetaKey(at: .three), String(decoding: encoded, as: UTF8.self))
            return .baseline
        }
        guard let id = try store.liveCandidate(fingerprint: fingerprint), let record = try store.candidate(id), holds(record, differentFrom: result, at: stage)
        else { return .unaffected }
        try withArchiveLock { archive in
            guard let cell = try store.reopen(candidate: id) else { return }
            archive.remove(cell: cell)
            // The cell's next best evaluated candidate takes it (by fitness; the smaller on a tie).
            let contenders = try store.evaluatedElites().filter { $0.id != id && archive.bins.cell(of: $0.descriptors) == cell }
                .map { (candidate: $0, size: $0.canonical.flatMap(CandidateRecord.size(ofCanonical:)) ?? .max) }
            guard let (next, size) = contenders.max(by: { ($0.candidate.fitness, -$0.size) < ($1.candidate.fitness, -$1.size) }) else { return }
            archive.place(Elite(candidate: next.id, fitness: next.fitness, descriptors: next.descriptors, size: size))
            try store.placeElite(cell: cell, candidate: next.id, fitness: next.fitness)
        }
        confirmed.withLock { $0[id] = nil }
        return .reopened
    }

    /// Whether the candidate's stored result at `stage` is not `result`: its stage-3 fitness, or its
    /// search fitness when that came from `stage`, or a failure there.
    private func holds(_ record: CandidateRecord, differentFrom result: EvaluationResult, at stage: Stage) -> Bool {
        switch stage {
        case .three:
            return record.confirmedFitness.map { $0.bitPattern != result.fitness?.bitPattern } ?? false
        case .one, .two:
            guard record.stage == stage else { return false }
            if record.status == .failed { return result.failed == nil || record.error != result.failed }
            return record.status == .evaluated && record.fitness?.bitPattern != result.fitness?.bitPattern
        }
    }
}
