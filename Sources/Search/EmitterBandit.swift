import LossLanguage
import Model

/// How the scheduler splits a generation's children among its emitters: a cost-aware bandit on each
/// emitter's rate of success (children that entered the archive or raised the confirmed best, per
/// child whose fate is known), with a floor that keeps every emitter drawn.
///
/// An emitter's score is its success rate with a uniform prior, (successes + 1) / (decided + 2),
/// divided by its cost; the draw probabilities are `floor` spread evenly plus `1 - floor` in
/// proportion to the scores (probability matching: an emitter twice as productive per unit of
/// cost gets twice the share above the floor). Children refused before evaluation (repeats,
/// near-repeats, invalid) count as decided and unsuccessful: the emitter pays for them.
public struct EmitterBandit: Sendable, Hashable {
    /// The share of children spread evenly over the emitters whatever their record (0...1).
    public var floor: Double

    public init(floor: Double = 0.1) { self.floor = floor }

    /// Each emitter's score: its smoothed success rate per unit of cost.
    public static func score(_ tally: EmitterTally, cost: Double) -> Double {
        let decided = max(0, tally.proposed - tally.pending)
        return Double(tally.successes + 1) / Double(decided + 2) / max(cost, 1e-9)
    }

    /// The probability of drawing each emitter; 0 for one that is not `available` (an LLM whose
    /// budget is spent). All zeros when none is.
    public func weights(tallies: [EmitterTally], costs: [Double], available: [Bool]) -> [Double] {
        let open = available.indices.filter { available[$0] }
        guard !open.isEmpty else { return available.map { _ in 0 } }
        let scores = tallies.indices.map { available[$0] ? Self.score(tallies[$0], cost: costs[$0]) : 0 }
        let total = scores.reduce(0, +)
        let even = floor / Double(open.count)
        return scores.indices.map { i in
            guard available[i] else { return 0 }
            return even + (1 - floor) * (total > 0 ? scores[i] / total : 1 / Double(open.count))
        }
    }

    /// How many of `children` each emitter makes: each child drawn by `weights`.
    public static func allocate(_ children: Int, weights: [Double], random: inout RandomSource) -> [Int] {
        var counts = weights.map { _ in 0 }
        let total = weights.reduce(0, +)
        guard total > 0 else { return counts }
        for _ in 0..<children {
            var u = random.uniform() * total
            let pick =
                weights.indices.first { i in
                    u -= weights[i]; return u < 0 && weights[i] > 0
                } ?? weights.indices.last { weights[$0] > 0 }!
            counts[pick] += 1
        }
        return counts
    }
}
