import LossDescriptors
import Model

/// The best candidate of an archive cell.
public struct Elite: Sendable, Hashable, Codable {
    public var candidate: Int64
    public var fitness: Double
    public var descriptors: Descriptors
    /// The size of its canonical graph (nodes), where known (``ReplacementRule``).
    public var size: Int?

    public init(candidate: Int64, fitness: Double, descriptors: Descriptors, size: Int? = nil) {
        (self.candidate, self.fitness, self.descriptors, self.size) = (candidate, fitness, descriptors, size)
    }
}

/// What an insertion did.
public enum InsertOutcome: Sendable, Hashable, Codable {
    /// The cell was empty.
    case new(cell: Int)
    /// The candidate beat the cell's elite (strictly, or by more than the rule's required gain),
    /// which it replaced.
    case improved(cell: Int, previous: Elite)
    /// The cell's elite is at least as good (or worse by no more than the rule's required gain).
    case notAdded(cell: Int, incumbent: Elite)

    public var cell: Int {
        switch self {
        case let .new(cell), let .improved(cell, _), let .notAdded(cell, _): cell
        }
    }

    /// What it did, as the island records it.
    public var outcome: ArchiveOutcome {
        switch self {
        case .new: .new
        case .improved: .improved
        case .notAdded: .notAdded
        }
    }

    /// Whether the candidate is now its cell's elite.
    public var isAdded: Bool { outcome.isAdded }
}

/// A MAP-Elites archive: for each cell of the descriptor grid, the best candidate seen there.
public struct Archive: Sendable, Hashable, Codable {
    public let bins: DescriptorBins
    public private(set) var elites: [Int: Elite] = [:]

    public init(bins: DescriptorBins = .default) { self.bins = bins }

    /// Offers a candidate to its cell; it stays only if the cell is empty or the rule says it
    /// replaces the elite (``ReplacementRule/strict``: strictly better). `noise` is the paired
    /// standard error of its difference to the cell's elite, where the caller knows it.
    @discardableResult
    public mutating func insert(
        candidate: Int64, fitness: Double, descriptors: Descriptors, size: Int? = nil, rule: ReplacementRule = .strict, noise: Double? = nil
    ) -> InsertOutcome {
        let cell = bins.cell(of: descriptors)
        let elite = Elite(candidate: candidate, fitness: fitness, descriptors: descriptors, size: size)
        guard let incumbent = elites[cell] else {
            elites[cell] = elite
            return .new(cell: cell)
        }
        guard rule.replaces(fitness: fitness, size: size, incumbent: incumbent, noise: noise) else { return .notAdded(cell: cell, incumbent: incumbent) }
        elites[cell] = elite
        return .improved(cell: cell, previous: incumbent)
    }

    /// Replaces a cell's elite unconditionally (immigrants received with "replace" policies).
    public mutating func place(_ elite: Elite) {
        elites[bins.cell(of: elite.descriptors)] = elite
    }

    public var filled: Int { elites.count }
    public var coverage: Double { Double(elites.count) / Double(bins.cellCount) }

    /// Sum over filled cells of (fitness - floor).
    public func qdScore(floor: Double) -> Double { elites.values.reduce(0) { $0 + ($1.fitness - floor) } }

    /// The best elite overall (ties: the smaller candidate id, so the answer is deterministic).
    public var best: Elite? {
        elites.values.max { ($0.fitness, -$0.candidate) < ($1.fitness, -$1.candidate) }
    }

    /// The elites in a fixed order (by cell).
    public var ordered: [(cell: Int, elite: Elite)] { elites.keys.sorted().map { ($0, elites[$0]!) } }
}

extension Archive {
    /// Empties a cell (an emigrant that moved away, an island reset, or an elite whose result the farm withdrew).
    public mutating func remove(cell: Int) { elites[cell] = nil }

    /// The filled cell whose elite is the least fit (ties: the highest candidate id).
    public var worstCell: Int? {
        elites.min { ($0.value.fitness, -$0.value.candidate) < ($1.value.fitness, -$1.value.candidate) }?.key
    }
}
