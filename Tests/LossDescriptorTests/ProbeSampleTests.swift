import LossLanguage
import Testing

@testable import LossDescriptors

/// The descriptor probe's one-sample path for losses whose batch statistics are detached: the same
/// slopes as the full 64-sample evaluation, and the full evaluation wherever it does not apply.
struct ProbeSampleTests {
    /// Losses with detached batch statistics, as bco_pair's descendants write them: a mean over
    /// concatenated vectors, a standard deviation, a nested concatenation, a statistic in a condition.
    static let detached = [
        StandardLosses.named("bco_pair")?.graph.canonicalForm ?? "",
        "w = beta * (pc - rc); l = beta * (pr - rr); d = detach(mean(cat(w, l))); 0.931 * (-logsigmoid(w - d) - logsigmoid(-(l - d))) + 0.279 * exp(-beta * rho)",
        "s = detach(std(rho)); -logsigmoid(beta * rho / (1 + s))",
        "z = cat(cat(pc - rc, pr - rr), rho); d = detach(sum(z)); -logsigmoid(beta * rho - 0.001 * d)",
        "d = detach(mean(rho)); where(rho < d, -logsigmoid(beta * rho), exp(-beta * rho))",
        "d = detach(var(beta * (pc - rc))); sigmoid(rho / 0.05) * exp(-beta * rho) + d * -logsigmoid(beta * rho)",
    ]

    /// Every 10th grid point and the two sides of 0, at every probe beta: value for value.
    @Test(arguments: detached) func oneSampleSlopesEqualTheFullEvaluations(source: String) throws {
        let graph = try LossParser.parse(source).graph
        let probe = DescriptorProbe(graph: graph)
        #expect(probe.path == .probeSample(sideBySide: true), "\(source)")
        let xs = stride(from: 0, to: DescriptorProbe.grid.count, by: 10).map { DescriptorProbe.grid[$0] } + [-1e-6, 1e-6]
        for beta in DescriptorProbe.betas {
            let full = probe.coupledSlopes(xs, beta)
            // Side by side, and one probe point per evaluation (the path of losses that cannot).
            for sideBySide in [true, false] {
                let fast = probe.probeSampleSlopes(xs, beta, sideBySide: sideBySide)
                let differing = zip(xs, zip(fast, full)).filter { $0.1.0 != $0.1.1 }
                let count = differing.count
                #expect(count == 0, "beta \(beta), side by side \(sideBySide), first at x = \(differing.first?.0 ?? 0): \(source)")
            }
        }
    }

    /// A statistic that gradients reach (AQL's mean(rho) inside sigmoid), one that reads another,
    /// and arange keep the full evaluation.
    @Test(arguments: [
        "q = sigmoid(-beta * (rho - (0.5 + 0.01 * (sigmoid(mean(rho)) - 0.5)))); q * -logsigmoid(beta*rho) + (1 - q) * relu(1 - beta*rho)",
        "d = detach(mean(rho - mean(rho))); -logsigmoid(beta * rho - d)",
    ])
    func statisticsThatGradientsReachKeepTheFullEvaluation(source: String) throws {
        #expect(DescriptorProbe(graph: try LossParser.parse(source).graph).path == .fullBatch, "\(source)")
    }
}
