import Foundation
import LossLanguage
import Testing

@testable import PrefBandit

/// The full training path's float32 kernels against float64 arithmetic: the softmax exp over its
/// range and edges, and a prompt's scores with their maximum at every block and tail of K and d.
struct FullPathKernelTests {
    static func exp(_ x: Float) -> Float { VectorKernels.expOfNonPositive(VectorKernels.Lanes(repeating: x))[0] }

    @Test func softmaxExpIsAccurateOnNonPositiveInputs() {
        var worst = 0.0
        for x in stride(from: Float(-87), through: 0, by: 0.0137) {
            let exact = Foundation.exp(Double(x))
            worst = max(worst, abs(Double(Self.exp(x)) - exact) / exact)
        }
        #expect(worst < 2.5e-7, "worst relative error \(worst)")  // two float32 ulps; measured 7.2e-8
        #expect(Self.exp(0) == 1)
        #expect(Self.exp(-1_000) == Self.exp(-87) && Self.exp(-.infinity) == Self.exp(-87))  // floored, stays normal
        #expect(Self.exp(-87) > 0 && Self.exp(-87).isNormal)
        #expect(Self.exp(.nan).isNaN)
    }

    @Test func exponentiateShiftsInPlaceAndSums() {
        var values: [Float] = (0..<21).map { Float($0) * 0.37 - 3 }
        let shift = values.max() ?? 0
        let expected = values.map { Foundation.exp(Double($0 - shift)) }
        let sum = values.withUnsafeMutableBufferPointer { VectorKernels.exponentiate($0.baseAddress!, $0.count, shift: shift) }
        for (value, exact) in zip(values, expected) { #expect(abs(Double(value) - exact) <= 2.5e-7 * exact) }
        #expect(abs(sum - expected.reduce(0, +)) <= 1e-6 * sum)
    }

    @Test(arguments: [(16, 32), (20, 37), (5, 3), (8, 1), (33, 65), (1, 4)])
    func scoresAndTheirMaximumMatchFloat64(responses k: Int, features d: Int) {
        var random = RandomSource(seed: UInt64(k * 100 + d))
        let theta = (0..<d).map { _ in Float(random.normal()) }
        let transposed = AlignedFloats((0..<(d * k)).map { _ in Float(random.normal()) })  // [feature][response]
        var scores = [Float](repeating: .nan, count: k)
        let top = theta.withUnsafeBufferPointer { x in
            scores.withUnsafeMutableBufferPointer {
                VectorKernels.transposedScores(x.baseAddress!, transposed.base, features: d, responses: k, into: $0.baseAddress!)
            }
        }
        for r in 0..<k {
            var exact = 0.0, magnitude = 0.0
            for j in 0..<d {
                exact += Double(theta[j]) * Double(transposed[j * k + r])
                magnitude += abs(Double(theta[j]) * Double(transposed[j * k + r]))
            }
            #expect(abs(Double(scores[r]) - exact) <= 1e-6 * magnitude, "K \(k), d \(d), response \(r)")
        }
        #expect(top == scores.max())
    }
}
