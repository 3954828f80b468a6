import Model
import PrefBandit

/// The runs of one evaluation: every beta x seed x start.
public struct EvaluationGrid: Sendable, Hashable, Codable {
    public var betas: [Double]
    public var seeds: [UInt64]
    public var starts: [StartKind]

    public init(betas: [Double], seeds: [UInt64], starts: [StartKind]) {
        (self.betas, self.seeds, self.starts) = (betas, seeds, starts)
    }

    /// The full default grid: the betas of docs/architecture.md §5.1, 8 task seeds, the exact start.
    public static let defaultFull = EvaluationGrid(betas: [0.03, 0.1, 0.3, 1.0], seeds: Array(1...8), starts: [.exact])
    /// The default stage 1: one seed, two betas.
    public static let defaultCheap = EvaluationGrid(betas: [0.1, 1.0], seeds: [1], starts: [.exact])

    /// Every (beta, seed, start) of the grid, seeds outermost so that instances are reused.
    public var runs: [(beta: Double, seed: UInt64, start: StartKind)] {
        seeds.flatMap { seed in betas.flatMap { beta in starts.map { (beta, seed, $0) } } }
    }
}
