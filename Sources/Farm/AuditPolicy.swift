import Cluster
import Evaluation
import Model

/// Which jobs the broker audits (docs/farm-trust.md): each job is trained by a second worker, on
/// another host where one exists, with a probability `share`, and every confirmation (stage 3) when
/// `confirmations` is set; its result is accepted only when two workers agree. Only stages whose task
/// declares how far two honest results may differ are audited.
public struct AuditPolicy: Sendable, Hashable {
    /// The share of jobs drawn for an audit, 0 to 1 (drawn at random: a worker cannot tell an audited job).
    public var share: Double
    /// Whether every stage-3 job (what makes an island's confirmed best) is audited.
    public var confirmations: Bool
    /// The stages that may be audited, with how far two fitnesses may differ and agree: 0 for
    /// deterministic tasks (to the bit), more for a task that trains stochastically (GPU training).
    public var tolerances: [Stage: Double]
    /// Workers asked at most per job before it fails as unresolved (two answers that disagree call a third, and so on).
    public var maximumOpinions: Int

    public init(share: Double, confirmations: Bool, tolerances: [Stage: Double], maximumOpinions: Int = 5) {
        (self.share, self.confirmations, self.tolerances) = (share, confirmations, tolerances)
        self.maximumOpinions = max(3, maximumOpinions)
    }

    /// Every stage audited with one tolerance (0: to the bit).
    public init(share: Double, confirmations: Bool, tolerance: Double = 0) {
        self.init(share: share, confirmations: confirmations, tolerances: Dictionary(uniqueKeysWithValues: Stage.allCases.map { ($0, tolerance) }))
    }

    /// No audits: every result is believed.
    public static let off = AuditPolicy(share: 0, confirmations: false)

    /// Whether a new job at `stage` is audited.
    func draws(_ stage: Stage) -> Bool {
        guard tolerances[stage] != nil else { return false }
        return (confirmations && stage == .three) || (share > 0 && Double.random(in: 0..<1) < share)
    }
}

extension EvaluationResult {
    /// Whether two workers' results of the same job agree: both failed, or both have fitnesses
    /// (overall and per member) within `tolerance` of each other (0: the same bits). Times and
    /// failure wording may differ.
    func agrees(with other: EvaluationResult, tolerance: Double) -> Bool {
        switch (fitness, other.fitness) {
        case (nil, nil): return true
        case let (a?, b?):
            guard Self.close(a, b, tolerance) else { return false }
            let mine = (members ?? []).map(\.fitness), theirs = (other.members ?? []).map(\.fitness)
            return mine.count == theirs.count && zip(mine, theirs).allSatisfy { Self.close($0, $1, tolerance) }
        default: return false
        }
    }

    private static func close(_ a: Double, _ b: Double, _ tolerance: Double) -> Bool {
        tolerance == 0 ? a.bitPattern == b.bitPattern || (a.isNaN && b.isNaN) : abs(a - b) <= tolerance
    }
}

extension FarmSettings {
    /// The `[farm]` section's audit keys as the broker's policy for `task`, whose stages declare
    /// their tolerance (``TaskConfig/auditTolerance(at:)``).
    public func audit(for task: TaskConfig) -> AuditPolicy {
        let tolerances = Stage.allCases.compactMap { stage in task.auditTolerance(at: stage).map { (stage, $0) } }
        return AuditPolicy(share: auditShare, confirmations: auditConfirmations, tolerances: Dictionary(uniqueKeysWithValues: tolerances))
    }
}
