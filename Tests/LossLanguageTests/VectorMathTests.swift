import Foundation
import LossLanguage
import Testing

/// The vector exp, log and log1p against glibc, over their ranges and at the edges.
struct VectorMathTests {
    static func relativeError(_ a: Double, _ b: Double) -> Double {
        a == b ? 0 : abs(a - b) / max(abs(b), Double.leastNormalMagnitude)
    }

    @Test func expIsAccurateEverywhere() {
        var random = RandomSource(seed: 11)
        var worst = 0.0
        for _ in 0..<5_000 {
            let x = random.uniform() * 1_400 - 700
            worst = max(worst, Self.relativeError(VectorMath.scalar(x, VectorMath.exp), Foundation.exp(x)))
        }
        for x in stride(from: -5.0, through: 5.0, by: 0.003) {
            worst = max(worst, Self.relativeError(VectorMath.scalar(x, VectorMath.exp), Foundation.exp(x)))
        }
        #expect(worst < 5e-16, "worst relative error \(worst)")
    }

    @Test func expHandlesTheEdges() {
        let e = { (x: Double) in VectorMath.scalar(x, VectorMath.exp) }
        #expect(e(0) == 1)
        #expect(e(710) == .infinity && e(.infinity) == .infinity)
        #expect(e(-746) == 0 && e(-.infinity) == 0)
        #expect(e(.nan).isNaN)
        #expect(Self.relativeError(e(709.7), Foundation.exp(709.7)) < 5e-16)
        #expect(e(-740) > 0 && Self.relativeError(e(-740), Foundation.exp(-740)) < 1e-3)  // subnormal
    }

    @Test func logisticFamilyIsAccurate() {
        var worst = 0.0
        for x in stride(from: -40.0, through: 40.0, by: 0.0137) {
            let softplus = x > 0 ? x + Foundation.log1p(Foundation.exp(-x)) : Foundation.log1p(Foundation.exp(x))
            let sigmoid = x >= 0 ? 1 / (1 + Foundation.exp(-x)) : Foundation.exp(x) / (1 + Foundation.exp(x))
            worst = max(worst, Self.relativeError(VectorMath.scalar(x, VectorMath.softplus), softplus))
            worst = max(worst, Self.relativeError(VectorMath.scalar(x, VectorMath.sigmoid), sigmoid))
            worst = max(worst, Self.relativeError(VectorMath.scalar(-x, VectorMath.logsigmoid), -softplus))
        }
        #expect(worst < 1e-15, "worst relative error \(worst)")
        #expect(VectorMath.scalar(1000, VectorMath.softplus) == 1000)
        #expect(VectorMath.scalar(-1000, VectorMath.sigmoid) == 0)
        #expect(VectorMath.scalar(.nan, VectorMath.softplus).isNaN)
    }

    @Test func logOfPositiveNumbersIsAccurate() {
        var worst = 0.0
        for x in [1e-300, 1e-5, 0.3, 1, 1.0000001, 1.5, 2, 16, 1e10, 1e300] + stride(from: 1.0, through: 17, by: 0.0071).map({ $0 }) {
            worst = max(worst, abs(VectorMath.scalar(x, VectorMath.logPositive) - Foundation.log(x)) / max(1, abs(Foundation.log(x))))
        }
        #expect(worst < 1e-15, "worst error \(worst)")
    }

    @Test func valuesDoNotDependOnTheirPlaceInABatch() {
        let xs = (0..<11).map { Double($0) * 0.37 - 2 }
        var out = [Double](repeating: 0, count: 11)
        xs.withUnsafeBufferPointer { x in
            out.withUnsafeMutableBufferPointer { o in
                VectorMath.map(x.baseAddress!, o.baseAddress!, 11, VectorMath.exp)
            }
        }
        #expect(zip(xs, out).allSatisfy { VectorMath.scalar($0, VectorMath.exp) == $1 })
    }
}
