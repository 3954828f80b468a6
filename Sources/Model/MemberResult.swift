/// One member's share of a suite's result: its weight, fitness and metric means over its runs.
public struct MemberResult: Sendable, Hashable, Codable {
    public var name: String
    public var weight: Double
    public var fitness: Double
    public var metrics: [String: Double]

    public init(name: String, weight: Double, fitness: Double, metrics: [String: Double]) {
        (self.name, self.weight, self.fitness, self.metrics) = (name, weight, fitness, metrics)
    }
}
