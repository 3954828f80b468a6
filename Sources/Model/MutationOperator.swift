/// The operators of the built-in proposer (docs/architecture.md §6), all on the loss IR.
public enum MutationOperator: String, Sendable, Hashable, Codable, CaseIterable {
    /// Multiply one constant by exp(N(0, 0.3)).
    case constant
    /// Swap a function for another of its family; logsigmoid (the logistic loss) for the exponential,
    /// hinge or square shapes.
    case swap
    /// Replace a subtree of one parent by a subtree of the other.
    case crossover
    /// (1 - m) A + m B with m = sigmoid(rho / tau).
    case blend
    /// where(rho < 0, A, B): the DiscoPOP indicator pattern.
    case indicator
    /// w A + (1 - w) B with a constant w.
    case mix
    /// rho -> rho - c / beta (a margin).
    case margin
    /// rho -> rho / t (a temperature).
    case temperature
    /// rho -> (1 + c)(pc - rc) - (1 - c)(pr - rr): the chosen and rejected log-ratios weighted apart
    /// (the losses that win in noisy regimes, nca_pair and sppo_hard, read them separately).
    case split
    /// A + w * -logsigmoid(beta (pc - rc)), or + w * -logsigmoid(-beta (pr - rr)): a term that
    /// anchors one side of the pair on its own (nca_pair's pattern).
    case anchor
    /// (1 - e) A(rho) + e A(-rho): label smoothing of any loss (robust and conservative DPO's pattern).
    case mirror
    /// rho -> rho - λ Δ with Δ = detach((pca - pc) - (pra - pr)), λ in {0.25, 0.5, 1}: Sr-DPO's
    /// self-refinement of any loss (seed 004). Drawn only where the task supplies the quality prompt.
    case refine

    /// Whether the operator writes the quality-prompted log-probs into the child.
    public var needsQualityInputs: Bool { self == .refine }

    /// Operators that need two parents.
    public var needsTwoParents: Bool { [.crossover, .blend, .indicator, .mix].contains(self) }
}
