/// Watches for a search that has stalled: generations that evaluate nothing, every child a
/// duplicate or invalid (an elite whose every mutation overflows, or that the archive keeps while
/// its children repeat). Such generations cost almost nothing, so a stalled island would spin
/// through thousands a minute, each written to its database and log: after ``limit`` in a row
/// it is stalled, says so, and runs one generation every ``pause`` seconds until ``resume``
/// generations in a row evaluate a child again. A nearly stuck island, one that finds a new child
/// now and then between long idle runs, so stays stalled: one warning while it lasts, not a
/// warning and a notice each time it finds one.
public struct StallWatch: Sendable, Hashable {
    /// What a generation changed.
    public enum Change: Sendable, Hashable {
        case none
        /// The island has just stalled, after this many generations that evaluated nothing.
        case began(generations: Int)
        /// The island moves again (``resume`` generations in a row evaluated a child), after this
        /// many stalled generations that evaluated nothing.
        case ended(generations: Int)
    }

    public let limit: Int
    public let pause: Double
    /// Generations in a row that must evaluate a child to end a stall.
    public let resume: Int
    /// Generations that evaluated nothing: in a row before a stall, in all since it began during one.
    public private(set) var idleGenerations = 0
    /// While stalled, generations in a row that evaluated a child.
    public private(set) var movingGenerations = 0

    public init(limit: Int = 50, pause: Double = 1, resume: Int = 3) {
        (self.limit, self.pause, self.resume) = (max(1, limit), pause, max(1, resume))
    }

    public var isStalled: Bool { idleGenerations >= limit }

    /// Seconds to wait before the next generation.
    public var delay: Double { isStalled ? pause : 0 }

    /// Counts a finished generation by the children it evaluated, failures included (they take
    /// their time: no spin); not an idle one (the LLM budget spent is said elsewhere).
    public mutating func record(evaluated: Int) -> Change {
        guard evaluated == 0 else {
            guard isStalled else {
                idleGenerations = 0
                return .none
            }
            movingGenerations += 1
            guard movingGenerations >= resume else { return .none }
            defer { (idleGenerations, movingGenerations) = (0, 0) }
            return .ended(generations: idleGenerations)
        }
        movingGenerations = 0
        idleGenerations += 1
        return idleGenerations == limit ? .began(generations: limit) : .none
    }

    /// What the log and status say while the island is stalled.
    public var message: String {
        "the search has stalled: \(limit) generations in a row evaluated nothing (every child a duplicate or invalid); "
            + "running one generation every \(pause) s until \(resume) generations in a row evaluate a child"
    }
}
