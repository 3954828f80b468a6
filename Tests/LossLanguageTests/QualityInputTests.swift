import Foundation
import LossLanguage
import Testing

/// The quality-prompted inputs pca, pra, rca, rra (seed 004): both source forms read them, a loss
/// without them is unchanged, and Sr-DPO and Sr-IPO compute what the paper's objectives say.
struct QualityInputTests {
    /// The fingerprints of the shipped losses before the quality-prompted inputs existed (the landed
    /// main's `evoctl loss describe losses/NAME.loss`): a loss that does not read them keeps its identity.
    static let fingerprintsBefore: [String: String] = [
        "dpo": "3867a071747aeacb99902d5798770daa", "ipo": "64382218d3d1c7a48c7814e6025851f7",
        "robust": "9641e7d29da40e3f94c131786596da8d", "bco_pair": "adfc4c98907332ec3f387aba4ca96268",
        "nca_pair": "15b677482d4cebd315ed7a29bde6e831", "sppo_hard": "686789e1cc0c9f8b6436b3605629c7cf",
        "discopop": "a9ef0574445396d9357efb35d35e2fe9", "apo_down": "4bf2783c8f618519f95cf32ea396e3da",
    ]

    @Test(arguments: fingerprintsBefore.keys.sorted())
    func aLossWithoutThemKeepsItsFingerprint(name: String) throws {
        let loss = try #require(StandardLosses.named(name))
        #expect(loss.graph.fingerprint.hex == Self.fingerprintsBefore[name])
        #expect(!loss.graph.readsQualityInputs)
    }

    @Test func bothFormsReadThemAndAgree() throws {
        let compact = try Support.parse("delta = detach((pca - pc) - (pra - pr)); -logsigmoid(beta * (rho - 0.5 * delta)) + 0 * rca * rra")
        let aliases = try Support.parse(
            "delta = detach((policy_chosen_quality_logps - pc) - (policy_rejected_quality_logps - pr)); "
                + "-logsigmoid(beta * (rho - 0.5 * delta)) + 0 * reference_chosen_quality_logps * reference_rejected_quality_logps")
        let pytorch = try LossParser.parse(
            """
            def sr_dpo(self, policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps,
                       policy_chosen_quality_logps, policy_rejected_quality_logps, reference_chosen_quality_logps,
                       reference_rejected_quality_logps, beta=0.1):
                delta = ((policy_chosen_quality_logps - policy_chosen_logps) - (policy_rejected_quality_logps - policy_rejected_logps)).detach()
                logits = (policy_chosen_logps - policy_rejected_logps) - (reference_chosen_logps - reference_rejected_logps)
                return -F.logsigmoid(beta * (logits - 0.5 * delta)) + 0 * reference_chosen_quality_logps * reference_rejected_quality_logps
            """
        ).graph
        #expect(compact == aliases)
        #expect(compact == pytorch)
        #expect(compact.qualityInputs == [.pca, .pra, .rca, .rra])
        // A PyTorch function takes them by position, after the plain four, whatever their names.
        let renamed = try LossParser.parse(
            """
            def f(self, a, b, c, d, qa, qb, qc, qd):
                return -F.logsigmoid(self.beta * ((a - c) - (b - d) - 0.5 * ((qa - a) - (qb - b)).detach()))
            """
        ).graph
        #expect(renamed.fingerprint == StandardLosses.named("sr_dpo")?.graph.fingerprint)
    }

    @Test func theyCarryNoGradient() throws {
        // pca alone trains nothing: the validator says so.
        #expect(throws: LossError.self) { try LossValidator.validate(try Support.parse("-logsigmoid(beta * (pca - pra))")) }
        let graph = try Support.parse("-logsigmoid(beta * (rho + pca - pra))")
        try LossValidator.validate(graph)
        let batch = Self.batch(seed: 3)
        let moved = LossEvaluator(graph: graph, batchSize: batch.count).gradient(batch, beta: 0.1)
        var shifted = batch
        shifted.quality?.pca = batch.quality!.pca.map { $0 + 1 }
        let again = LossEvaluator(graph: graph, batchSize: batch.count).gradient(shifted, beta: 0.1)
        #expect(moved.objective != again.objective)  // the value reads pca...
        #expect(moved.pc.count == again.pc.count)  // ...and the gradient is d/d pc and d/d pr only
    }

