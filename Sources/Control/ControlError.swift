/// What can go wrong on the control plane, in words fit for a user.
public enum ControlError: Error, Sendable, Hashable, CustomStringConvertible {
    /// The peer did not answer within the timeout (or could not be reached at all).
    /// With `curve`, a peer holding another cluster key looks the same: it never answers.
    case unreachable(endpoint: String, peer: ControlPeer, curve: Bool = false)
    /// The peer answered, and refused: the reason it gave.
    case refused(String)
    /// The peer's reply could not be read as the reply expected.
    case malformedReply(String)
    /// The socket could not be set up (a malformed endpoint, say): ZeroMQ's reason.
    case transport(endpoint: String, reason: String)
    /// A request that cannot be decoded (the handler's side): what was wrong with it.
    case malformedRequest(String)

    public var description: String {
        switch self {
        case let .unreachable(endpoint, peer, curve):
            "no answer from \(endpoint) (is \(peer) running?\(curve ? " Does this host hold the cluster's key file?" : ""))"
        case let .refused(reason): reason
        case let .malformedReply(detail): "malformed reply: \(detail)"
        case let .transport(endpoint, reason): "cannot ask \(endpoint): \(reason)"
        case let .malformedRequest(detail): "malformed request: \(detail)"
        }
    }
}

/// Whom a control request goes to: an island or the farm's broker (for messages and status).
public enum ControlPeer: Sendable, Hashable, CustomStringConvertible {
    case island(Int)
    case farm

    public var description: String {
        switch self {
        case let .island(id): "island \(id)"
        case .farm: "the farm"
        }
    }
}
