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
    let labelNoise: Double
    public let referenceReward: Double

    public init(instance: TaskInstance) {
        let s = instance.settings
        prompts = s.heldoutPrompts
        responses = s.responses
        rewards = instance.heldoutRewards
        labelNoise = s.labelNoise
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

    /// R_front(KL): the reward of the frontier policy pi*_b whose KL equals `kl` (bisection on log b,
    /// 100 halvings of [1e-4, 1e4]); R_ref when kl <= 0.
    public func frontierReward(kl: Double) -> Double {
        guard kl > 0 else { return referenceReward }
        var (low, high) = (log(1e-4), log(1e4))
        for _ in 0..<100 {
            let mid = (low + high) / 2
            if frontierPoint(temperature: exp(mid)).kl > kl { low = mid } else { high = mid }
        }
        return frontierPoint(temperature: exp((low + high) / 2)).reward
    }

    /// Reward and KL of pi*_b, without building the policy.
    func frontierPoint(temperature b: Double) -> (reward: Double, kl: Double) {
        var reward = 0.0, kl = 0.0
        for x in 0..<prompts {
            let base = x * responses
            var top = -Double.infinity
            for k in 0..<responses { top = max(top, referenceLogProbs[base + k] + rewards[base + k] / b) }
            var z = 0.0, weightedReward = 0.0
            for k in 0..<responses {
                let e = exp(referenceLogProbs[base + k] + rewards[base + k] / b - top)
                z += e
                weightedReward += e * rewards[base + k]
            }
            let meanReward = weightedReward / z
            // KL(pi*_b || pi_ref) = E[r] / b - log sum_k pi_ref(k) exp(r_k / b).
            reward += meanReward
            kl += meanReward / b - (top + log(z))
        }
        return (reward / Double(prompts), kl / Double(prompts))
    }

    /// Exact ranking accuracy: ordered pairs (k, k') drawn from pi_ref without replacement, labelled by
    /// Bradley-Terry (with the task's label noise); correct when the preferred one scores higher (ties 1/2).
    func rankingAccuracy(scores: [Double]) -> Double {
        var total = 0.0
        for x in 0..<prompts {
            let base = x * responses
            for k in 0..<responses {
                let pk = exp(referenceLogProbs[base + k])
                guard pk < 1 else { continue }
                for j in 0..<responses where j != k {
                    let pair = pk * exp(referenceLogProbs[base + j]) / (1 - pk)
                    var kWins = 1 / (1 + exp(rewards[base + j] - rewards[base + k]))
                    kWins = (1 - labelNoise) * kWins + labelNoise * (1 - kWins)
                    let (sk, sj) = (scores[base + k], scores[base + j])
                    let correct = sk > sj ? kWins : (sk < sj ? 1 - kWins : 0.5)
                    total += pair * correct
                }
            }
        }
        return total / Double(prompts)
    }
}
