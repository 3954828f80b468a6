import Cluster
import ControlPlane
import Foundation
import Hummingbird
import Logging

/// `evoctl dashboard`: a web server over a running cluster: pages (cluster, an island's archive and
/// history, a candidate, migration, proposers), a JSON API under `/api/` and Prometheus `/metrics`,
/// everything read through the control endpoints and served by evod itself (no external assets).
/// Read-only: it offers no action that changes state, so it needs no token.
public struct DashboardServer: Sendable {
    /// The cluster, its key and the timeout of each control request.
    public let access: ClusterAccess
    public let host: String
    public let port: Int
    public let logger: Logger

    public init(access: ClusterAccess, host: String = "127.0.0.1", port: Int = 8080, logger: Logger) {
        (self.access, self.host, self.port, self.logger) = (access, host, port, logger)
    }

    /// Serves until SIGTERM or SIGINT.
    public func run(onListening: @escaping @Sendable (Int) -> Void = { _ in }) async throws {
        var application = Application(
            router: makeRouter(), configuration: .init(address: .hostname(host, port: port), serverName: "evod-dashboard"),
            onServerRunning: { channel in onListening(channel.localAddress?.port ?? 0) }, logger: logger)
        application.logger.logLevel = logger.logLevel
        try await application.runService()
    }

    /// The dashboard's routes over this cluster (also what the tests drive without a socket).
    public func makeRouter() -> Router<BasicRequestContext> {
        let router = Router()
        DashboardRoutes(reader: ClusterReader(access: access)).add(to: router)
        return router
    }
}