    /// Sr-DPO and Sr-IPO against the paper's objectives written out by hand: value and gradient.
    @Test func srDPOAndSrIPOMatchAHandComputation() throws {
        let sr = try #require(StandardLosses.named("sr_dpo")).graph
        let srIPO = try #require(StandardLosses.named("sr_ipo")).graph
        let batch = Self.batch(seed: 7)
        let (beta, lambda, n) = (0.1, 0.5, Double(batch.count))
        let q = try #require(batch.quality)
        let dpo = LossEvaluator(graph: sr, batchSize: batch.count).gradient(batch, beta: beta)
        let ipo = LossEvaluator(graph: srIPO, batchSize: batch.count).gradient(batch, beta: beta)
        var checked = 0
        for i in 0..<batch.count {
            let rho = (batch.pc[i] - batch.rc[i]) - (batch.pr[i] - batch.rr[i])
            let delta = (q.pca[i] - batch.pc[i]) - (q.pra[i] - batch.pr[i])
            let z = beta * (rho - lambda * delta)
            // -log sigma(z); d/d pc = -beta sigma(-z) / N (delta is detached), d/d pr the opposite.
            #expect(Support.close(dpo.output[i], log1p(exp(-z))))
            #expect(Support.close(dpo.pc[i], -beta / (1 + exp(z)) / n))
            #expect(Support.close(dpo.pr[i], beta / (1 + exp(z)) / n))
            // (rho - lambda delta - 1 / (2 beta))^2; d/d pc = 2 (...) / N.
            let residual = rho - lambda * delta - 1 / (2 * beta)
            #expect(Support.close(ipo.output[i], residual * residual))
            #expect(Support.close(ipo.pc[i], 2 * residual / n))
            #expect(Support.close(ipo.pr[i], -2 * residual / n))
            checked += 1
        }
        #expect(checked == 10)
        // A hand-worked point: pc - rc = 1, pr - rr = -1 (rho = 2), delta = 3 - 1 = 2, beta 0.1:
        // z = 0.1 (2 - 1) = 0.1, loss = log(1 + e^-0.1) = 0.644397; IPO: (2 - 1 - 5)^2 = 16.
        let point = LossBatch(pc: [-9], pr: [-11], rc: [-10], rr: [-10], quality: QualityLogProbs(pca: [-6], pra: [-10], rca: [0], rra: [0]))
        #expect(Support.close(LossEvaluator(graph: sr, batchSize: 1).evaluate(point, beta: 0.1)[0], 0.644396660073571, 1e-12))
        #expect(Support.close(LossEvaluator(graph: srIPO, batchSize: 1).evaluate(point, beta: 0.1)[0], 16, 1e-12))
    }

    @Test func srDPODiffersFromDPOButSharesItsShape() throws {
        let sr = try #require(StandardLosses.named("sr_dpo")).graph
        #expect(sr.fingerprint != StandardLosses.dpo.graph.fingerprint)
        // With lambda 0 the refinement is gone: the same function as DPO up to the 0 * detach(...) term.
        let zero = try Support.parse("delta = detach(pca - pc - pra + pr); -logsigmoid(beta * rho - 0 * beta * delta)")
        #expect(zero.fingerprint == StandardLosses.dpo.graph.fingerprint)
    }

    @Test func exportsNameThemEverywhere() throws {
        let sr = try #require(StandardLosses.named("sr_dpo")).graph
        let pytorch = sr.export(.pytorch, name: "sr_dpo")
        for name in ["policy_chosen_quality_logps", "policy_rejected_quality_logps", "reference_chosen_quality_logps", "reference_rejected_quality_logps"] {
            #expect(pytorch.contains("    \(name): torch.FloatTensor,"))
        }
        #expect(!StandardLosses.dpo.graph.export(.pytorch).contains("quality"))
        let trl = sr.export(.trl, name: "sr_dpo")
        #expect(trl.contains("EVOD_POLICY_QUALITY = True"))
        #expect(trl.contains("EVOD_REFERENCE_QUALITY = False"))
        #expect(StandardLosses.dpo.graph.export(.trl).contains("EVOD_POLICY_QUALITY = False"))
        #expect(sr.export(.latex).contains("\\log\\pi_\\theta(y_w \\mid p \\oplus x)"))
        // The exported PyTorch form parses back to the same loss.
        #expect(try LossParser.parse(pytorch).graph == sr)
    }

    @Test func theGrammarOffersThemOnlyWhereAsked() throws {
        let sr = try #require(StandardLosses.named("sr_dpo")).graph.promptForm
        #expect(LossGrammar.grammar(LossGrammar.Limits(qualityInputs: true)).matches(sr))
        #expect(!LossGrammar.grammar().matches(sr))
        #expect(LossGrammar.grammar().matches(StandardLosses.dpo.graph.promptForm))
    }

    /// A random batch with quality-prompted log-probs.
    static func batch(seed: UInt64) -> LossBatch {
        RandomSource.batchesWithQuality(1, count: 10, seed: seed, qualitySeed: seed ^ 0xABCD)[0]
    }
}
