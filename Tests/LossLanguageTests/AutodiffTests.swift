import Foundation
import LossLanguage
import Testing

/// Reverse-mode gradients against central finite differences on random batches.
struct AutodiffTests {
    static let coupled = [
        "z = rho / std(rho); -logsigmoid(beta * z)",
        "-logsigmoid(beta * (rho - mean(rho)))",
        "-logsigmoid(beta * rho) + 0.1 * var(pc) + 0.01 * sum(pr)",
        "-logsigmoid(beta * rho) * (1 + arange() / size())",
        "cat(-logsigmoid(beta * (pc - rc)), -logsigmoid(-beta * (pr - rr)))",
        "w = beta * (pc - rc); l = beta * (pr - rr); delta = mean(cat(w, l)); -logsigmoid(w - delta) - logsigmoid(-(l - delta))",
        "q = sigmoid(mean(rho) * beta); q * -logsigmoid(beta * rho) + (1 - q) * relu(1 - beta * rho)",
        "where(rho > mean(rho), exp(-beta * rho), fill(max(beta, 0.01), 1) * softplus(-beta * rho))",
    ]

    /// Finite differences see through detach, autodiff must not: losses with detach are checked apart.
    static let sources = StandardLosses.all.map(\.source).filter { !$0.contains("detach") } + coupled

    @Test(arguments: sources)
    func gradientMatchesFiniteDifferences(source: String) throws {
        let graph = try Support.parse(source)
        let batch = Support.randomBatch(seed: 42, count: 8)
        let evaluator = LossEvaluator(graph: graph, batchSize: 8)
        let beta = 0.1
        let gradient = evaluator.gradient(batch, beta: beta)
        func objective(_ b: LossBatch) -> Double {
            let out = evaluator.evaluate(b, beta: beta)
            return out.reduce(0, +) / Double(out.count)
        }
        for i in 0..<8 {
            for chosen in [true, false] {
                let h = 1e-5
                var plus = batch, minus = batch
                if chosen { plus.pc[i] += h; minus.pc[i] -= h } else { plus.pr[i] += h; minus.pr[i] -= h }
                let numeric = (objective(plus) - objective(minus)) / (2 * h)
                let analytic = chosen ? gradient.pc[i] : gradient.pr[i]
                #expect(abs(numeric - analytic) <= 1e-6 * max(1, abs(numeric)), "\(source): d/d\(chosen ? "pc" : "pr")[\(i)] \(analytic) vs \(numeric)")
            }
        }
    }

    @Test func masksAndDetachStopGradients() throws {
        let batch = Support.randomBatch(seed: 3)
        let masked = LossEvaluator(graph: try Support.parse("(rho > 0) + detach(rho) * 0 + 0 * rho"), batchSize: 10).gradient(batch, beta: 0.1)
        #expect(masked.pc.allSatisfy { $0 == 0 })
        let detached = LossEvaluator(graph: try Support.parse("rho * detach(rho)"), batchSize: 10).gradient(batch, beta: 0.1)
        let rho = (0..<10).map { (batch.pc[$0] - batch.rc[$0]) - (batch.pr[$0] - batch.rr[$0]) }
        #expect(zip(detached.pc, rho).allSatisfy { Support.close($0, $1 / 10) })
        // bco_pair's detached mean: the gradient is that of the same loss with delta held constant.
        let bco = try #require(StandardLosses.named("bco_pair")).graph
        let g = LossEvaluator(graph: bco, batchSize: 10).gradient(batch, beta: 0.1)
        let w = (0..<10).map { 0.1 * (batch.pc[$0] - batch.rc[$0]) }, l = (0..<10).map { 0.1 * (batch.pr[$0] - batch.rr[$0]) }
        let delta = (w + l).reduce(0, +) / 20
        for i in 0..<10 {
            let sigmoid = { (x: Double) in 1 / (1 + Foundation.exp(-x)) }
            #expect(Support.close(g.pc[i], -0.1 * sigmoid(-(w[i] - delta)) / 10, 1e-12))
            #expect(Support.close(g.pr[i], 0.1 * sigmoid(l[i] - delta) / 10, 1e-12))
        }
    }
}
