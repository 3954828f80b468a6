import Foundation
import LossLanguage

/// One instance of the prefbandit task, generated from a seed: features, true rewards, the
/// reference policy, the labelled training pairs, and the minibatch order.
///
/// Every candidate sees the same instance for a seed (common random numbers).
public struct TaskInstance: Sendable {
    public let settings: PrefBanditSettings
    public let seed: UInt64
    /// Training features, [prompt][response][feature]. Drawn N(0, 1) and rounded to float32, so
    /// that the full training path can work on them in float32 (``compactTrainFeatures``) with no
    /// change in value.
    public let trainFeatures: [Double]
    /// The same values as float32, [prompt][response][feature] (the gradient's weighted row sums).
    public let compactTrainFeatures: AlignedFloats
    /// The same float32 values transposed per prompt, [prompt][feature][response], so that a
    /// prompt's K scores are vector multiply-adds with no horizontal sums.
    public let transposedTrainFeatures: AlignedFloats
    /// Winner and loser response of each training prompt.
    public let winners: [Int]
    public let losers: [Int]
    /// Held-out features [prompt][response][feature] and true rewards [prompt][response].
    public let heldoutFeatures: [Double]
    public let heldoutRewards: [Double]
    public let thetaReference: [Double]
    /// N(0, perturbation^2) noise for the perturbed start.
    public let perturbationNoise: [Double]
    /// Training prompt indices, `steps * batchSize` of them: epochs of shuffled permutations.
    public let batchOrder: [Int]
    /// phi(winner) - phi(loser) of each training prompt, [prompt][feature].
    public let differenceFeatures: [Double]
    /// log pi_ref(winner) and log pi_ref(loser) of each training prompt.
    public let referenceChosen: [Double]
    public let referenceRejected: [Double]
    /// With a quality prompt (``PrefBanditSettings/qualityStrength``): its tilt
    /// strength · (r + noise · ε) of each training response, [prompt][response], and log pi_ref of
    /// each pair's winner and loser under it; empty without one.
    public let qualityTilts: [Double]
    /// With a quality prompt: e^(t - the prompt's largest t) of each training response, and each
    /// prompt's largest t, for the trainer's stable log-sum-exp under the prompt; empty without one.
    public let qualityWeights: [Double]
    public let largestQualityTilts: [Double]
    public let referenceQualityChosen: [Double]
    public let referenceQualityRejected: [Double]

