import LossDescriptors
import LossLanguage
import Model

/// Novelty before evaluation: a child whose shape (``ShapeSignature``) lies within `tolerance` of an
/// archive elite's or of a recent child's is a near-repeat, refused before it costs an evaluation
/// (Shinka and OpenEvolve compare code embeddings; evod compares what the loss does).
///
/// It remembers the last ``recentCapacity`` children it let through, and the elites' signatures
/// it computed (each elite's once). In memory only: after a restart it starts from the archive.
public struct NoveltyFilter: Sendable {
    /// The largest slope-profile distance of a near-repeat (0: the filter is off).
    public var tolerance: Double
    public var recentCapacity = 64
    private var recent: [(name: String, signature: ShapeSignature)] = []
    private var elites: [Int64: (name: String, signature: ShapeSignature)] = [:]

    public init(tolerance: Double) { self.tolerance = tolerance }

    /// What a near-repeat is close to.
    public struct Match: Sendable, Hashable {
        /// The elite's candidate, or nil for a recent child.
        public var elite: Int64?
        public var name: String
        public var fitness: Double?
        public var distance: Double
    }

    /// Checks a child against the archive's elites (their losses read by `loss`) and the recent
    /// children; a child that passes is remembered as recent. Nil: it is new (or has no finite
    /// shape, which evaluation will report).
    public mutating func check(
        _ signature: ShapeSignature, name: String, archive: Archive, loss: (Int64) throws -> (name: String, graph: LossGraph)?
    ) rethrows -> Match? {
        guard tolerance > 0 else { return nil }
        for elite in archive.ordered.map(\.elite) where signature.isClose(to: elite.descriptors) {
            guard let other = try eliteSignature(elite.candidate, loss: loss) else { continue }
            if let distance = signature.nearness(to: other.signature, tolerance: tolerance) {
                return Match(elite: elite.candidate, name: other.name, fitness: elite.fitness, distance: distance)
            }
        }
        for entry in recent.reversed() {
            if let distance = signature.nearness(to: entry.signature, tolerance: tolerance) {
                return Match(elite: nil, name: entry.name, fitness: nil, distance: distance)
            }
        }
        recent.append((name, signature))
        if recent.count > recentCapacity { recent.removeFirst(recent.count - recentCapacity) }
        return nil
    }

    private mutating func eliteSignature(_ candidate: Int64, loss: (Int64) throws -> (name: String, graph: LossGraph)?) rethrows -> (
        name: String, signature: ShapeSignature
    )? {
        if let known = elites[candidate] { return known }
        guard let (name, graph) = try loss(candidate), let signature = try? ShapeSignature(of: graph) else { return nil }
        if elites.count >= 4_096 { elites.removeAll() }
        elites[candidate] = (name, signature)
        return (name, signature)
    }
}
