/// A named loss from the literature, in the compact form.
public struct StandardLoss: Sendable, Hashable {
    public let name: String
    /// Where it comes from and any choice made in writing it down.
    public let summary: String
    public let source: String

    /// The parsed graph (standard losses always parse).
    public var graph: LossGraph {
        do { return try LossParser.parse(source, form: .compact).graph } catch {
            preconditionFailure("standard loss \(name) does not parse: \(error)")
        }
    }
}

/// The standard losses: DPO, SLiC, IPO, the exponential loss, LRML, CELL and PADLL (docs/architecture.md §4's table), and every TRL `DPOTrainer` loss type that is a function of one pair.
public enum StandardLosses {
    public static let all: [StandardLoss] = [
        StandardLoss(name: "dpo", summary: "DPO (Rafailov et al. 2023)", source: "-logsigmoid(beta * rho)"),
        StandardLoss(name: "slic", summary: "SLiC hinge (Zhao et al. 2023)", source: "relu(1 - beta * rho)"),
        StandardLoss(name: "ipo", summary: "IPO (Azar et al. 2023)", source: "(rho - 1 / (2 * beta)) ** 2"),
        StandardLoss(name: "exponential", summary: "exponential loss", source: "exp(-beta * rho)"),
        StandardLoss(
            name: "lrml", summary: "LRML / DiscoPOP as the LLM wrote it (Chris Lu et al. 2024)",
            source: "m = sigmoid(rho); (1 - m) * -logsigmoid(beta * rho) + m * exp(-beta * rho)"),
        StandardLoss(
            name: "cell", summary: "CELL: half exponential, half logistic (DiscoPOP paper)",
            source: "0.5 * exp(-beta * rho) + 0.5 * -logsigmoid(beta * rho)"),
        StandardLoss(
            name: "padll", summary: "PADLL: down-weighted logistic below 0 (DiscoPOP paper)",
            source: "0.9 * (1 - 0.5 * (rho < 0)) * -logsigmoid(beta * rho)"),
        StandardLoss(
            name: "cdpo", summary: "conservative DPO: label smoothing 0.1 (Mitchell 2023; TRL sigmoid with label_smoothing 0.1)",
            source: "0.9 * -logsigmoid(beta * rho) + 0.1 * -logsigmoid(-beta * rho)"),
        // TRL DPOTrainer loss types that are functions of one pair.
        StandardLoss(name: "sigmoid", summary: "TRL sigmoid (DPO, label smoothing 0)", source: "-logsigmoid(beta * rho)"),
        StandardLoss(name: "hinge", summary: "TRL hinge", source: "relu(1 - beta * rho)"),
        StandardLoss(name: "trl_ipo", summary: "TRL ipo", source: "(rho - 1 / (2 * beta)) ** 2"),
        StandardLoss(
            name: "exo_pair", summary: "TRL exo_pair, label smoothing 1e-3 (Ji et al. 2024)",
            source: "z = beta * rho; sigmoid(z) * (logsigmoid(z) - log(1 - 0.001)) + sigmoid(-z) * (logsigmoid(-z) - log(0.001))"),
        StandardLoss(
            name: "nca_pair", summary: "TRL nca_pair (Chen et al. 2024)",
            source: "w = beta * (pc - rc); l = beta * (pr - rr); -logsigmoid(w) - 0.5 * logsigmoid(-w) - 0.5 * logsigmoid(-l)"),
        StandardLoss(
            name: "robust", summary: "TRL robust, label smoothing 0.1 (Chowdhury et al. 2024)",
            source: "z = beta * rho; (-logsigmoid(z) * (1 - 0.1) + logsigmoid(-z) * 0.1) / (1 - 2 * 0.1)"),
        StandardLoss(
            name: "bco_pair", summary: "TRL bco_pair; the running reward mean is this batch's, detached",
            source: "w = beta * (pc - rc); l = beta * (pr - rr); delta = detach(mean(cat(w, l))); -logsigmoid(w - delta) - logsigmoid(-(l - delta))"),
        StandardLoss(
            name: "sppo_hard", summary: "TRL sppo_hard (Wu et al. 2024)",
            source: "(pc - rc - 0.5 / beta) ** 2 + (pr - rr + 0.5 / beta) ** 2"),
        StandardLoss(
            name: "apo_zero", summary: "TRL apo_zero (D'Oosterlinck et al. 2024)",
            source: "1 - sigmoid(beta * (pc - rc)) + sigmoid(beta * (pr - rr))"),
        StandardLoss(
            name: "apo_down", summary: "TRL apo_down (D'Oosterlinck et al. 2024)",
            source: "sigmoid(beta * (pc - rc)) + 1 - sigmoid(beta * rho)"),
        StandardLoss(
            name: "discopop", summary: "TRL discopop, tau 0.05 (Chris Lu et al. 2024)",
            source: "z = beta * rho; m = sigmoid(z / 0.05); -logsigmoid(z) * (1 - m) + exp(-z) * m"),
    ]

    /// The standard losses that read the quality-prompted log-probs (seed 004, Yu et al. 2024,
    /// arXiv 2405.21040): Sr-DPO and Sr-IPO, at λ = 0.5. The refinement term
    /// Δ = (pca - pc) - (pra - pr) is how much more the quality prompt p ⊕ x raises the policy's
    /// log-prob of the chosen response than of the rejected one, detached (the policy's own, current
    /// estimate of the pair's quality gap); it shifts the margin rho by λΔ, so a pair the policy
    /// judges clearly better must be separated further. Only tasks that supply the quality prompt
    /// train them, so they are not in ``all`` (every task's) nor among the default seeds.
    public static let qualityPrompted: [StandardLoss] = [
        StandardLoss(
            name: "sr_dpo", summary: "Sr-DPO, self-refined DPO, lambda 0.5 (Yu et al. 2024)",
            source: "delta = detach(pca - pc - pra + pr); -logsigmoid(beta * rho - 0.5 * beta * delta)"),
        StandardLoss(
            name: "sr_ipo", summary: "Sr-IPO, self-refined IPO, lambda 0.5 (Yu et al. 2024)",
            source: "delta = detach(pca - pc - pra + pr); (rho - 0.5 * delta - 1 / (2 * beta)) ** 2"),
    ]

    /// The standard losses once each: the TRL names that spell a loss already listed (sigmoid, hinge,
    /// trl_ipo) are left out, so that reports and seeds do not carry the same function twice.
    public static let distinct: [StandardLoss] = all.filter { !["sigmoid", "hinge", "trl_ipo"].contains($0.name) }

    /// The standard loss with this name, if any (those that read the quality prompt included).
    public static func named(_ name: String) -> StandardLoss? { (all + qualityPrompted).first { $0.name == name } }

    /// DPO, the baseline every comparison is made against.
    public static var dpo: StandardLoss {
        guard let dpo = named("dpo") else { preconditionFailure("the standard losses lost DPO") }
        return dpo
    }
}
