import LossLanguage
import Model
import Search
import Testing

/// Bloat: along chains of two-parent operators, children grow without bound unless the proposer's
/// operation limit holds them, and every standard loss fits in half of the default limit.
struct MutationProposerSizeTests {
    /// A population of 16 losses that keeps each generation's children as the next parents (the
    /// archive's elites stand in), for `generations`; returns every child's operation count.
    static func chain(limit: Int, generations: Int) -> [Int] {
        var proposer = MutationProposer(weights: [.crossover: 2, .blend: 2, .mix: 1, .constant: 1])
        proposer.maximumOperations = limit
        var random = RandomSource(seed: 38)
        var population = StandardLosses.distinct.map(\.graph)
        var sizes: [Int] = []
        for _ in 0..<generations {
            for slot in population.indices {
                let first = population[Int(random.next() % UInt64(population.count))]
                let second = population[Int(random.next() % UInt64(population.count))]
                guard let child = proposer.propose([first, second], random: &random) else { continue }
                sizes.append(child.graph.nodes.count)
                // The larger survives, as it would under a search with no pressure on size.
                if child.graph.nodes.count >= population[slot].nodes.count { population[slot] = child.graph }
            }
        }
        return sizes
    }

    @Test func everyStandardLossFitsInHalfTheDefaultLimit() {
        let largest = StandardLosses.distinct.max { $0.graph.nodes.count < $1.graph.nodes.count }
        print("the largest standard loss: \(largest?.name ?? "none"), \(largest?.graph.nodes.count ?? 0) operations")
        #expect((largest?.graph.nodes.count ?? .max) * 2 <= MutationProposer.defaultMaximumOperations, "\(largest?.name ?? "none")")
    }

    @Test func childrenGrowWithoutALimitAndNeverPastOne() {
        let unlimited = Self.chain(limit: 0, generations: 20)
        #expect((unlimited.max() ?? 0) > 4 * MutationProposer.defaultMaximumOperations, "bloat: the largest child has \(unlimited.max() ?? 0) operations")
        let limited = Self.chain(limit: MutationProposer.defaultMaximumOperations, generations: 20)
        #expect(limited.count >= 200, "children checked: \(limited.count)")
        #expect(limited.allSatisfy { $0 <= MutationProposer.defaultMaximumOperations }, "largest: \(limited.max() ?? 0)")
    }
}
