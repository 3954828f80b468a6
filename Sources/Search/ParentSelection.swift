import LossLanguage

/// How parents and in-context examples are picked from the archive (docs/architecture.md §6).
public enum SelectionStrategy: String, Sendable, Hashable, Codable, CaseIterable {
    /// Uniformly over filled cells.
    case uniform
    /// Proportionally to fitness above the worst elite (plus a small floor, so every elite can be picked).
    case fitnessProportional = "fitness-proportional"
    /// Proportionally to how often a cell's children entered the archive (Laplace-smoothed), so that
    /// productive regions are explored more.
    case curiosity
}

/// Per-cell counts of children proposed from a cell's elite and of those that entered the archive.
public struct CuriosityCounts: Sendable, Hashable, Codable {
    public private(set) var proposed: [Int: Int] = [:]
    public private(set) var added: [Int: Int] = [:]

    public init() {}

    public mutating func record(parentCell: Int, childAdded: Bool) {
        proposed[parentCell, default: 0] += 1
        if childAdded { added[parentCell, default: 0] += 1 }
    }

    /// Sets a cell's counts (when reloading them from storage).
    public mutating func restore(cell: Int, proposed: Int, added: Int) {
        self.proposed[cell] = proposed
        self.added[cell] = added
    }

    /// (added + 1) / (proposed + 2).
    public func score(of cell: Int) -> Double {
        Double(added[cell, default: 0] + 1) / Double(proposed[cell, default: 0] + 2)
    }
}

extension Archive {
    /// Picks `count` elites (with replacement) by a strategy; empty when the archive is.
    public func select(
        _ count: Int, strategy: SelectionStrategy, curiosity: CuriosityCounts = CuriosityCounts(),
        random: inout RandomSource
    ) -> [(cell: Int, elite: Elite)] {
        let candidates = ordered
        guard !candidates.isEmpty else { return [] }
        let weights: [Double]
        switch strategy {
        case .uniform:
            weights = candidates.map { _ in 1 }
        case .fitnessProportional:
            let worst = candidates.map(\.elite.fitness).min() ?? 0
            let spread = (candidates.map(\.elite.fitness).max() ?? 0) - worst
            weights = candidates.map { $0.elite.fitness - worst + max(spread, 1e-9) * 0.05 }
        case .curiosity:
            weights = candidates.map { curiosity.score(of: $0.cell) }
        }
        let total = weights.reduce(0, +)
        return (0..<count).map { _ in
            var u = random.uniform() * total
            for (i, w) in weights.enumerated() {
                u -= w
                if u < 0 { return candidates[i] }
            }
            return candidates[candidates.count - 1]
        }
    }
}