    public init(settings: PrefBanditSettings, seed: UInt64) {
        self.settings = settings
        self.seed = seed
        let (n, h, k, d) = (settings.pairs, settings.heldoutPrompts, settings.responses, settings.features)
        var random = RandomSource(seed: 0x9B4D_1A5C_0000_0000 ^ seed)

        let w = Self.unit((0..<d).map { _ in random.normal() })
        var z = (0..<d).map { _ in random.normal() }
        let overlap = zip(z, w).map(*).reduce(0, +)
        z = Self.unit(zip(z, w).map { $0 - overlap * $1 })
        let units = (0..<settings.rewardUnits).map { _ in (0..<d).map { _ in random.normal() / Double(d).squareRoot() } }

        let compactTrainFeatures = (0..<(n * k * d)).map { _ in Float(random.normal()) }
        let trainFeatures = compactTrainFeatures.map(Double.init)
        self.compactTrainFeatures = AlignedFloats(compactTrainFeatures)
        var transposed = [Float](repeating: 0, count: n * k * d)
        for prompt in 0..<n {
            for response in 0..<k {
                for feature in 0..<d {
                    transposed[(prompt * d + feature) * k + response] = compactTrainFeatures[(prompt * k + response) * d + feature]
                }
            }
        }
        transposedTrainFeatures = AlignedFloats(transposed)
        let heldoutFeatures = (0..<(h * k * d)).map { _ in random.normal() }
        self.trainFeatures = trainFeatures
        self.heldoutFeatures = heldoutFeatures
        let nonlinearity = settings.rewardNonlinearity

        // True reward: a linear part along w and a nonlinear part outside the policy class, standardised.
        func raw(_ features: [Double], _ row: Int) -> Double {
            features.withUnsafeBufferPointer { f in
                let phi = f.baseAddress! + row * d
                var linear = 0.0
                for j in 0..<d { linear += phi[j] * w[j] }
                var nonlinear = 0.0
                for v in units {
                    var activation = 0.0
                    for j in 0..<d { activation += phi[j] * v[j] }
                    nonlinear += tanh(activation)
                }
                nonlinear /= Double(max(units.count, 1)).squareRoot()
                return (1 - nonlinearity) * linear + nonlinearity * nonlinear
            }
        }
        let trainRaw = (0..<(n * k)).map { raw(trainFeatures, $0) }
        let heldoutRaw = (0..<(h * k)).map { raw(heldoutFeatures, $0) }
        let pool = trainRaw + heldoutRaw
        let mean = pool.reduce(0, +) / Double(pool.count)
        let sd = (pool.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(pool.count)).squareRoot()
        let trainRewards = trainRaw.map { 2 * ($0 - mean) / sd }
        heldoutRewards = heldoutRaw.map { 2 * ($0 - mean) / sd }

        let (a, scale) = (settings.referenceAlignment, settings.referenceScale)
        let thetaReference = zip(w, z).map { scale * (a * $0 + (1 - a * a).squareRoot() * $1) }
        self.thetaReference = thetaReference

        // Pairs: two responses from pi_ref without replacement, labelled by Bradley-Terry on r.
        var winners: [Int] = [], losers: [Int] = []
        for prompt in 0..<n {
            let logp = Policy.logProbs(trainFeatures, prompt: prompt, theta: thetaReference, responses: k)
            let first = Self.sample(logp.map(exp), excluding: nil, &random)
            let second = Self.sample(logp.map(exp), excluding: first, &random)
            let (r1, r2) = (trainRewards[prompt * k + first], trainRewards[prompt * k + second])
            var firstWins = random.uniform() < 1 / (1 + exp(r2 - r1))
            if random.uniform() < settings.labelNoise { firstWins.toggle() }
            winners.append(firstWins ? first : second)
            losers.append(firstWins ? second : first)
        }
        self.winners = winners
        self.losers = losers

        var order: [Int] = []
        var permutation = Array(0..<n)
        while order.count < settings.steps * settings.batchSize {
            for i in stride(from: n - 1, to: 0, by: -1) { permutation.swapAt(i, Int(random.next() % UInt64(i + 1))) }
            order += permutation.prefix(n - n % settings.batchSize)  // whole batches per epoch
        }
        batchOrder = Array(order.prefix(settings.steps * settings.batchSize))
        perturbationNoise = (0..<d).map { _ in random.normal(standardDeviation: settings.perturbation) }

        // The quality prompt draws from a stream of its own: an instance without one is unchanged.
        var tilts: [Double] = []
        if let strength = settings.qualityStrength {
            var errors = RandomSource(seed: 0x51A1_17E5_0000_0000 ^ seed)
            tilts = trainRewards.map { strength * ($0 + settings.qualityError * errors.normal()) }
        }
        var qualityChosen: [Double] = [], qualityRejected: [Double] = [], weights: [Double] = [], largest: [Double] = []

        var differences = [Double](repeating: 0, count: n * d)
        var chosen: [Double] = [], rejected: [Double] = []
        for prompt in 0..<n {
            let base = prompt * k * d
            for j in 0..<d {
                differences[prompt * d + j] = trainFeatures[base + winners[prompt] * d + j] - trainFeatures[base + losers[prompt] * d + j]
            }
            let logp = Policy.logProbs(trainFeatures, prompt: prompt, theta: thetaReference, responses: k)
            chosen.append(logp[winners[prompt]])
            rejected.append(logp[losers[prompt]])
            if !tilts.isEmpty {
                let row = Array(tilts[(prompt * k)..<((prompt + 1) * k)])
                let prompted = Policy.tilted(logp, by: row)
                qualityChosen.append(prompted[winners[prompt]])
                qualityRejected.append(prompted[losers[prompt]])
                let top = row.max() ?? 0
                largest.append(top)
                weights += row.map { Foundation.exp($0 - top) }
            }
        }
        differenceFeatures = differences
        referenceChosen = chosen
        referenceRejected = rejected
        qualityTilts = tilts
        qualityWeights = weights
        largestQualityTilts = largest
        referenceQualityChosen = qualityChosen
        referenceQualityRejected = qualityRejected
    }

    /// The starting parameters for a start kind.
    public func initialTheta(_ start: StartKind) -> [Double] {
        start == .exact ? thetaReference : zip(thetaReference, perturbationNoise).map(+)
    }

    static func unit(_ v: [Double]) -> [Double] {
        let norm = v.map { $0 * $0 }.reduce(0, +).squareRoot()
        return v.map { $0 / norm }
    }

    static func sample(_ probabilities: [Double], excluding excluded: Int?, _ random: inout RandomSource) -> Int {
        let total = probabilities.enumerated().filter { $0.offset != excluded }.map(\.element).reduce(0, +)
        var u = random.uniform() * total
        for (i, p) in probabilities.enumerated() where i != excluded {
            u -= p
            if u < 0 { return i }
        }
        return probabilities.indices.last { $0 != excluded } ?? 0
    }
}

/// The log-linear policy class pi_theta(y|x) proportional to exp(theta . phi(x, y)).
public enum Policy {
    /// log pi_theta(k|x) for the K responses of one prompt (stable log-softmax).
    public static func logProbs(_ features: [Double], prompt: Int, theta: [Double], responses k: Int) -> [Double] {
        let d = theta.count
        let scores = (0..<k).map { r in
            var s = 0.0
            let base = (prompt * k + r) * d
            for j in 0..<d { s += features[base + j] * theta[j] }
            return s
        }
        return logSoftmax(scores)
    }

    /// log pi(k | p ⊕ x) from log pi(k | x): the distribution tilted by exp(tilt_k), renormalised.
    public static func tilted(_ logProbs: [Double], by tilts: [Double]) -> [Double] {
        logSoftmax(zip(logProbs, tilts).map(+))
    }

    public static func logSoftmax(_ scores: [Double]) -> [Double] {
        let top = scores.max() ?? 0
        let logZ = top + log(scores.map { exp($0 - top) }.reduce(0, +))
        return scores.map { $0 - logZ }
    }
}
