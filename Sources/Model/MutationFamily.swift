/// The mutation operators grouped by what they do, one emitter of the scheduler each.
public enum MutationFamily: String, Sendable, Hashable, Codable, CaseIterable {
    /// Local numeric changes: a constant, a margin, a temperature.
    case tweak
    /// Changes of shape: a function swapped for another, split or anchored log-ratios, a mirror, Sr-DPO's refinement.
    case shape
    /// Two parents combined: a subtree crossed over, a blend, an indicator, a mix.
    case recombine

    /// Its operators.
    public var operators: [MutationOperator] { MutationOperator.allCases.filter { $0.family == self } }
}

extension MutationOperator {
    /// The family (the scheduler's emitter) it belongs to.
    public var family: MutationFamily {
        switch self {
        case .constant, .margin, .temperature: .tweak
        case .swap, .split, .anchor, .mirror, .refine: .shape
        case .crossover, .blend, .indicator, .mix: .recombine
        }
    }
}
