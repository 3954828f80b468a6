/// Stage-0 validation (docs/architecture.md §3): on random batches the loss has per-sample shape, is finite,
/// has finite gradients, and depends on the policy log-probs. Milliseconds; deterministic.
public enum LossValidator {
    public static let beta = 0.05
    public static let batchSize = 10
    /// Batches tried; the dependence check passes if any of them has a non-zero gradient.
    /// Each has quality-prompted log-probs too (the plain ones shifted by N(0, 3), from a stream of
    /// their own), which only a loss that reads them sees.
    static let batches = RandomSource.batchesWithQuality(3, count: batchSize, seed: 0x5EED_0001, qualitySeed: 0x5EED_0004)

    /// Parses and validates a source in one step.
    public static func parseAndValidate(_ source: String, form: SourceForm? = nil) throws(LossError) -> ParsedLoss {
        let parsed = try LossParser.parse(source, form: form)
        try validate(parsed.graph)
        return parsed
    }

    /// Throws the first check the graph fails, with a one-line message fit to show an LLM.
    public static func validate(_ graph: LossGraph) throws(LossError) {
        guard graph.outputShape.isVector else {
            throw .shape("Expected loss shape to be per input (e.g. (\(batchSize),)), got torch.Size([])", line: nil)
        }
        guard graph.nodes.count <= GraphBuilder.nodeLimit else {
            throw .tooLarge("The loss is too large: \(graph.nodes.count) operations (the limit is \(GraphBuilder.nodeLimit))")
        }
        guard graph.carriesGradient[graph.root] else {
            throw .numerical("The loss does not depend on the policy log-probs (policy_chosen_logps, policy_rejected_logps)")
        }
        let evaluator = LossEvaluator(graph: graph, batchSize: batchSize)
        var moves = false
        for batch in batches {
            let result = evaluator.gradient(batch, beta: beta)
            if let i = result.output.firstIndex(where: { !$0.isFinite }) {
                throw .numerical("The loss is not finite on a random batch (beta = \(beta), log-probs ~ N(-50, 10)): output[\(i)] = \(result.output[i])")
            }
            for (name, gradient) in [("policy_chosen_logps", result.pc), ("policy_rejected_logps", result.pr)] {
                if let i = gradient.firstIndex(where: { !$0.isFinite }) {
                    throw .numerical("The gradient with respect to \(name) is not finite on a random batch: sample \(i) gives \(gradient[i])")
                }
            }
            moves = moves || result.pc.contains { $0 != 0 } || result.pr.contains { $0 != 0 }
        }
        guard moves else {
            throw .numerical("The loss does not depend on the policy log-probs: its gradient is zero on random batches")
        }
    }
}
