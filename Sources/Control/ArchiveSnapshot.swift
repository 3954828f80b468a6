import Model

/// An island's archive as `archive` returns it: the bins of each descriptor and every filled cell
/// with its elite.
public struct ArchiveSnapshot: Codable, Sendable, Hashable {
    /// A filled cell: its index, its bin along each descriptor, and its elite.
    public struct Cell: Codable, Sendable, Hashable {
        public var cell: Int
        public var convexityBin: Int
        public var grad0Bin: Int
        public var betaSensitivityBin: Int
        public var candidate: Int64
        public var fitness: Double

        public init(cell: Int, convexityBin: Int, grad0Bin: Int, betaSensitivityBin: Int, candidate: Int64, fitness: Double) {
            (self.cell, self.convexityBin, self.grad0Bin, self.betaSensitivityBin) = (cell, convexityBin, grad0Bin, betaSensitivityBin)
            (self.candidate, self.fitness) = (candidate, fitness)
        }

        enum CodingKeys: String, CodingKey {
            case cell, candidate, fitness
            case convexityBin = "convexity_bin", grad0Bin = "grad0_bin", betaSensitivityBin = "beta_sensitivity_bin"
        }
    }

    public var island: Int
    public var bins: DescriptorBins
    public var cells: [Cell]

    public init(island: Int, bins: DescriptorBins, cells: [Cell]) { (self.island, self.bins, self.cells) = (island, bins, cells) }
}

/// The migration log summed by direction and peer: candidates, messages and outcomes
/// (`new`, `improved`, `replaced`, `moved`, `rejected`).
public struct MigrationFlow: Codable, Sendable, Hashable {
    public enum Direction: String, Codable, Sendable, Hashable { case sent, received }

    public var direction: Direction
    public var peer: Int
    public var candidates: Int
    public var messages: Int
    public var outcomes: [String: Int]

    public init(direction: Direction, peer: Int, candidates: Int, messages: Int, outcomes: [String: Int]) {
        (self.direction, self.peer, self.candidates, self.messages, self.outcomes) = (direction, peer, candidates, messages, outcomes)
    }
}
