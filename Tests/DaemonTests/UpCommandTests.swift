import Foundation
import TestSupport
import Testing
import Wire

/// `evoctl up` and `evoctl down` on a real farm, worker and island, as a user runs them in a terminal.
@Suite(.serialized) struct UpCommandTests {
    static let evoctl = DaemonHarness.root.appendingPathComponent(".build/debug/evoctl").path

    static func inTerminal(_ arguments: [String], in directory: URL) throws -> (status: Int32, output: String) {
        try Terminal.run(evoctl, arguments, in: directory)
    }

    /// `up` returns once the farm and the island answer and the worker has registered, and says so
    /// on a progress line that counts them; `down` stops them all.
    @Test func upWaitsUntilEveryProcessIsReady() throws {
        let harness = try ClusterHarness(islands: 1, cluster: #"evaluator = "farm""#, farm: "workers = 1")
        let up = try Self.inTerminal(["up", "--config", "cluster.toml", "--wait", "60"], in: harness.directory)
        defer { _ = try? Self.inTerminal(["down", "--config", "cluster.toml"], in: harness.directory) }
        #expect(up.status == 0, "\(up.output)")
        #expect(up.output.contains("\rup: 3/3 processes ready"), "\(up.output)")
        for name in ["farm", "worker-1", "island-1"] {
            let line = up.output.split(whereSeparator: \.isNewline).first { $0.hasPrefix(name) }
            #expect(line?.contains("  ready  ") == true, "\(name): \(up.output)")
        }
        // Ready means answering: status sees the island running straight away.
        let status = try Self.inTerminal(["status", "--config", "cluster.toml", "--json"], in: harness.directory)
        #expect(status.output.contains(#""state" : "running""#), "\(status.output)")
        let down = try Self.inTerminal(["down", "--config", "cluster.toml"], in: harness.directory)
        #expect(down.status == 0, "\(down.output)")
    }

    /// An island whose control port is taken exits; `up` reports it with its log and fails at once,
    /// without waiting out --wait for the others.
    @Test func anIslandThatCannotStartFailsUpAtOnce() throws {
        let harness = try ClusterHarness(islands: 1)
        let context = ZMQContext()
        let squatter = try ZMQSocket(context, type: ZMQSocket.reply)
        try squatter.bind("tcp://127.0.0.1:\(harness.ports[0])", security: .plain())
        let started = Date()
        let up = try Self.inTerminal(["up", "--config", "cluster.toml", "--wait", "60"], in: harness.directory)
        defer { _ = try? Self.inTerminal(["down", "--config", "cluster.toml"], in: harness.directory) }
        #expect(up.status == 1, "\(up.output)")
        #expect(up.output.contains("EXITED"), "\(up.output)")
        #expect(Date().timeIntervalSince(started) < 30, "up waited out --wait for a process that had exited")
        withExtendedLifetime(squatter) {}
    }
}
