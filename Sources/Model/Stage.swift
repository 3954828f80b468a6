/// The cascade stages (docs/architecture.md §5.2, §5.4). Stage 0, validation, happens on the island.
public enum Stage: Int, Sendable, Hashable, Codable, CaseIterable {
    /// A cheap subset of the search grid.
    case one = 1
    /// The full search grid, for candidates whose stage-1 score reaches the promotion threshold.
    case two = 2
    /// Confirmation: the confirmation seeds, for candidates whose stage-2 fitness would put them in
    /// their island's top k. Never the held-out seeds, which only validation trains on.
    case three = 3
}
