/// An island's archive as `archive` returns it: the bins of each descriptor and every filled cell
/// with its elite.
public struct ArchiveSnapshot: Codable, Sendable, Hashable {
    /// One descriptor's bins: `count` equal bins over `[lower, upper]`. On the wire, `[lower, upper, count]`.
    public struct Bins: Codable, Sendable, Hashable {
        public var lower: Double
        public var upper: Double
        public var count: Int

        public init(lower: Double, upper: Double, count: Int) { (self.lower, self.upper, self.count) = (lower, upper, count) }

        public init(from decoder: any Decoder) throws {
            var container = try decoder.unkeyedContainer()
            (lower, upper) = (try container.decode(Double.self), try container.decode(Double.self))
            count = Int(try container.decode(Double.self))
        }

        public func encode(to encoder: any Encoder) throws {
            var container = encoder.unkeyedContainer()
            try container.encode(lower)
            try container.encode(upper)
            try container.encode(Double(count))
        }
    }

    public struct Grid: Codable, Sendable, Hashable {
        public var convexity: Bins
        public var grad0: Bins
        public var betaSensitivity: Bins

        public init(convexity: Bins, grad0: Bins, betaSensitivity: Bins) {
            (self.convexity, self.grad0, self.betaSensitivity) = (convexity, grad0, betaSensitivity)
        }

        enum CodingKeys: String, CodingKey { case convexity, grad0, betaSensitivity = "beta_sensitivity" }
    }

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
    public var bins: Grid
    public var cells: [Cell]

    public init(island: Int, bins: Grid, cells: [Cell]) { (self.island, self.bins, self.cells) = (island, bins, cells) }
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
