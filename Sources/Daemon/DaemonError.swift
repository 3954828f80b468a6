/// Why a daemon cannot start, in words fit for a user.
public enum DaemonError: Error, Sendable, CustomStringConvertible {
    /// The cluster config has no island with this id.
    case noSuchIsland(Int, config: String, count: Int)

    public var description: String {
        switch self {
        case let .noSuchIsland(id, config, count): "\(config): there is no island \(id) (the config lists \(count))"
        }
    }
}
