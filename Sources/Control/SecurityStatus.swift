/// How a process authenticates the cluster's other processes, and how many connections it refused.
public struct SecurityStatus: Codable, Sendable, Hashable {
    public enum Mode: String, Codable, Sendable, Hashable, CaseIterable {
        /// CURVE with the cluster key: only holders of the key are served.
        case curve
        /// `curve = false`: no authentication, no encryption.
        case plain
    }

    public var mode: Mode
    /// Connections refused at the handshake: no key, another key, another mechanism.
    public var refusedConnections: Int

    public init(mode: Mode, refusedConnections: Int) { (self.mode, self.refusedConnections) = (mode, refusedConnections) }

    enum CodingKeys: String, CodingKey { case mode, refusedConnections = "refused_connections" }
}
