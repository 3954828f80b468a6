/// Where an island's mutation proposer takes its parents from.
public enum ParentPool: String, Sendable, Hashable, CaseIterable {
    /// Elites of the archive, by the selection strategy: the search.
    case archive
    /// The seed losses only, uniformly: independent samples from the proposer, no feedback from results.
    case seeds
}
