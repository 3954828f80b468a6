import LossLanguage

/// The FunSearch reset's decision: the islands that answered, ranked by their best fitness; the
/// weaker half (ties broken by id, the higher id weaker) is reset, each from a random survivor.
public struct IslandRanking: Sendable, Hashable {
    /// Island ids, weakest first.
    public let order: [Int]

    public init(_ best: [(island: Int, fitness: Double)]) {
        order = best.sorted { ($0.fitness, -$0.island) < ($1.fitness, -$1.island) }.map(\.island)
    }

    /// The islands in the weaker half.
    public var weak: Set<Int> { Set(order.prefix(order.count / 2)) }

    /// The survivor whose best island `island` re-seeds from, or nil when it is not in the weaker half.
    public func survivor(for island: Int, random: inout RandomSource) -> Int? {
        let weak = self.weak
        let survivors = order.filter { !weak.contains($0) }
        guard weak.contains(island), !survivors.isEmpty else { return nil }
        return survivors[Int(random.next() % UInt64(survivors.count))]
    }
}
