import Foundation
import LossLanguage
import Testing

/// softplus and logsigmoid with their transcendental part in float32 (the full training path's
/// precision), against the float64 evaluator: the absolute error of the value and of the
/// derivative stays below the bound docs/results/2026-12-05-speed.md states, at every batch size (every tail).
struct SinglePrecisionLogisticTests {
    /// Each source with its bound: 1.2e-7 for each softplus or logsigmoid it sums.
    static let sources: [(String, Double)] = [
        ("softplus(pc)", 1.2e-7), ("-logsigmoid(pc)", 1.2e-7), ("logsigmoid(beta * rho) + softplus(pr - rr)", 2.4e-7),
    ]

    /// pc on a grid over [-120, 120] (past float32's flush to zero at e^-87), plus values about 0.
    static func batch(_ n: Int, shift: Double) -> LossBatch {
        let pc = (0..<n).map { i in n == 1 ? shift : -120 + 240 * Double(i) / Double(n - 1) + shift }
        let pr = (0..<n).map { i in 0.37 * Double(i % 7) - 1.1 }
        return LossBatch(pc: pc, pr: pr, rc: pc.map { $0 * 0.5 }, rr: pr.map { -$0 })
    }

    @Test(arguments: sources)
    func singleAgreesWithDouble(source: String, bound: Double) throws {
        let graph = try Support.parse(source)
        var (worstValue, worstGradient) = (0.0, 0.0)
        for n in [1, 3, 7, 8, 9, 16, 17, 64, 257] {
            for shift in [0.0, 1e-9, -0.3, 0.71] {
                let batch = Self.batch(n, shift: shift)
                let exact = LossEvaluator(graph: graph, batchSize: n).gradient(batch, beta: 0.1)
                let single = LossEvaluator(graph: graph, batchSize: n)
                single.logisticPrecision = .single
                let approximate = single.gradient(batch, beta: 0.1)
                for (a, b) in zip(approximate.output, exact.output) { worstValue = max(worstValue, abs(a - b)) }
                for (a, b) in zip(approximate.pc + approximate.pr, exact.pc + exact.pr) { worstGradient = max(worstGradient, abs(a - b)) }
            }
        }
        #expect(worstValue < bound, "\(source): worst absolute error of the value \(worstValue)")
        #expect(worstGradient < bound, "\(source): worst absolute error of the gradient \(worstGradient)")
        #expect(worstValue > 0, "\(source): float32 was not used (no difference from float64 at all)")
    }

    @Test func edgesMatchFloat64() throws {
        let graph = try Support.parse("softplus(pc)")
        let pc = [Double.nan, .infinity, -.infinity, 0, -87.5, 87.5, -1e300, 1e300, 5]
        let batch = LossBatch(pc: pc, pr: pc.map { _ in 0 }, rc: pc.map { _ in 0 }, rr: pc.map { _ in 0 })
        let single = LossEvaluator(graph: graph, batchSize: pc.count)
        single.logisticPrecision = .single
        let result = single.gradient(batch, beta: 1, seed: .sum)
        #expect(result.output[0].isNaN && result.pc[0].isNaN)
        #expect(result.output[1] == .infinity && result.pc[1] == 1)
        #expect(result.output[2] == 0 && result.pc[2] == 0)
        #expect(abs(result.output[3] - log(2)) < 1e-7 && abs(result.pc[3] - 0.5) < 1e-7)
        #expect(result.output[4] == 0 && result.pc[4] == 0, "below e^-87 float32 flushes to zero")
        #expect(result.output[5] == 87.5 && result.pc[5] == 1)
        #expect(result.output[6] == 0 && result.output[7] == 1e300)
        #expect(abs(result.output[8] - (5 + log1p(exp(-5.0)))) < 1e-7)
    }
}
