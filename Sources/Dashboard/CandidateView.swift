import Control
import ControlPlane
import Hummingbird
import LossDescriptors
import LossLanguage
import Model

/// Everything the candidate page shows (and `/api/islands/N/candidates/ID` returns): the candidate,
/// its lineage as a tree of parents with their fitness, its first parent's canonical form (for the
/// change), and its loss shape beside DPO's.
struct CandidateView: Encodable, Sendable {
    /// A candidate in the lineage tree, with its parents (cut at ``maximumDepth``).
    struct Ancestor: Encodable, Sendable {
        var id: Int64
        var name: String
        var proposer: ProposalOrigin
        var fitness: Double?
        var confirmedFitness: Double?
        var parents: [Ancestor]

        enum CodingKeys: String, CodingKey { case id, name, proposer, fitness, confirmedFitness = "confirmed_fitness", parents }
    }

    /// One loss's curves: l_beta(x) and l'_beta(x) at each beta.
    struct Shape: Encodable, Sendable {
        var xs: [Double]
        var curves: [Curve]
        /// Why there is no shape (the loss overflows on the grid), if there is none.
        var error: String?

        struct Curve: Encodable, Sendable {
            var beta: Double
            var values: [Double]
            var slopes: [Double]
        }
    }

    var island: Int
    var candidate: CandidateSummary
    var lineage: [Ancestor]
    var parentCanonical: String?
    var shape: Shape?
    var dpoShape: Shape

    enum CodingKeys: String, CodingKey {
        case island, candidate, lineage, shape, parentCanonical = "parent_canonical", dpoShape = "dpo_shape"
    }

    static let maximumDepth = 3, maximumAncestors = 30
    static let betas = [0.1, 0.5, 1.0]

    static func load(_ reader: ClusterReader, island: Int, id: Int64) throws -> CandidateView {
        let candidate = try reader.ask(island: island) { c throws(ControlError) in try c.show(id: id) }
        var budget = maximumAncestors
        var known: [Int64: CandidateSummary] = [id: candidate]
        func ancestors(of summary: CandidateSummary, depth: Int) -> [Ancestor] {
            guard depth < maximumDepth else { return [] }
            return summary.parents.compactMap { parentID -> Ancestor? in
                guard budget > 0 else { return nil }
                budget -= 1
                let parent = known[parentID] ?? (try? reader.ask(island: island) { c throws(ControlError) in try c.show(id: parentID) })
                guard let parent else { return nil }
                known[parentID] = parent
                return Ancestor(
                    id: parent.id, name: parent.name, proposer: parent.proposer, fitness: parent.fitness, confirmedFitness: parent.confirmedFitness,
                    parents: ancestors(of: parent, depth: depth + 1))
            }
        }
        let lineage = ancestors(of: candidate, depth: 0)
        let parentCanonical = candidate.parents.first.flatMap { known[$0]?.canonical }
        let shape = candidate.canonical.flatMap { try? LossParser.parse($0).graph }.map(Self.shape)
        let dpo = StandardLosses.named("dpo").map { Self.shape($0.graph) } ?? Shape(xs: [], curves: [], error: "no standard loss named dpo")
        return CandidateView(island: island, candidate: candidate, lineage: lineage, parentCanonical: parentCanonical, shape: shape, dpoShape: dpo)
    }

    static func shape(_ graph: LossGraph) -> Shape {
        do {
            let shape = try LossShape(of: graph, betas: betas)
            return Shape(xs: shape.xs, curves: shape.curves.map { Shape.Curve(beta: $0.beta, values: $0.values, slopes: $0.slopes) })
        } catch {
            return Shape(xs: [], curves: [], error: "\(error)")
        }
    }
}
