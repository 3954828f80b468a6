import Foundation

/// Spearman's rank correlation of paired values, with a 95% interval: how well one fitness (a
/// proxy's) orders candidates as another (real training's) does. The islands' live audit and
/// `evoctl validate` both report it, so the two can be compared.
public struct RankCorrelation: Sendable, Hashable, Codable {
    /// Spearman's rho (ties take their mean rank); nil below three pairs or without spread.
    public var rho: Double?
    /// How many pairs it rests on.
    public var count: Int
    /// The 95% interval by Fisher's z with Fieller, Hartley and Pearson's variance 1.06 / (n - 3); nil below four pairs.
    public var lower: Double?
    public var upper: Double?

    public init(rho: Double?, count: Int, lower: Double?, upper: Double?) {
        (self.rho, self.count, self.lower, self.upper) = (rho, count, lower, upper)
    }

    /// The correlation of `pairs` (x, y).
    public init(_ pairs: [(x: Double, y: Double)]) {
        count = pairs.count
        guard pairs.count >= 3 else { return }
        let rx = Self.ranks(pairs.map(\.x)), ry = Self.ranks(pairs.map(\.y))
        let mx = rx.reduce(0, +) / Double(count), my = ry.reduce(0, +) / Double(count)
        var sxy = 0.0, sxx = 0.0, syy = 0.0
        for (a, b) in zip(rx, ry) {
            sxy += (a - mx) * (b - my)
            sxx += (a - mx) * (a - mx)
            syy += (b - my) * (b - my)
        }
        guard sxx > 0, syy > 0 else { return }
        let r = min(max(sxy / (sxx * syy).squareRoot(), -1), 1)
        rho = r
        guard count >= 4, abs(r) < 1 else { return }
        let z = atanh(r), half = 1.96 * (1.06 / Double(count - 3)).squareRoot()
        (lower, upper) = (tanh(z - half), tanh(z + half))
    }

    /// Ranks from 1, ties at their mean rank.
    static func ranks(_ values: [Double]) -> [Double] {
        let order = values.indices.sorted { values[$0] < values[$1] }
        var ranks = [Double](repeating: 0, count: values.count)
        var start = 0
        while start < order.count {
            var end = start
            while end + 1 < order.count, values[order[end + 1]] == values[order[start]] { end += 1 }
            let mean = Double(start + end) / 2 + 1
            for position in start...end { ranks[order[position]] = mean }
            start = end + 1
        }
        return ranks
    }
}
