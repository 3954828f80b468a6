/// One axis of the archive grid: `count` equal bins over [lower, upper]; values past the ends go to
/// the end bins.
public struct BinAxis: Sendable, Hashable, Codable {
    public var lower: Double
    public var upper: Double
    public var count: Int

    public init(lower: Double, upper: Double, count: Int) {
        (self.lower, self.upper, self.count) = (lower, upper, count)
    }

    /// The bin of a value.
    public func bin(of value: Double) -> Int {
        let position = ((value - lower) / (upper - lower) * Double(count)).rounded(.down)
        guard !position.isNaN else { return 0 }
        return Int(min(max(position, 0), Double(count - 1)))  // clamped first: no huge value reaches Int()
    }

    /// The centre of a bin, for labels.
    public func centre(of bin: Int) -> Double { lower + (Double(bin) + 0.5) * (upper - lower) / Double(count) }

    /// On the wire, `[lower, upper, count]`.
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

/// The archive grid over the three descriptors (docs/architecture.md §4): by default C in 8 bins over [-1, 1],
/// g0 in 8 over [-1, 1], S in 5 over [0, 0.25], 320 cells. Fixed for a run and recorded with it.
public struct DescriptorBins: Sendable, Hashable, Codable {
    public var convexity: BinAxis
    public var grad0: BinAxis
    public var betaSensitivity: BinAxis

    public init(convexity: BinAxis, grad0: BinAxis, betaSensitivity: BinAxis) {
        (self.convexity, self.grad0, self.betaSensitivity) = (convexity, grad0, betaSensitivity)
    }

    public static let `default` = DescriptorBins(
        convexity: BinAxis(lower: -1, upper: 1, count: 8),
        grad0: BinAxis(lower: -1, upper: 1, count: 8),
        betaSensitivity: BinAxis(lower: 0, upper: 0.25, count: 5))

    public var cellCount: Int { convexity.count * grad0.count * betaSensitivity.count }

    enum CodingKeys: String, CodingKey { case convexity, grad0, betaSensitivity = "beta_sensitivity" }

    /// The cell of a descriptor triple, as one index in 0..<cellCount.
    public func cell(of d: Descriptors) -> Int {
        (convexity.bin(of: d.convexity) * grad0.count + grad0.bin(of: d.grad0)) * betaSensitivity.count
            + betaSensitivity.bin(of: d.betaSensitivity)
    }

    /// The (C, g0, S) bins of a cell index.
    public func coordinates(of cell: Int) -> (convexity: Int, grad0: Int, betaSensitivity: Int) {
        let s = cell % betaSensitivity.count
        let rest = cell / betaSensitivity.count
        return (rest / grad0.count, rest % grad0.count, s)
    }
}
