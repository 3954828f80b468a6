import Foundation

/// Keeps a connecting socket pointed at an endpoint that may appear late or move (a peer that
/// Slurm has not yet placed, or resumed on another node): each ``follow(_:)`` asks `locate` where
/// the peer is now, and connects there, disconnecting from where it was. It asks every
/// `searching` seconds until it has connected, then every `connected` seconds (under Slurm
/// `locate` reads a file on a shared file system: a thousand workers asking every second would be
/// a thousand reads a second). Used from the socket's own thread.
public struct EndpointFollower {
    let locate: @Sendable () -> String?
    let security: SocketSecurity
    let searching: TimeInterval, connected: TimeInterval
    /// Where the socket is connected now (nil: not yet).
    public private(set) var current: String?
    private var lastLook = Date.distantPast

    public init(
        security: SocketSecurity, searching: TimeInterval = 1, connected: TimeInterval = 10, locate: @escaping @Sendable () -> String?
    ) {
        (self.security, self.searching, self.connected, self.locate) = (security, searching, connected, locate)
    }

    /// Connects `socket` to where the peer is now, if that changed; returns whether it did.
    @discardableResult
    public mutating func follow(_ socket: ZMQSocket) throws -> Bool {
        guard Date().timeIntervalSince(lastLook) >= (current == nil ? searching : connected) else { return false }
        lastLook = Date()
        guard let endpoint = locate(), endpoint != current else { return false }
        if let current { try? socket.disconnect(current) }
        try socket.connect(endpoint, security: security)
        current = endpoint
        return true
    }
}
