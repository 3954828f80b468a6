import Foundation

/// A small, fast, seeded generator (SplitMix64) with normal draws, identical on every platform.
///
/// Used wherever evod needs reproducible randomness: validation batches, fingerprint probes,
/// proposers. Not for cryptography.
public struct RandomSource: RandomNumberGenerator, Sendable {
    private var state: UInt64

    public init(seed: UInt64) { state = seed }

    public mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }

    /// A uniform draw in [0, 1) with 53 random bits.
    public mutating func uniform() -> Double { Double(next() >> 11) * 0x1p-53 }

    /// A normal draw (Box-Muller).
    public mutating func normal(mean: Double = 0, standardDeviation: Double = 1) -> Double {
        let u1 = max(uniform(), 0x1p-60), u2 = uniform()
        return mean + standardDeviation * (-2 * Foundation.log(u1)).squareRoot() * Foundation.cos(2 * .pi * u2)
    }

    /// A batch with every log-prob drawn from N(mean, sd).
    public mutating func logProbBatch(count: Int, mean: Double = -50, standardDeviation: Double = 10) -> LossBatch {
        func draw() -> [Double] { (0..<count).map { _ in normal(mean: mean, standardDeviation: standardDeviation) } }
        return LossBatch(pc: draw(), pr: draw(), rc: draw(), rr: draw())
    }

    /// Quality-prompted log-probabilities for `batch`: each plain one shifted by N(0, sd), drawn from
    /// this generator. Drawn after the plain batch, from a generator of its own, so that adding them
    /// changes no plain draw (a loss that does not read them keeps its fingerprint).
    public mutating func qualityLogProbs(for batch: LossBatch, standardDeviation: Double = 3) -> QualityLogProbs {
        func shifted(_ values: [Double]) -> [Double] { values.map { $0 + normal(standardDeviation: standardDeviation) } }
        return QualityLogProbs(pca: shifted(batch.pc), pra: shifted(batch.pr), rca: shifted(batch.rc), rra: shifted(batch.rr))
    }

    /// `number` random batches of `count` samples (``logProbBatch(count:mean:standardDeviation:)``
    /// from `seed`), each with quality-prompted log-probs from a second generator (`qualitySeed`):
    /// the plain values are those the first generator alone gives.
    public static func batchesWithQuality(_ number: Int, count: Int, seed: UInt64, qualitySeed: UInt64) -> [LossBatch] {
        var random = RandomSource(seed: seed), quality = RandomSource(seed: qualitySeed)
        return (0..<number).map { _ in
            var batch = random.logProbBatch(count: count)
            batch.quality = quality.qualityLogProbs(for: batch)
            return batch
        }
    }
}
