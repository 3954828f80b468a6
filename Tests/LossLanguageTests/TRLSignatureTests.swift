import LossLanguage
import Testing

/// The PyTorch-form signatures users write for TRL 1.x: log-ratios or the margin instead of the four
/// log-probs, and `beta` as a parameter instead of `self.beta`. Each reads as the same loss.
struct TRLSignatureTests {
    static let dpo = try! LossParser.parse("-logsigmoid(beta * rho)").graph

    @Test(arguments: [
        // TRL 0.x / DiscoPOP: four log-probs and self.beta.
        """
        def dpo(self, policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps):
            logits = (policy_chosen_logps - reference_chosen_logps) - (policy_rejected_logps - reference_rejected_logps)
            return -F.logsigmoid(self.beta * logits)
        """,
        // Four log-probs with beta as a parameter (with a default), TRL 1.x names.
        """
        def dpo(chosen_logps, rejected_logps, ref_chosen_logps, ref_rejected_logps, beta: float = 0.1):
            chosen_logratios = chosen_logps - ref_chosen_logps
            rejected_logratios = rejected_logps - ref_rejected_logps
            return -F.logsigmoid(beta * (chosen_logratios - rejected_logratios))
        """,
        // The two log-ratios TRL 1.x's _compute_loss works with.
        """
        def dpo(chosen_logratios, rejected_logratios, beta):
            delta_score = chosen_logratios - rejected_logratios
            return -F.logsigmoid(beta * delta_score)
        """,
        // The margin alone (TRL 1.x's delta_score), beta first.
        """
        def dpo(beta, delta_score):
            return -torch.nn.functional.logsigmoid(beta * delta_score)
        """,
    ])
    func everyTRLSignatureReadsAsDPO(_ source: String) throws {
        let parsed = try LossParser.parse(source)
        #expect(parsed.form == .pytorch)
        #expect(parsed.graph.fingerprint == Self.dpo.fingerprint, "\(parsed.graph.canonicalForm)")
    }

    @Test func logRatioParametersAreChosenMinusReference() throws {
        let source = """
            def odd(chosen_logratios, rejected_logratios, beta):
                return chosen_logratios * 0 + rejected_logratios
            """
        let graph = try LossParser.parse(source).graph
        #expect(graph.fingerprint == (try LossParser.parse("pr - rr").graph).fingerprint, "\(graph.canonicalForm)")
    }

    @Test func threeTensorParametersAreRefusedWithTheAcceptedSignatures() {
        #expect {
            try LossParser.parse("def f(a, b, c, beta):\n    return a + b + c\n")
        } throws: { error in
            let message = "\(error)"
            return message.contains("(chosen_logratios, rejected_logratios)") && message.contains("got 3 tensor parameters")
        }
    }
}
