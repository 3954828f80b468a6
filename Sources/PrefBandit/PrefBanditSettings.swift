/// Every size and knob of the prefbandit proxy task (docs/architecture.md §5.1), with the defaults of
/// `configs/tasks/prefbandit.toml`.
public struct PrefBanditSettings: Sendable, Hashable, Codable {
    /// Training prompts, one preference pair each.
    public var pairs = 256
    /// Held-out prompts on which the metrics are computed exactly.
    public var heldoutPrompts = 256
    /// Responses per prompt (K).
    public var responses = 16
    /// Feature dimension (d).
    public var features = 32
    /// |theta_ref|.
    public var referenceScale = 0.35
    /// The component of theta_ref's direction along the reward direction w (the rest is orthogonal).
    public var referenceAlignment = 0.3
    /// Weight of the nonlinear (tanh) part of the true reward, outside the policy class.
    public var rewardNonlinearity = 0.5
    /// Number of tanh units in the nonlinear part.
    public var rewardUnits = 8
    /// Probability that a training label is flipped after Bradley-Terry sampling.
    public var labelNoise = 0.0
    public var steps = 1_000
    public var batchSize = 64
    public var learningRate = 0.01
    /// Standard deviation of the noise added to theta_ref for the perturbed start.
    public var perturbation = 0.2
    /// The quality prompt p ⊕ x (seed 004), or nil for a task without one: the prompted policy is
    /// pi(y | p ⊕ x) ∝ pi(y | x) exp(strength · (r(y) + noise · ε_y)), the policy's own imperfect
    /// knowledge of the true reward r, with ε_y ~ N(0, 1) fixed per response of the instance. It
    /// supplies the inputs pca, pra, rca, rra; Δ = (pca - pc) - (pra - pr) is then
    /// strength · (the pair's noisy true margin), whatever theta.
    public var qualityStrength: Double?
    /// The standard deviation of the quality prompt's error, in units of the true reward (which has
    /// sd 2); nil for the default, 1. Both quality keys are optional, so that a task without a quality
    /// prompt encodes, and hashes, as before they existed.
    public var qualityNoise: Double?

    /// The quality prompt's error in force.
    public var qualityError: Double { qualityNoise ?? 1 }

    /// Whether the task supplies the quality-prompted log-probs.
    public var suppliesQualityInputs: Bool { qualityStrength != nil }

    public init() {}

    /// A short description of what is wrong, or nil when the settings are usable.
    public var problem: String? {
        if pairs < 2 { return "pairs must be at least 2" }
        if heldoutPrompts < 1 { return "heldout_prompts must be at least 1" }
        if responses < 2 { return "responses must be at least 2" }
        if features < 2 { return "features must be at least 2" }
        if !(0...1).contains(referenceAlignment) { return "reference_alignment must be in [0, 1]" }
        if !(0...1).contains(rewardNonlinearity) { return "reward_nonlinearity must be in [0, 1]" }
        if !(0..<0.5).contains(labelNoise) { return "label_noise must be in [0, 0.5)" }
        if steps < 1 || batchSize < 1 { return "steps and batch_size must be positive" }
        if batchSize > pairs { return "batch_size must not exceed pairs" }
        if !(learningRate > 0) { return "learning_rate must be positive" }
        if let qualityStrength, !(qualityStrength > 0 && qualityStrength.isFinite) { return "quality_strength must be positive" }
        if let qualityNoise, !(qualityNoise >= 0 && qualityNoise.isFinite) { return "quality_noise must not be negative" }
        if qualityNoise != nil, qualityStrength == nil { return "quality_noise needs quality_strength (the quality prompt's strength)" }
        return nil
    }
}

/// Where training starts.
public enum StartKind: String, Sendable, Hashable, Codable, CaseIterable {
    /// theta = theta_ref.
    case exact
    /// theta = theta_ref + N(0, perturbation^2) noise.
    case perturbed
}
