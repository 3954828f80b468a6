import ArgumentParser
import Dashboard
import Foundation
import Logging

/// `evoctl dashboard [--host 127.0.0.1] [--port 8080]`: the web dashboard over a running cluster.
struct DashboardCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dashboard",
        abstract: "Serve a live web dashboard of the cluster, its JSON API (/api/) and Prometheus metrics (/metrics).",
        discussion: "Read-only: it offers no action that changes state. Loopback by default; --host 0.0.0.0 serves every interface.")

    @OptionGroup var cluster: ClusterOptions

    @Option(help: "The address to listen on.")
    var host = "127.0.0.1"

    @Option(help: "The port to listen on (0: any free port, printed at start).")
    var port = 8080

    func validate() throws {
        guard (0...65_535).contains(port) else { throw ValidationError("--port must be from 0 to 65535, got \(port)") }
    }

    func run() async throws {
        let config = try cluster.loadCluster()
        var logger = Logger(label: "evoctl.dashboard")
        logger.logLevel = .notice
        let host = self.host
        let server = DashboardServer(access: try cluster.access(config), host: host, port: port, logger: logger)
        do {
            try await server.run { port in
                print("evod dashboard at http://\(host):\(port)/ (cluster \(config.file)); Ctrl-C stops it")
                fflush(nil)
            }
        } catch {
            throw CommandFailure("the dashboard cannot serve on \(host):\(port): \(error)")
        }
    }
}
