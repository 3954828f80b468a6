/// The inputs of a loss: per-sample log-probabilities and the derived log-ratio difference.
///
/// The last four are the log-probabilities of the same responses under the quality prompt p ⊕ x
/// (seed 004, Sr-DPO): only tasks that supply them can train a loss that reads them, and they are
/// read without gradient (the policy's are computed under `torch.no_grad()`, as the refinement
/// term Δ of Sr-DPO is), so a loss still trains through pc, pr or rho. New cases go at the end:
/// an input's position orders commutative operands, so moving one would change canonical forms.
public enum LossInput: String, CaseIterable, Sendable, Hashable {
    /// log pi(y_w | x), `policy_chosen_logps`.
    case pc
    /// log pi(y_l | x), `policy_rejected_logps`.
    case pr
    /// log pi_ref(y_w | x), `reference_chosen_logps`.
    case rc
    /// log pi_ref(y_l | x), `reference_rejected_logps`.
    case rr
    /// rho = (pc - rc) - (pr - rr).
    case rho
    /// log pi(y_w | p ⊕ x), `policy_chosen_quality_logps`: the policy's, under the quality prompt, without gradient.
    case pca
    /// log pi(y_l | p ⊕ x), `policy_rejected_quality_logps`.
    case pra
    /// log pi_ref(y_w | p ⊕ x), `reference_chosen_quality_logps`.
    case rca
    /// log pi_ref(y_l | p ⊕ x), `reference_rejected_quality_logps`.
    case rra

    /// The inputs every task supplies.
    public static let plain: [LossInput] = [.pc, .pr, .rc, .rr, .rho]
    /// The quality-prompted log-probabilities, in the PyTorch form's parameter order after the plain four.
    public static let qualityPrompted: [LossInput] = [.pca, .pra, .rca, .rra]

    /// Whether this is a log-probability under the quality prompt.
    public var isQualityPrompted: Bool { Self.qualityPrompted.contains(self) }

    /// The PyTorch argument name (DiscoPOP signature, and its quality-prompted extension), or `logits` for rho.
    public var pytorchName: String {
        switch self {
        case .pc: "policy_chosen_logps"
        case .pr: "policy_rejected_logps"
        case .rc: "reference_chosen_logps"
        case .rr: "reference_rejected_logps"
        case .rho: "logits"
        case .pca: "policy_chosen_quality_logps"
        case .pra: "policy_rejected_quality_logps"
        case .rca: "reference_chosen_quality_logps"
        case .rra: "reference_rejected_quality_logps"
        }
    }
}

/// Elementwise functions of one argument.
public enum UnaryFunction: String, CaseIterable, Sendable, Hashable {
    case neg, exp, expm1, log, log1p, sigmoid, logsigmoid, softplus, tanh, relu, abs, sqrt, square
}

/// Elementwise functions of two arguments (broadcasting a scalar against a vector).
public enum BinaryFunction: String, CaseIterable, Sendable, Hashable {
    case add, sub, mul, div, pow, min, max

    /// Whether the operands can be swapped; such operands are kept in canonical order.
    public var isCommutative: Bool {
        switch self {
        case .add, .mul, .min, .max: true
        case .sub, .div, .pow: false
        }
    }
}

/// Comparisons, giving 1 where true and 0 where false, with zero gradient.
public enum Comparison: String, CaseIterable, Sendable, Hashable {
    case lt, le, gt, ge, eq, ne

    public var symbol: String {
        switch self {
        case .lt: "<"
        case .le: "<="
        case .gt: ">"
        case .ge: ">="
        case .eq: "=="
        case .ne: "!="
        }
    }

    /// The comparison with its operands swapped: `a < b` is `b > a`.
    public var swapped: Comparison {
        switch self {
        case .lt: .gt
        case .le: .ge
        case .gt: .lt
        case .ge: .le
        case .eq: .eq
        case .ne: .ne
        }
    }
}

/// Batch reductions to a scalar. `variance` and `std` are unbiased, as in torch.
public enum Reduction: String, CaseIterable, Sendable, Hashable {
    case mean, sum, variance = "var", std
}

/// One operation of the loss IR.
public enum Op: Hashable, Sendable {
    /// A per-sample input vector.
    case input(LossInput)
    /// The scalar beta.
    case beta
    /// The batch size N as a scalar (`x.size(0)`); zero gradient.
    case batchSize
    /// The vector 0, 1, ..., N-1 (`torch.arange(N)`); zero gradient.
    case index
    /// A scalar constant. Never NaN or infinite; -0 is stored as 0.
    case constant(Double)
    /// A vector of k·N copies of its scalar argument (`torch.full_like`).
    case fill(Int)
    case unary(UnaryFunction)
    case binary(BinaryFunction)
    case compare(Comparison)
    /// `where(condition, a, b)`: a where the condition is non-zero, else b.
    case select
    case reduce(Reduction)
    /// Concatenation of two vectors along the batch (`torch.cat((a, b), 0)`).
    case concat
    /// Its argument, with the gradient stopped.
    case detach

    /// Number of arguments the operation takes.
    public var arity: Int {
        switch self {
        case .input, .beta, .batchSize, .index, .constant: 0
        case .fill, .unary, .reduce, .detach: 1
        case .binary, .compare, .concat: 2
        case .select: 3
        }
    }

    /// Whether the operation has no arguments.
    public var isLeaf: Bool { arity == 0 }
}
