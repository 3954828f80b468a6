import Cluster
import ControlPlane
import Foundation
import Hummingbird
import HummingbirdTesting
import Logging
import Testing
import Wire

@testable import Dashboard

/// The routes without a running cluster: bad requests are 4xx with their reason, islands that do
/// not answer a 502, metrics say they are down; nothing crashes.
struct RoutesTests {
    /// A two-island config whose islands are not running (ports nothing listens on).
    static func server() throws -> DashboardServer {
        let file = FileManager.default.temporaryDirectory.appendingPathComponent("evod-dashboard-\(UUID().uuidString).toml")
        try "island_control_ports = [1, 2]\nisland_migration_ports = [3, 4]\n".write(to: file, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(at: file) }
        let access = ClusterAccess(
            cluster: try ClusterConfig.load(path: file.path), security: SocketSecurity(clusterKey: try CurveKeyPair.generate()), timeoutMilliseconds: 100)
        return DashboardServer(access: access, logger: Logger(label: "test"))
    }

    @Test(arguments: [
        ("/islands/abc", HTTPResponse.Status.badRequest, "'island' must be a non-negative integer, got 'abc'"),
        ("/islands/-1", .badRequest, "'island' must be a non-negative integer, got '-1'"),
        ("/islands/9", .notFound, "there is no island 9 (the cluster has 2)"),
        ("/api/islands/9/archive", .notFound, "there is no island 9 (the cluster has 2)"),
        ("/api/islands/1/candidates/x", .badRequest, "'candidate' must be a non-negative integer, got 'x'"),
        ("/api/best?top=many", .badRequest, "'top' must be an integer from 0 to 100000, got 'many'"),
        ("/api/islands/1/history?limit=-5", .badRequest, "'limit' must be an integer from 0 to 100000, got '-5'"),
        ("/api/islands/1/status", .badGateway, "no answer from tcp://127.0.0.1:1 (is island 1 running? Does this host hold the cluster's key file?)"),
        ("/islands/1/candidates/5", .badGateway, "no answer from tcp://127.0.0.1:1 (is island 1 running? Does this host hold the cluster's key file?)"),
    ])
    func badRequestsAndSilentPeersAreClearErrors(uri: String, status: HTTPResponse.Status, message: String) async throws {
        let app = Application(router: try Self.server().makeRouter())
        try await app.test(.router) { client in
            try await client.execute(uri: uri, method: .get) { response in
                #expect(response.status == status)
                let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: [String: String]]
                #expect(object?["error"]?["message"] == message, "\(String(buffer: response.body))")
            }
        }
    }

    @Test func aClusterThatIsDownStillGetsItsPagesStatusAndMetrics() async throws {
        let app = Application(router: try Self.server().makeRouter())
        try await app.test(.router) { client in
            try await client.execute(uri: "/", method: .get) { response in
                #expect(response.status == .ok && response.headers[.contentType] == "text/html; charset=utf-8")
                #expect(String(buffer: response.body).components(separatedBy: "class=\"down\">down<").count - 1 == 2)
            }
            try await client.execute(uri: "/?fragment=live", method: .get) { response in
                #expect(!String(buffer: response.body).contains("<html"), "the refresh gets only the live part")
            }
            try await client.execute(uri: "/api/status", method: .get) { response in
                let object = try JSONSerialization.jsonObject(with: Data(buffer: response.body)) as? [String: Any]
                let islands = object?["islands"] as? [[String: Any]] ?? []
                #expect(islands.map { $0["state"] as? String } == ["down", "down"] && islands.map { $0["id"] as? Int } == [1, 2])
            }
            try await client.execute(uri: "/metrics", method: .get) { response in
                let text = String(buffer: response.body)
                #expect(text.contains("evod_island_up{island=\"1\"} 0.0") && text.contains("evod_island_up{island=\"2\"} 0.0"), "\(text)")
            }
        }
    }
}
