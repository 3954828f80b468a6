import Foundation

/// Keeps a connecting socket pointed at an endpoint that may appear late or move (a peer that
/// Slurm has not yet placed, or resumed on another node): each ``follow(_:)`` asks `locate` where
/// the peer is now, at most every `interval` seconds, and connects there, disconnecting from where
/// it was. Used from the socket's own thread.
public struct EndpointFollower {
    let locate: @Sendable () -> String?
    let security: SocketSecurity
    let interval: TimeInterval
    /// Where the socket is connected now (nil: not yet).
    public private(set) var current: String?
    private var lastLook = Date.distantPast

    public init(security: SocketSecurity, interval: TimeInterval = 1, locate: @escaping @Sendable () -> String?) {
        (self.security, self.interval, self.locate) = (security, interval, locate)
    }

    /// Connects `socket` to where the peer is now, if that changed; returns whether it did.
    @discardableResult
    public mutating func follow(_ socket: ZMQSocket) throws -> Bool {
        guard Date().timeIntervalSince(lastLook) >= interval else { return false }
        lastLook = Date()
        guard let endpoint = locate(), endpoint != current else { return false }
        if let current { try? socket.disconnect(current) }
        try socket.connect(endpoint, security: security)
        current = endpoint
        return true
    }
}
