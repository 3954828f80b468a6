import Foundation
import LossLanguage

/// The conversation of the DiscoPOP protocol (docs/architecture.md §6): the system prompt, the first user
/// message with the island's examples, and the feedback after each proposal.
public enum DiscoPOPPrompt {
    public static let system = """
        You are a machine learning researcher who is testing out different RLHF loss functions. When you \
        respond, output a JSON object where the first key ("thought") is your thought process when designing \
        the next function (one or two sentences), the second key ("name") is the name of your next function, \
        and the last key ("code") is the exact code of the function you would like to try.

        The function is an offline preference-optimisation loss, like DPO. For a batch of preference pairs it \
        receives four tensors of the same shape: policy_chosen_logps and policy_rejected_logps (the log \
        probabilities of the chosen and rejected responses under the policy being trained) and \
        reference_chosen_logps and reference_rejected_logps (the same under the frozen reference model), plus \
        self.beta, the strength of the pull towards the reference. It must return one loss per pair (a tensor \
        of the batch's shape, not a scalar), which the trainer averages; lower is better for the policy.

        The code is not executed: it is parsed into a small loss language. Use only torch and F \
        (torch.nn.functional) functions on these tensors: arithmetic, comparisons, F.logsigmoid, \
        torch.sigmoid, F.softplus, F.relu, torch.exp, torch.log, torch.tanh, torch.abs, torch.sqrt, \
        torch.clamp, torch.where, torch.minimum, torch.maximum, .mean(), .detach(). No loops, imports, \
        files, attributes of self other than self.beta, or other functions. The same loss may also be written \
        in the compact form, where rho = (pc - pr) - (rc - rr) is the log-ratio difference and beta the \
        strength: DPO is `-logsigmoid(beta * rho)`, IPO is `(rho - 1 / (2 * beta)) ** 2`.

        Here is an example reply (a made-up loss: write your own, do not copy it):
        {"thought": "Add a small squared penalty on the margin to the logistic loss to keep the policy near the reference.", \
        "name": "logistic_with_penalty", "code": "def logistic_with_penalty(self, policy_chosen_logps, policy_rejected_logps, \
        reference_chosen_logps, reference_rejected_logps):\\n    pi_logratios = policy_chosen_logps - policy_rejected_logps\\n    \
        ref_logratios = reference_chosen_logps - reference_rejected_logps\\n    logits = pi_logratios - ref_logratios\\n    \
        losses = -F.logsigmoid(self.beta * logits) + 0.01 * logits ** 2\\n    return losses"}

        You will be given the losses tried so far with their fitness (higher is better: the frontier \
        efficiency of a policy trained with the loss, at most 1). Propose a new loss that scores higher \
        and differs from every loss in the list: a loss already tried teaches nothing. \
        You are deeply familiar with binary classification losses from the literature. Be creative and \
        reference prior literature when possible. Feel free to define extra hyperparameters within your \
        function as constants.
        """

    /// The system prompt when replies are constrained to the compact form (``ProposerConfig/Constraint``):
    /// the same protocol, the code in the loss language whose names the grammar allows. It shows no
    /// example reply: the grammar makes the form, and Gemma 3 270M sent back the example it was shown
    /// (name and code) in most replies of a CI run.
    public static var compactSystem: String {
        let functions = LossGrammar.functions.sorted { $0.key < $1.key }.map { arity, names in
            names.filter { !["fill", "cat", "arange", "size"].contains($0) }.map { "\($0)(" + Array(repeating: "x", count: arity).joined(separator: ", ") + ")" }
        }.flatMap { $0 }
        return """
            You are a machine learning researcher who is testing out different RLHF loss functions. When you \
            respond, output a JSON object where the first key ("thought") is your thought process when designing \
            the next function (one or two sentences), the second key ("name") is the name of your next function, \
            and the last key ("code") is the function written in the loss language below.

            The function is an offline preference-optimisation loss, like DPO: one loss per preference pair, \
            which the trainer averages; lower is better for the policy. The loss language has the per-pair \
            inputs pc and pr (the policy's log-probabilities of the chosen and rejected responses), rc and rr \
            (the same under the frozen reference model), rho = (pc - rc) - (pr - rr), and beta, the strength of \
            the pull towards the reference; numbers; + - * / ** and comparisons (< <= > >= == !=, which give 0 \
            or 1); and the functions \(functions.joined(separator: ", ")). An expression may be preceded by up to \
            three bindings "t1 = ...; t2 = ...;" that later parts can use. DPO is -logsigmoid(beta * rho), IPO is \
            (rho - 1 / (2 * beta)) ** 2, SLiC is relu(1 - beta * rho).

            You will be given the losses tried so far with their fitness (higher is better: the frontier \
            efficiency of a policy trained with the loss, at most 1). Propose a new loss that scores higher \
            and differs from every loss in the list: a loss already tried teaches nothing. \
            You are deeply familiar with binary classification losses from the literature. Be creative and \
            reference prior literature when possible.
            """
    }

