import Foundation

/// Per-seed fitness of a result: for each member, the mean of its fitness metric over each seed's
/// runs (betas and starts). Seeds are the unit of replication: every loss sees the same instances
/// for a seed (common random numbers), so differences are paired by (member, seed).
public struct SeedScores: Sendable, Hashable, Codable {
    /// Member name -> seed -> fitness, and each member's weight.
    public var members: [String: [UInt64: Double]]
    public var weights: [String: Double]

    public init(members: [String: [UInt64: Double]], weights: [String: Double]) {
        (self.members, self.weights) = (members, weights)
    }

    /// The scores of a result: each member's fitness metric (`frontier_efficiency` for prefbandit,
    /// `fitness` for command members) averaged per seed; weights from the result's members.
    public init(_ result: EvaluationResult) {
        var weights: [String: Double] = [:]
        for member in result.members ?? [] { weights[member.name] = member.weight }
        self.init(runs: result.runs, weights: weights)
    }

    /// The scores of runs: per member (nil: the only one) and seed, the mean of `fitnessKey` (by
    /// default `frontier_efficiency`, else `fitness`) over the seed's runs. A member missing from
    /// `weights` weighs 1.
    public init(runs: [RunRecord], weights: [String: Double], fitnessKey: String? = nil) {
        var weights = weights
        var sums: [String: [UInt64: (Double, Int)]] = [:]
        for run in runs {
            let member = run.member ?? TaskMember.singleName
            let value = fitnessKey.flatMap { run.metrics[$0] } ?? run.metrics["frontier_efficiency"] ?? run.metrics["fitness"] ?? .nan
            var entry = sums[member, default: [:]][run.seed, default: (0, 0)]
            entry.0 += value
            entry.1 += 1
            sums[member, default: [:]][run.seed] = entry
            if weights[member] == nil { weights[member] = 1 }
        }
        self.init(members: sums.mapValues { $0.mapValues { $0.0 / Double($0.1) } }, weights: weights)
    }

    /// The weighted mean over members of each member's mean over seeds, with its standard error
    /// (members independent; the SE over seeds within each).
    public var mean: Estimate {
        Estimate.weighted(
            members.keys.sorted().map { name in
                (weights[name] ?? 1, Array(members[name, default: [:]].values))
            })
    }

    /// This result minus a baseline, paired by member and seed (only pairs both have count).
    public func difference(to baseline: SeedScores) -> Estimate {
        Estimate.weighted(
            members.keys.sorted().compactMap { name -> (Double, [Double])? in
                guard let mine = members[name], let theirs = baseline.members[name] else { return nil }
                let differences = mine.keys.sorted().compactMap { seed in theirs[seed].map { mine[seed]! - $0 } }
                return differences.isEmpty ? nil : (weights[name] ?? 1, differences)
            })
    }
}

/// A mean (or a paired difference) with its standard error and degrees of freedom, and the
/// two-sided p-value of a Student t test that it is zero.
public struct Estimate: Sendable, Hashable, Codable {
    public var value: Double
    public var standardError: Double
    /// Welch–Satterthwaite degrees of freedom across members (n - 1 for one member).
    public var degreesOfFreedom: Double
    /// How many (member, seed) values it rests on.
    public var count: Int

    public init(value: Double, standardError: Double, degreesOfFreedom: Double, count: Int) {
        (self.value, self.standardError, self.degreesOfFreedom, self.count) = (value, standardError, degreesOfFreedom, count)
    }

    /// value / SE; 0 when both are 0 (identical losses), ±infinity when only the SE is, NaN when
    /// the SE is unknown (one seed: no spread to estimate).
    public var zScore: Double {
        if standardError.isNaN { return .nan }
        if standardError > 0 { return value / standardError }
        return value == 0 ? 0 : (value > 0 ? .infinity : -.infinity)
    }

    /// Two-sided p-value of value = 0 under Student's t with ``degreesOfFreedom``; 1 for identical
    /// losses and for an unknown SE (no evidence either way), 0 for a difference without spread.
    public var pValue: Double {
        let t = zScore
        if t == 0 || t.isNaN { return 1 }
        if !t.isFinite { return 0 }
        return StudentT.twoSidedPValue(t: t, degreesOfFreedom: max(degreesOfFreedom, 1))
    }

    /// The 95% interval (t quantile at the degrees of freedom).
    public var interval95: ClosedRange<Double> {
        let half = StudentT.quantile975(degreesOfFreedom: max(degreesOfFreedom, 1)) * standardError
        return (value - half)...(value + half)
    }

