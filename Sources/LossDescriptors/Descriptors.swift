import LossLanguage
import Model

/// Why descriptors could not be computed.
public enum DescriptorError: Error, Equatable, Sendable, CustomStringConvertible {
    /// The loss's slope is NaN or infinite somewhere on the probe grid.
    case notFinite(beta: Double, x: Double)

    public var description: String {
        switch self {
        case let .notFinite(beta, x):
            "descriptors are undefined: the loss's slope is not finite at x = beta * rho = \(x) (beta = \(beta))"
        }
    }
}

extension Descriptors {
    /// The descriptors of a loss.
    public init(of graph: LossGraph) throws(DescriptorError) {
        let probe = DescriptorProbe(graph: graph)
        let grid = DescriptorProbe.grid
        // The slope profile at every beta of the probe (0.05 is also the convexity's beta).
        var profilesByBeta: [[Double]] = []
        for beta in DescriptorProbe.betas { profilesByBeta.append(try probe.slopes(at: grid, beta: beta)) }
        let slope = profilesByBeta[DescriptorProbe.betas.firstIndex(of: 0.05) ?? 1]

        var positive = 0.0, negative = 0.0
        for i in 1..<slope.count {
            let d = slope[i] - slope[i - 1]
            if d > 0 { positive += d } else { negative -= d }
        }
        let scale = slope.map(abs).max() ?? 0
        let convexity = positive + negative <= 1e-12 * scale ? 1 : (positive - negative) / (positive + negative)

        let central = zip(grid, slope).filter { abs($0.0) <= 2 }.map { abs($0.1) }.max() ?? 0
        let atZero = try probe.slopes(at: [-1e-6, 1e-6], beta: 0.05)
        // The slope at 0 can exceed the grid's largest by a hair (0 is not a grid point): clamp to the range.
        let grad0 = central > 0 ? min(1, max(-1, (atZero[0] + atZero[1]) / 2 / central)) : 0

        var profiles: [[Double]] = []
        for s in profilesByBeta {
            let m = s.map(abs).max() ?? 0
            profiles.append(m > 0 ? s.map { $0 / m } : s.map { _ in 0 })
        }
        var total = 0.0
        for i in 0..<(profiles.count - 1) {
            total += zip(profiles[i], profiles[i + 1]).map { abs($0 - $1) }.reduce(0, +) / Double(grid.count) / 2
        }
        self.init(convexity: convexity, grad0: grad0, betaSensitivity: total / Double(profiles.count - 1))
    }
}
