import Foundation

/// The metrics of one policy on the held-out prompts, exact by enumerating the K responses.
public struct PolicyScores: Sendable, Hashable, Codable {
    /// Frontier efficiency eta = (R - R_ref) / (R_front(KL) - R_ref).
    public var frontierEfficiency: Double
    /// Expected true reward R.
    public var reward: Double
    /// KL(pi || pi_ref).
    public var kl: Double
    /// P(a response of pi beats one of pi_ref) under Bradley-Terry on the true reward.
    public var winRate: Double
    /// P(the policy ranks the preferred response of a held-out pair higher), pairs drawn from pi_ref.
    public var rankingAccuracy: Double
    /// The same for the idealised policy log pi_ref + r / beta (Chen et al. 2024).
    public var idealRankingAccuracy: Double

    enum CodingKeys: String, CodingKey {
        case frontierEfficiency = "frontier_efficiency", reward, kl, winRate = "win_rate"
        case rankingAccuracy = "ranking_accuracy", idealRankingAccuracy = "ideal_ranking_accuracy"
    }
}

/// Held-out quantities of one task instance, precomputed once and shared by every run on it.
public struct PolicyMetrics: Sendable {
    let prompts: Int
    let responses: Int
    let rewards: [Double]
    /// log pi_ref, [prompt][response].
    public let referenceLogProbs: [Double]
    /// u[x][k] = sum_k' pi_ref(k'|x) sigmoid(r_k - r_k'): the win probability of response k.
    let winAgainstReference: [Double]
    /// For each prompt and ordered pair (k, j), k != j: P(the pair is drawn as (k, j)) times
    /// P(k is labelled preferred), and the same times P(j is preferred). [prompt][k][j].
    let pairPreferFirst: [Double]
    let pairPreferSecond: [Double]
    public let referenceReward: Double

    public init(instance: TaskInstance) {
        let s = instance.settings
        prompts = s.heldoutPrompts
        responses = s.responses
        rewards = instance.heldoutRewards
        var reference: [Double] = []
        for x in 0..<prompts {
            reference += Policy.logProbs(instance.heldoutFeatures, prompt: x, theta: instance.thetaReference, responses: responses)
        }
        referenceLogProbs = reference
        var wins = [Double](repeating: 0, count: prompts * responses)
        for x in 0..<prompts {
            for k in 0..<responses {
                var u = 0.0
                for j in 0..<responses {
                    u += exp(reference[x * responses + j]) / (1 + exp(rewards[x * responses + j] - rewards[x * responses + k]))
                }
                wins[x * responses + k] = u
            }
        }
        winAgainstReference = wins
        var first = [Double](repeating: 0, count: prompts * responses * responses), second = first
        for x in 0..<prompts {
            let base = x * responses
            for k in 0..<responses {
                let pk = exp(reference[base + k])
                guard pk < 1 else { continue }
                for j in 0..<responses where j != k {
                    let pair = pk * exp(reference[base + j]) / (1 - pk)
                    var kWins = 1 / (1 + exp(rewards[base + j] - rewards[base + k]))
                    kWins = (1 - s.labelNoise) * kWins + s.labelNoise * (1 - kWins)
                    first[(base + k) * responses + j] = pair * kWins
                    second[(base + k) * responses + j] = pair * (1 - kWins)
                }
            }
        }
        (pairPreferFirst, pairPreferSecond) = (first, second)
        referenceReward = Self.rewardAndKL(reference, reference: reference, rewards: rewards, responses: responses).reward
    }

    /// Every metric of a policy given by its held-out log-probs [prompt][response].
    public func scores(logProbs: [Double], beta: Double) -> PolicyScores {
        let (reward, kl) = Self.rewardAndKL(logProbs, reference: referenceLogProbs, rewards: rewards, responses: responses)
        let front = frontierReward(kl: kl)
        let gain = front - referenceReward
        var win = 0.0
        for i in 0..<logProbs.count { win += exp(logProbs[i]) * winAgainstReference[i] }
        let ideal = zip(referenceLogProbs, rewards).map { $0 + $1 / beta }
        return PolicyScores(
            frontierEfficiency: abs(gain) < 1e-12 ? 0 : (reward - referenceReward) / gain,
            reward: reward, kl: kl, winRate: win / Double(prompts),
            rankingAccuracy: rankingAccuracy(scores: logProbs), idealRankingAccuracy: rankingAccuracy(scores: ideal))
    }