    /// What the system prompt adds where the task supplies the quality prompt (seed 004), in the
    /// compact form's names or the PyTorch form's.
    public static func qualityInputs(compact: Bool) -> String {
        let (pc, pr, pca, pra, rca, rra) =
            compact
            ? ("pc", "pr", "pca", "pra", "rca", "rra")
            : (
                "policy_chosen_logps", "policy_rejected_logps", "policy_chosen_quality_logps", "policy_rejected_quality_logps",
                "reference_chosen_quality_logps", "reference_rejected_quality_logps"
            )
        let signature =
            compact
            ? ""
            : " The function then takes these four after the usual four, in this order."
        return """
            \n\nThis task also has a quality prompt p, a text that asks for a good answer: \(pca) and \(pra) are the \
            policy's log-probabilities of the chosen and rejected responses after p, and \(rca) and \(rra) the \
            reference's. They carry no gradient. The difference (\(pca) - \(pc)) - (\(pra) - \(pr)) is the policy's own \
            estimate of how much better the chosen response is: Sr-DPO (Yu et al. 2024) uses it as a per-pair \
            margin, -logsigmoid(beta * rho - 0.5 * beta * detach(pca - pc - pra + pr)).\(signature)
            """
    }

    /// The first user message: the examples as a JSON list of `{"code", "fitness"}`, each with its
    /// `"shape"` in words when `shapes` are given (archive-directed prompts).
    public static func examples(_ examples: [(code: String, fitness: Double)], shapes: [String]? = nil) -> String {
        let list = examples.enumerated().map { index, example in
            var entry: [String: Any] = ["code": example.code, "fitness": (example.fitness * 10_000).rounded() / 10_000]
            if let shapes, index < shapes.count { entry["shape"] = shapes[index] }
            return entry
        }
        let json =
            (try? JSONSerialization.data(withJSONObject: list, options: [.sortedKeys, .withoutEscapingSlashes]))
            .map { String(decoding: $0, as: UTF8.self) } ?? "[]"
        return "Here are some results we've obtained:\n\(json)\n\nPlease generate the next one."
    }

    /// The end of an explore request: the shape of an empty archive cell, in words.
    public static func explore(_ shape: String) -> String {
        "This time, aim for a shape that no loss above has: \(shape). It may score lower; a new shape is worth it."
    }

    /// Ideas that end a request when `hints` is on: parts of the loss language to build with.
    public static let ideas = [
        "torch.tanh", "torch.sigmoid", "torch.exp", "torch.log", "torch.sqrt", "torch.abs", "F.relu", "F.softplus",
        "torch.clamp", "torch.where", "torch.minimum or torch.maximum", "a squared term", "a margin constant",
        "a sum of two different losses", "a temperature that divides the logits",
    ]

    /// The same ideas in the compact form's names.
    public static let compactIdeas = [
        "tanh", "sigmoid", "exp", "log", "sqrt", "abs", "relu", "softplus", "log1p", "where", "min or max",
        "a squared term", "a margin constant", "a sum of two different losses", "a temperature that divides rho",
    ]

    /// The idea appended to a request's last message.
    public static func hint(_ idea: String) -> String { "Use \(idea) in it." }

    /// The feedback on an evaluated proposal.
    public static func fitness(_ fitness: Double) -> String {
        "Fitness: \(String(format: "%.4f", fitness)).\nPlease generate the next one."
    }

    /// The feedback on a proposal that could not be used: the exact error.
    public static func invalid(_ error: String) -> String {
        "Code not valid. Error: \(error)\nPlease generate the next one."
    }

    /// The feedback on a proposal that repeated a loss already tried (with that loss's fitness, once known).
    public static func duplicate(fitness: Double?) -> String {
        "This loss was already tried" + (fitness.map { String(format: " (fitness %.4f)", $0) } ?? "") + ".\nPlease generate the next one."
    }

    /// Why a proposal was a near-duplicate of an elite: kept with the candidate, and its feedback.
    public static func nearDuplicate(of name: String, fitness: Double, distance: Double) -> String {
        "This loss is nearly identical to \(name) (fitness \(String(format: "%.4f", fitness))): its slope differs by "
            + "\(String(format: "%.1f", distance * 100))% at most, which training does not see. Change its shape, not its constants."
    }

    /// The feedback on a proposal whose evaluation was cut off (a restart) and is still running.
    public static let interrupted = "Its evaluation was interrupted and is still running.\nPlease generate the next one."

    /// The feedback on a proposal whose evaluation failed (NaN, divergence, ...).
    public static func failed(_ reason: String) -> String {
        "The loss failed during training: \(reason)\nPlease generate the next one."
    }
}
