import Evaluation
import Foundation
import Testing

/// Spearman's rank correlation as the audit and `validate` report it.
struct RankCorrelationTests {
    @Test func aMonotoneRelationIsOneAndItsReverseMinusOne() {
        let xs = (0..<10).map(Double.init)
        #expect(RankCorrelation(xs.map { (x: $0, y: $0 * $0 * $0) }).rho == 1)
        #expect(RankCorrelation(xs.map { (x: $0, y: -exp($0)) }).rho == -1)
        #expect(RankCorrelation(xs.map { (x: $0, y: $0) }).lower == nil, "no interval at |rho| = 1")
    }

    @Test func tiesTakeTheirMeanRankAndAKnownValueComesOut() {
        // Ranks x: 1, 2, 3, 4, 5; y: 2, 1, 4, 4, 4 (three tied at the top: 4 each). Pearson on ranks: 7 / sqrt(10 * 8).
        let pairs: [(x: Double, y: Double)] = [(1, 0.2), (2, 0.1), (3, 0.9), (4, 0.9), (5, 0.9)]
        let correlation = RankCorrelation(pairs)
        #expect(abs((correlation.rho ?? .nan) - 7 / 80.0.squareRoot()) < 1e-12)
        #expect(correlation.count == 5)
        let lower = correlation.lower ?? .nan, upper = correlation.upper ?? .nan
        #expect(lower < 0.78 && 0.79 < upper && upper < 1 && lower > -1)
    }

    @Test func tooFewPairsOrNoSpreadGiveNoCorrelation() {
        #expect(RankCorrelation([(x: 1, y: 2), (x: 2, y: 3)]).rho == nil)
        #expect(RankCorrelation([(x: 1, y: 2), (x: 2, y: 2), (x: 3, y: 2)]).rho == nil)
        #expect(RankCorrelation([]).count == 0)
    }

    @Test func theIntervalNarrowsWithMorePairs() {
        func interval(_ n: Int) -> Double {
            let pairs = (0..<n).map { i -> (x: Double, y: Double) in
                let bump: Double = i % 3 == 0 ? 5 : 0
                return (x: Double(i), y: Double(i) + bump)
            }
            let correlation = RankCorrelation(pairs)
            return (correlation.upper ?? .nan) - (correlation.lower ?? .nan)
        }
        #expect(interval(12) > interval(48) && interval(48) > 0)
    }
}
