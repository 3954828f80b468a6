import Cluster
import Control
import Evaluation
import LossLanguage

extension IslandEngine {
    /// The share of stage-2 candidates outside the top k that the live audit trains at stage 3:
    /// the configured one, else 0.1 when stage 3 trains on its own task and none otherwise.
    public var auditShare: Double { settings.audit.share(stageThreeOwnTask: confirmationTask != nil) }

    /// The live proxy audit: a candidate that reached stage 2 but not the top k is trained at stage 3
    /// too when the draw for it falls within the share. Its stage-3 result ranks it like a
    /// confirmation's (it is the highest stage's fitness), and its pair of fitnesses feeds the
    /// island's rank correlation between the two stages.
    func auditIfDrawn(_ id: Int64, graph: LossGraph, name: String) throws {
        guard Self.isDrawn(candidate: id, seed: settings.seed, share: auditShare) else { return }
        try trainAtStageThree(id, graph: graph, name: name, origin: .audit)
    }

    /// Whether the audit draws a candidate: a uniform number from the island's seed and the
    /// candidate's id (reproducible, and the same after a restart), below the share.
    public static func isDrawn(candidate: Int64, seed: UInt64, share: Double) -> Bool {
        guard share > 0 else { return false }
        var source = RandomSource(seed: seed ^ 0x6175_6469_7400_0000 ^ (UInt64(bitPattern: candidate) &* 0x9E37_79B9_7F4A_7C15))
        return source.uniform() < share
    }

    /// The audit in status: its share, the rank correlation so far and the audited pairs; nil when
    /// the island audits nothing and has audited nothing.
    public func auditStatus() throws -> AuditStatus? { auditStatus(pairs: try store.auditPairs()) }

    /// The audit's status from its (stage-2, stage-3) pairs, as the store read them.
    public func auditStatus(pairs: [AuditPoint]) -> AuditStatus? {
        guard auditShare > 0 || !pairs.isEmpty else { return nil }
        let correlation = RankCorrelation(pairs.map { (x: $0.search, y: $0.confirmed) })
        return AuditStatus(
            task: confirmationTask, share: auditShare, rankCorrelation: correlation.rho, lower: correlation.lower, upper: correlation.upper,
            warnBelow: settings.audit.warnBelow, minimum: settings.audit.minimum, points: Array(pairs.suffix(AuditStatus.pointLimit)),
            audited: pairs.count)
    }

    /// What the island says while the audit's rank correlation is below the warning level.
    public static func auditWarning(_ audit: AuditStatus) -> String? {
        guard audit.isBelowWarning, let rho = audit.rankCorrelation else { return nil }
        return "the proxy no longer predicts \(audit.stageThree): over the \(audit.audited) audited candidates, the rank correlation of their "
            + "stage-2 and stage-3 fitness is \(String(format: "%+.2f", rho)), below warn_below \(String(format: "%+.2f", audit.warnBelow)); "
            + "the search's gains on stage 2 may not hold at stage 3"
    }
}
