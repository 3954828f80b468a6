import ConfigFiles
import LossLanguage

/// How islands exchange elites (docs/architecture.md §7): a policy file under `configs/migration/`.
public struct MigrationPolicy: Sendable, Hashable {
    public enum Topology: String, Sendable, CaseIterable {
        case ring, bidirectionalRing = "bidirectional-ring", torus, star, allToAll = "all-to-all", randomK = "random-k"
    }

    /// Which elites emigrate.
    public enum Selection: String, Sendable, CaseIterable { case best, random, diverse }

    /// Whether an emigrant stays in its home archive (`copy`) or leaves it (`move`).
    public enum Mode: String, Sendable, CaseIterable { case copy, move }

    /// How a receiving island places an immigrant, always in the immigrant's own descriptor cell:
    /// `compete` only when the cell is empty or the immigrant is fitter than its elite; `replace-worst`
    /// also when the cell's elite is the island's least fit elite; `random` also with probability 1/2.
    public enum Reception: String, Sendable, CaseIterable { case compete, replaceWorst = "replace-worst", random }

    public var file = "(built in)"
    public var topology = Topology.ring
    /// Migrate every N generations (0: not by generations) and/or every N seconds (0: not by time).
    public var everyGenerations = 5
    public var everySeconds = 0.0
    public var emigrants = 2
    public var selection = Selection.best
    public var mode = Mode.copy
    public var reception = Reception.compete
    /// random-k: how many random peers each migration goes to.
    public var k = 2
    /// torus: the grid's width (0: the largest divisor of the island count not above its square root).
    public var columns = 0
    /// star: the hub island.
    public var hub = 1
    /// Every N generations (0: never) the weakest half of the islands re-seed from a random survivor's best.
    public var resetEveryGenerations = 0

    public init() {}

    public static func load(path: String) throws(ConfigError) -> MigrationPolicy {
        let section = try ConfigSection.load(path: path)
        var policy = MigrationPolicy()
        policy.file = path
        func choice<T: RawRepresentable & CaseIterable>(_ key: String, _ fallback: T) throws(ConfigError) -> T where T.RawValue == String {
            let raw = try section.string(key, default: fallback.rawValue, oneOf: T.allCases.map(\.rawValue))
            return T(rawValue: raw) ?? fallback
        }
        policy.topology = try choice("topology", policy.topology)
        policy.everyGenerations = try section.int("every_generations", default: policy.everyGenerations, in: 0...1_000_000)
        policy.everySeconds = try section.double("every_seconds", default: policy.everySeconds, in: 0...1e9)
        if policy.everyGenerations == 0, policy.everySeconds == 0 {
            throw section.error("every_generations", "expected every_generations or every_seconds above 0 (to turn migration off, set the cluster's migration = \"\")")
        }
        policy.emigrants = try section.int("emigrants", default: policy.emigrants, in: 1...1_000)
        policy.selection = try choice("selection", policy.selection)
        policy.mode = try choice("mode", policy.mode)
        policy.reception = try choice("reception", policy.reception)
        policy.k = try section.int("k", default: policy.k, in: 1...1_000)
        policy.columns = try section.int("columns", default: policy.columns, in: 0...1_000)
        policy.hub = try section.int("hub", default: policy.hub, in: 1...1_000_000)
        policy.resetEveryGenerations = try section.int("reset_every_generations", default: 0, in: 0...1_000_000)
        try section.finish()
        return policy
    }

    /// Every island `island` may send to under this topology (its PUSH sockets connect to these).
    public func peers(of island: Int, among islands: [Int]) -> [Int] {
        let ids = islands.sorted()
        guard let position = ids.firstIndex(of: island), ids.count > 1 else { return [] }
        let n = ids.count
        let others = ids.filter { $0 != island }
        switch topology {
        case .ring: return [ids[(position + 1) % n]]
        case .bidirectionalRing: return Array(Set([ids[(position + 1) % n], ids[(position + n - 1) % n]])).sorted()
        case .allToAll, .randomK: return others
        case .star:
            let hubID = ids.contains(hub) ? hub : ids[0]
            return island == hubID ? others : [hubID]
        case .torus:
            let width = columns > 0 ? min(columns, n) : (1...n).last { n % $0 == 0 && $0 * $0 <= n } ?? 1
            let height = (n + width - 1) / width
            let (row, column) = (position / width, position % width)
            let cells = [(row, column + 1), (row, column - 1), (row + 1, column), (row - 1, column)].map { r, c in
                ((r + height) % height) * width + (c + width) % width
            }
            return Array(Set(cells.filter { $0 < n && $0 != position }.map { ids[$0] })).sorted()
        }
    }

    /// Where one migration goes: every peer, or k random ones (random-k).
    public func destinations(of island: Int, among islands: [Int], random: inout RandomSource) -> [Int] {
        let all = peers(of: island, among: islands)
        guard topology == .randomK, all.count > k else { return all }
        var pool = all
        var chosen: [Int] = []
        for _ in 0..<k { chosen.append(pool.remove(at: Int(random.next() % UInt64(pool.count)))) }
        return chosen.sorted()
    }

    /// Whether a migration is due after `generation`, or `secondsSinceLast` after the last one.
    public func isDue(generation: Int, secondsSinceLast: Double) -> Bool {
        (everyGenerations > 0 && generation > 0 && generation % everyGenerations == 0)
            || (everySeconds > 0 && secondsSinceLast >= everySeconds)
    }
}
