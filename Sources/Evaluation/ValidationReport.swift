import Foundation

/// `evoctl validate`'s table (docs/architecture.md §5.4): every loss on every validation task (each member's
/// held-out seeds, each transfer task, and the suite's weighted members), with its paired
/// difference to DPO and to that task's best standard loss, and p-values Holm-corrected over every
/// comparison in the table. No I/O: built from the per-seed scores the caller trained.
public struct ValidationReport: Sendable, Codable {
    /// What a row's task is.
    public enum TaskKind: String, Sendable, Codable {
        /// A suite member, on its held-out seeds.
        case member
        /// A transfer task (`[[validation]]`), on its held-out seeds.
        case transfer
        /// A member of a cascade's stage-3 task (real training, say), on its held-out seeds.
        case confirmation
        /// The members' weighted mean.
        case suite
    }

    public struct Row: Sendable, Codable {
        /// The task: a member's or transfer task's name, or `suite`.
        public var task: String
        public var kind: TaskKind
        public var loss: String
        /// Whether the loss is a standard loss (else a candidate).
        public var standard: Bool
        /// Mean fitness over the held-out seeds, with its SE; nil when the loss failed there.
        public var fitness: Estimate?
        public var failed: String?
        /// Paired difference to DPO (nil for DPO itself) and its Holm-adjusted p-value.
        public var versusDPO: Estimate?
        public var pDPO: Double?
        /// The task's best standard loss (by mean fitness), the paired difference to it (nil for
        /// itself, and when it is DPO: the first comparison already is) and its Holm-adjusted p-value.
        public var bestStandard: String
        public var versusBestStandard: Estimate?
        public var pBestStandard: Double?
    }

    /// What one loss's validation says: discovered only if it beats the best standard loss on the
    /// suite's held-out seeds by more than 3 paired SE with a Holm-adjusted p below 0.05, and beats
    /// DPO (Holm-adjusted p below 0.05) on every transfer task and every stage-3 task of a cascade.
    public struct Verdict: Sendable, Codable {
        public var loss: String
        public var discovered: Bool
        public var reasons: [String]
    }

    /// How the suite's held-out fitness ranks the validated losses against each stage-3 task's: the
    /// figure an island's live audit measures on its own candidates.
    public struct Agreement: Sendable, Codable {
        public var task: String
        public var correlation: RankCorrelation
    }

    public var rows: [Row]
    public var verdicts: [Verdict]
    /// One per stage-3 task of a cascade; empty otherwise.
    public var agreements: [Agreement]
    /// The baseline of the first difference column.
    public static let baseline = "dpo"

