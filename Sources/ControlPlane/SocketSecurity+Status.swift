import Control
import Wire

extension SocketSecurity {
    /// The security part of a status reply.
    public var status: SecurityStatus { SecurityStatus(mode: isCurve ? .curve : .plain, refusedConnections: refusedConnections) }
}