    /// The weighted mean of groups' means: sum_g (w_g / W) mean_g, variance sum_g (w_g / W)^2 s_g^2 / n_g.
    static func weighted(_ groups: [(weight: Double, values: [Double])]) -> Estimate {
        let groups = groups.filter { !$0.values.isEmpty }
        let total = groups.reduce(0) { $0 + $1.weight }
        guard total > 0 else { return Estimate(value: .nan, standardError: .nan, degreesOfFreedom: 0, count: 0) }
        var value = 0.0, variance = 0.0, welchDenominator = 0.0, count = 0
        for (weight, values) in groups {
            let n = Double(values.count)
            let mean = values.reduce(0, +) / n
            // One value has no spread to estimate: unknown, unless it is exactly zero (identical losses).
            let sampleVariance =
                values.count > 1
                ? values.reduce(0) { $0 + ($1 - mean) * ($1 - mean) } / (n - 1)
                : (mean == 0 ? 0 : .nan)
            let share = (weight / total) * (weight / total) * sampleVariance / n
            value += weight / total * mean
            variance += share
            if values.count > 1 { welchDenominator += share * share / (n - 1) }
            count += values.count
        }
        let degrees = welchDenominator > 0 ? variance * variance / welchDenominator : Double(max(count - groups.count, 1))
        guard variance.isFinite else { return Estimate(value: value, standardError: .nan, degreesOfFreedom: degrees, count: count) }
        return Estimate(value: value, standardError: variance.squareRoot(), degreesOfFreedom: degrees, count: count)
    }
}

/// Holm's step-down correction of p-values for multiple comparisons: the i-th smallest of m
/// becomes max over j <= i of min(1, (m - j + 1) p_(j)). Returns them in the input's order.
public func holmAdjusted(_ pValues: [Double]) -> [Double] {
    let m = pValues.count
    let order = pValues.indices.sorted { pValues[$0] < pValues[$1] }
    var adjusted = [Double](repeating: 1, count: m)
    var running = 0.0
    for (rank, index) in order.enumerated() {
        running = max(running, min(1, Double(m - rank) * pValues[index]))
        adjusted[index] = running
    }
    return adjusted
}

/// Student's t distribution: the two-sided tail probability, via the regularised incomplete beta
/// function (continued fraction, modified Lentz), and the 97.5% quantile by bisection.
public enum StudentT {
    /// P(|T| >= |t|) with `degreesOfFreedom` degrees of freedom: I_{v/(v+t^2)}(v/2, 1/2).
    public static func twoSidedPValue(t: Double, degreesOfFreedom v: Double) -> Double {
        regularizedIncompleteBeta(x: v / (v + t * t), a: v / 2, b: 0.5)
    }

    /// The t with P(T <= t) = 0.975.
    public static func quantile975(degreesOfFreedom v: Double) -> Double {
        var (low, high) = (0.0, 1_000.0)
        for _ in 0..<200 {
            let middle = (low + high) / 2
            if twoSidedPValue(t: middle, degreesOfFreedom: v) > 0.05 { low = middle } else { high = middle }
        }
        return (low + high) / 2
    }

    /// I_x(a, b).
    static func regularizedIncompleteBeta(x: Double, a: Double, b: Double) -> Double {
        if x <= 0 { return 0 }
        if x >= 1 { return 1 }
        let logGammas: Double = lgamma(a + b) - lgamma(a) - lgamma(b)
        let logPowers: Double = a * Foundation.log(x) + b * Foundation.log(1 - x)
        let logFront = logGammas + logPowers
        if x < (a + 1) / (a + b + 2) {
            return Foundation.exp(logFront) * continuedFraction(x: x, a: a, b: b) / a
        }
        return 1 - Foundation.exp(logFront) * continuedFraction(x: 1 - x, a: b, b: a) / b
    }

    private static func continuedFraction(x: Double, a: Double, b: Double) -> Double {
        let tiny = 1e-300
        var c = 1.0, d = 1 - (a + b) * x / (a + 1)
        if abs(d) < tiny { d = tiny }
        d = 1 / d
        var h = d
        for m in 1...300 {
            let m = Double(m), m2 = 2 * m
            let evenDenominator: Double = (a + m2 - 1) * (a + m2)
            var step: Double = m * (b - m) * x / evenDenominator
            d = 1 + step * d; if abs(d) < tiny { d = tiny }
            c = 1 + step / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            h *= d * c
            let oddDenominator: Double = (a + m2) * (a + m2 + 1)
            step = -(a + m) * (a + b + m) * x / oddDenominator
            d = 1 + step * d; if abs(d) < tiny { d = tiny }
            c = 1 + step / c; if abs(c) < tiny { c = tiny }
            d = 1 / d
            let delta = d * c
            h *= delta
            if abs(delta - 1) < 1e-15 { break }
        }
        return h
    }
}
