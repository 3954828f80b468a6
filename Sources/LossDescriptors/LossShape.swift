import LossLanguage

/// A loss's shape as plots show it (the DiscoPOP paper's figure of LRML against DPO): its value
/// l_beta(x) and slope l'_beta(x) over x = beta * rho at several betas, on the descriptor probe's
/// slice (pc = rc + rho/2, pr = rr - rho/2). A loss with a batch statistic is evaluated with the
/// probe's 63 reference samples beside each point, its value the batch's sum.
public struct LossShape: Sendable, Hashable {
    /// One beta's curve: values and slopes at ``LossShape/xs``.
    public struct Curve: Sendable, Hashable {
        public let beta: Double
        public let values: [Double]
        public let slopes: [Double]
    }

    public let xs: [Double]
    public let curves: [Curve]

    /// The default grid: x from -5 to 5 in steps of 0.1.
    public static let grid: [Double] = (0...100).map { -5 + Double($0) * 0.1 }

    public init(of graph: LossGraph, betas: [Double] = [0.1, 0.5, 1.0], xs: [Double] = LossShape.grid) throws(DescriptorError) {
        let probe = DescriptorProbe(graph: graph)
        var curves: [Curve] = []
        for beta in betas {
            let slopes = try probe.slopes(at: xs, beta: beta)
            let values = Self.values(graph, xs, beta)
            if let i = values.firstIndex(where: { !$0.isFinite }) { throw .notFinite(beta: beta, x: xs[i]) }
            curves.append(Curve(beta: beta, values: values, slopes: slopes))
        }
        (self.xs, self.curves) = (xs, curves)
    }

    /// l_beta at each x: per sample when the loss has no batch statistic, else the sum over the
    /// probe's batch with x as its last sample.
    private static func values(_ graph: LossGraph, _ xs: [Double], _ beta: Double) -> [Double] {
        if !graph.couplesSamples {
            let outputs = LossEvaluator(graph: graph, batchSize: xs.count).evaluate(DescriptorProbe.batch(xs, beta: beta), beta: beta)
            if outputs.count == xs.count { return outputs }
        }
        let evaluator = LossEvaluator(graph: graph, batchSize: DescriptorProbe.referenceX.count + 1)
        return xs.map { x in
            evaluator.evaluate(DescriptorProbe.batch(DescriptorProbe.referenceX + [x], beta: beta), beta: beta).reduce(0, +)
        }
    }
}