    /// The ranking accuracy of the reference policy itself.
    public var referenceRankingAccuracy: Double { rankingAccuracy(scores: referenceLogProbs) }

    /// Mean over prompts of E_pi[r] and KL(pi || pi_ref).
    static func rewardAndKL(_ logProbs: [Double], reference: [Double], rewards: [Double], responses: Int) -> (reward: Double, kl: Double) {
        var reward = 0.0, kl = 0.0
        for i in 0..<logProbs.count {
            let p = exp(logProbs[i])
            reward += p * rewards[i]
            if p > 0 { kl += p * (logProbs[i] - reference[i]) }
        }
        let prompts = Double(logProbs.count / responses)
        return (reward / prompts, kl / prompts)
    }

    /// The policy pi*_b proportional to pi_ref exp(r / b), as held-out log-probs.
    public func optimalPolicy(temperature b: Double) -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(prompts * responses)
        for x in 0..<prompts {
            let range = (x * responses)..<((x + 1) * responses)
            result += Policy.logSoftmax(range.map { referenceLogProbs[$0] + rewards[$0] / b })
        }
        return result
    }

    /// R_front(KL): the reward of the frontier policy pi*_b whose KL equals `kl`; R_ref when kl <= 0.
    ///
    /// Solves KL*(t) = kl for t = 1/b in [1e-4, 1e4] (KL* increases with t, dKL*/dt = t Var*(r)) by
    /// Newton steps kept inside a shrinking bracket, falling back to geometric bisection.
    public func frontierReward(kl: Double) -> Double {
        guard kl > 0 else { return referenceReward }
        var (low, high) = (1e-4, 1e4)
        var t = 1.0
        for _ in 0..<200 {
            let point = frontierPoint(inverseTemperature: t)
            let excess = point.kl - kl
            if abs(excess) <= 1e-14 * kl { return point.reward }
            if excess > 0 { high = t } else { low = t }
            var next = t - excess / (t * point.variance)
            if !(next > low && next < high) { next = (low * high).squareRoot() }
            if next == t || high / low < 1 + 1e-15 { return point.reward }
            t = next
        }
        return frontierPoint(inverseTemperature: t).reward
    }

    /// Mean reward, KL and reward variance of pi*_{1/t}, without building the policy.
    func frontierPoint(inverseTemperature t: Double) -> (reward: Double, kl: Double, variance: Double) {
        var reward = 0.0, kl = 0.0, variance = 0.0
        for x in 0..<prompts {
            let base = x * responses
            var top = -Double.infinity
            for k in 0..<responses { top = max(top, referenceLogProbs[base + k] + rewards[base + k] * t) }
            var z = 0.0, first = 0.0, second = 0.0
            for k in 0..<responses {
                let e = exp(referenceLogProbs[base + k] + rewards[base + k] * t - top)
                z += e
                first += e * rewards[base + k]
                second += e * rewards[base + k] * rewards[base + k]
            }
            let mean = first / z
            // KL(pi* || pi_ref) = t E[r] - log sum_k pi_ref(k) exp(t r_k).
            reward += mean
            kl += t * mean - (top + log(z))
            variance += max(second / z - mean * mean, 0)
        }
        let n = Double(prompts)
        return (reward / n, kl / n, variance / n)
    }

    /// Exact ranking accuracy: ordered pairs (k, j) drawn from pi_ref without replacement, labelled by
    /// Bradley-Terry (with the task's label noise); correct when the preferred one scores higher (ties 1/2).
    func rankingAccuracy(scores: [Double]) -> Double {
        var total = 0.0
        for x in 0..<prompts {
            let base = x * responses
            for k in 0..<responses {
                let row = (base + k) * responses
                for j in 0..<responses where j != k {
                    let (sk, sj) = (scores[base + k], scores[base + j])
                    let (a, b) = (pairPreferFirst[row + j], pairPreferSecond[row + j])
                    total += sk > sj ? a : (sk < sj ? b : 0.5 * (a + b))
                }
            }
        }
        return total / Double(prompts)
    }
}