    /// Builds the table. `scores[task][loss]` holds each loss's seed scores on that task (nil when it
    /// failed, with `failures[task][loss]` saying why); `tasks` lists them in order with their kind;
    /// `standard` names the standard losses (the rest are candidates). The suite row aggregates the
    /// member tasks with their weights.
    public init(
        tasks: [(name: String, kind: TaskKind)], losses: [(name: String, standard: Bool)],
        scores: [String: [String: SeedScores]], failures: [String: [String: String]]
    ) {
        var rows: [Row] = []
        var allTasks = tasks
        var allScores = scores
        let members = tasks.filter { $0.kind == .member }.map(\.name)
        if members.count > 1 {
            allTasks.append((name: "suite", kind: .suite))
            for loss in losses where members.allSatisfy({ scores[$0]?[loss.name] != nil }) {
                var combined = SeedScores(members: [:], weights: [:])
                for member in members {
                    guard let part = scores[member]?[loss.name] else { continue }
                    combined.members[member] = part.members[member]
                    combined.weights[member] = part.weights[member]
                }
                allScores["suite", default: [:]][loss.name] = combined
            }
        }
        for task in allTasks {
            let taskScores = allScores[task.name] ?? [:]
            let standardMeans = losses.filter(\.standard).compactMap { loss in taskScores[loss.name].map { (loss.name, $0.mean.value) } }
            let best = standardMeans.max { $0.1 < $1.1 }?.0 ?? Self.baseline
            for loss in losses {
                var row = Row(task: task.name, kind: task.kind, loss: loss.name, standard: loss.standard, bestStandard: best)
                guard let mine = taskScores[loss.name] else {
                    row.failed = failures[task.name]?[loss.name] ?? (task.kind == .suite ? "failed on a member" : "not evaluated")
                    rows.append(row)
                    continue
                }
                row.fitness = mine.mean
                if loss.name != Self.baseline, let dpo = taskScores[Self.baseline] { row.versusDPO = mine.difference(to: dpo) }
                // When DPO is the best standard loss, the second comparison is the first: not counted twice.
                if loss.name != best, best != Self.baseline, let top = taskScores[best] { row.versusBestStandard = mine.difference(to: top) }
                rows.append(row)
            }
        }
        // Holm over every comparison of the table.
        var pValues: [Double] = []
        for row in rows {
            if let d = row.versusDPO { pValues.append(d.pValue) }
            if let d = row.versusBestStandard { pValues.append(d.pValue) }
        }
        var adjusted = holmAdjusted(pValues).makeIterator()
        for index in rows.indices {
            if rows[index].versusDPO != nil { rows[index].pDPO = adjusted.next() }
            if rows[index].versusBestStandard != nil { rows[index].pBestStandard = adjusted.next() }
        }
        self.rows = rows
        verdicts = losses.filter { !$0.standard }.map { Self.verdict(for: $0.name, rows: rows) }
        let searchTask = members.count > 1 ? "suite" : members.first
        agreements = tasks.filter { $0.kind == .confirmation }.map { task in
            let pairs = losses.compactMap { loss -> (x: Double, y: Double)? in
                guard let searchTask, let x = allScores[searchTask]?[loss.name]?.mean.value, let y = allScores[task.name]?[loss.name]?.mean.value else { return nil }
                return (x, y)
            }
            return Agreement(task: task.name, correlation: RankCorrelation(pairs))
        }
    }

    static func verdict(for loss: String, rows: [Row]) -> Verdict {
        var reasons: [String] = []
        let mine = rows.filter { $0.loss == loss }
        let suite = mine.first { $0.kind == .suite } ?? mine.first { $0.kind == .member }
        if let suite {
            if let failed = suite.failed {
                reasons.append("failed on \(suite.task): \(failed)")
            } else if suite.loss == suite.bestStandard {
                reasons.append("it is the best standard loss's own function on \(suite.task)")
            } else if let d = suite.versusBestStandard ?? suite.versusDPO, let p = suite.pBestStandard ?? suite.pDPO {
                let z = d.zScore
                if !(z > 3 && p < 0.05) {
                    reasons.append(
                        String(
                            format: "on %@ it is %@ from the best standard loss (%@), Holm p %.3g: needs more than +3 paired SE and p < 0.05",
                            suite.task, Self.inPairedSE(d), suite.bestStandard, p))
                }
            }
        }
        for row in mine where row.kind == .transfer || row.kind == .confirmation {
            let what = row.kind == .transfer ? "transfer task" : "stage-3 task"
            if let failed = row.failed {
                reasons.append("failed on \(what) \(row.task): \(failed)")
            } else if let d = row.versusDPO, let p = row.pDPO, !(d.value > 0 && p < 0.05) {
                reasons.append(String(format: "does not beat dpo on %@ %@ (%+.4f, %@, Holm p %.3g)", what, row.task, d.value, Self.inPairedSE(d), p))
            }
        }
        return Verdict(loss: loss, discovered: reasons.isEmpty && suite != nil, reasons: reasons)
    }

    /// "+2.5 paired SE", or what stands in for it when there is no spread to estimate.
    static func inPairedSE(_ difference: Estimate) -> String {
        difference.zScore.isNaN ? "an unknown number of paired SE (one seed)" : String(format: "%+.1f paired SE", difference.zScore)
    }
}
