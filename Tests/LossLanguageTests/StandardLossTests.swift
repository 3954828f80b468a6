import Foundation
import LossLanguage
import Testing

/// Every standard loss against an independent closed form (written here from the papers and TRL's
/// code, not from the compact sources), at several points.
struct StandardLossTests {
    static func sig(_ x: Double) -> Double { 1 / (1 + exp(-x)) }
    static func logsig(_ x: Double) -> Double { -log1p(exp(-x)) }

    /// (pc, pr, rc, rr, beta) -> per-sample loss.
    static let closedForms: [String: @Sendable (Double, Double, Double, Double, Double) -> Double] = [
        "dpo": { pc, pr, rc, rr, b in -logsig(b * ((pc - pr) - (rc - rr))) },
        "sigmoid": { pc, pr, rc, rr, b in log1p(exp(-b * ((pc - pr) - (rc - rr)))) },
        "slic": { pc, pr, rc, rr, b in max(0, 1 - b * ((pc - pr) - (rc - rr))) },
        "hinge": { pc, pr, rc, rr, b in max(0, 1 - b * ((pc - pr) - (rc - rr))) },
        "ipo": { pc, pr, rc, rr, b in pow((pc - pr) - (rc - rr) - 1 / (2 * b), 2) },
        "trl_ipo": { pc, pr, rc, rr, b in pow((pc - pr) - (rc - rr) - 1 / (2 * b), 2) },
        "exponential": { pc, pr, rc, rr, b in exp(-b * ((pc - pr) - (rc - rr))) },
        "lrml": { pc, pr, rc, rr, b in
            let r = (pc - pr) - (rc - rr)
            return (1 - sig(r)) * -logsig(b * r) + sig(r) * exp(-b * r)
        },
        "cell": { pc, pr, rc, rr, b in
            let r = (pc - pr) - (rc - rr); return 0.5 * exp(-b * r) - 0.5 * logsig(b * r)
        },
        "cdpo": { pc, pr, rc, rr, b in
            let z = b * ((pc - pr) - (rc - rr)); return -0.9 * logsig(z) - 0.1 * logsig(-z)
        },
        "padll": { pc, pr, rc, rr, b in
            let r = (pc - pr) - (rc - rr); return 0.9 * (r < 0 ? 0.5 : 1) * -logsig(b * r)
        },
        "exo_pair": { pc, pr, rc, rr, b in
            let z = b * ((pc - pr) - (rc - rr)), eps = 1e-3
            return sig(z) * (logsig(z) - log(1 - eps)) + sig(-z) * (logsig(-z) - log(eps))
        },
        "nca_pair": { pc, pr, rc, rr, b in
            let w = (pc - rc) * b, l = (pr - rr) * b
            return -logsig(w) - 0.5 * logsig(-w) - 0.5 * logsig(-l)
        },
        "robust": { pc, pr, rc, rr, b in
            let z = b * ((pc - pr) - (rc - rr)), ls = 0.1
            return (-logsig(z) * (1 - ls) + logsig(-z) * ls) / (1 - 2 * ls)
        },
        "sppo_hard": { pc, pr, rc, rr, b in pow(pc - rc - 0.5 / b, 2) + pow(pr - rr + 0.5 / b, 2) },
        "apo_zero": { pc, pr, rc, rr, b in (1 - sig(b * (pc - rc))) + sig(b * (pr - rr)) },
        "apo_down": { pc, pr, rc, rr, b in sig(b * (pc - rc)) + (1 - sig(b * ((pc - rc) - (pr - rr)))) },
        "discopop": { pc, pr, rc, rr, b in
            let z = b * ((pc - pr) - (rc - rr)), m = sig(z / 0.05)
            return -logsig(z) * (1 - m) + exp(-z) * m
        },
    ]

    @Test(arguments: StandardLosses.all.map(\.name).filter { $0 != "bco_pair" })
    func matchesClosedForm(name: String) throws {
        let loss = try #require(StandardLosses.named(name))
        let f = try #require(Self.closedForms[name], "no closed form for \(name)")
        for (seed, beta) in [(UInt64(1), 0.05), (2, 0.1), (3, 0.5), (4, 1.0)] {
            var random = RandomSource(seed: seed)
            let batch = random.logProbBatch(count: 6, mean: -30, standardDeviation: 3)
            let out = LossEvaluator(graph: loss.graph, batchSize: 6).evaluate(batch, beta: beta)
            for i in 0..<6 {
                let expected = f(batch.pc[i], batch.pr[i], batch.rc[i], batch.rr[i], beta)
                #expect(Support.close(out[i], expected, 1e-10), "\(name) at beta \(beta), sample \(i): \(out[i]) vs \(expected)")
            }
        }
    }

    /// bco_pair couples the batch through the (detached) mean reward: checked as a whole batch.
    @Test func bcoPairMatchesClosedForm() throws {
        let batch = Support.randomBatch(seed: 9, count: 6)
        let beta = 0.1
        let out = LossEvaluator(graph: try #require(StandardLosses.named("bco_pair")).graph, batchSize: 6).evaluate(batch, beta: beta)
        let w = (0..<6).map { beta * (batch.pc[$0] - batch.rc[$0]) }, l = (0..<6).map { beta * (batch.pr[$0] - batch.rr[$0]) }
        let delta = (w + l).reduce(0, +) / 12
        for i in 0..<6 {
            #expect(Support.close(out[i], -Self.logsig(w[i] - delta) - Self.logsig(-(l[i] - delta)), 1e-10))
        }
    }

    @Test func everyStandardLossPassesValidation() throws {
        for loss in StandardLosses.all { try LossValidator.validate(loss.graph) }
        #expect(Set(StandardLosses.all.map(\.name)).count == StandardLosses.all.count)
    }
}
