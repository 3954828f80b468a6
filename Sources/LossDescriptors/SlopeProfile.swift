import LossLanguage

/// A loss's normalised slope profile: l'_beta(x) / max |l'_beta| on a coarse grid of x = beta * rho
/// in [-5, 5] at betas 0.05, 0.1 and 0.5 (the descriptor probe's slice). Two losses with the same
/// profile differ by a positive factor and a constant, which Adam's scale-invariant steps do not
/// see: the cheap test of a "trivial rescaling or constant tweak" before any training.
public struct SlopeProfile: Sendable, Hashable {
    static let grid: [Double] = (0..<200).map { -5 + (Double($0) + 0.5) * 0.05 }
    static let betas = [0.05, 0.1, 0.5]

    public let values: [Double]

    public init(of graph: LossGraph) throws(DescriptorError) {
        let probe = DescriptorProbe(graph: graph)
        var values: [Double] = []
        for beta in Self.betas {
            let slopes = try probe.slopes(at: Self.grid, beta: beta)
            let scale = slopes.map(abs).max() ?? 0
            values += scale > 0 ? slopes.map { $0 / scale } : slopes.map { _ in 0 }
        }
        self.values = values
    }

    /// The mean absolute difference of two profiles (0: the same shape; at most 2).
    public func distance(to other: SlopeProfile) -> Double {
        zip(values, other.values).map { abs($0 - $1) }.reduce(0, +) / Double(max(values.count, 1))
    }
}
