import Cluster
import Control
import ControlPlane
import Daemon
import Foundation
import Logging
import LossLanguage
import Synchronization
import Testing
import Wire

/// The daemons as a library: islands started in this process (no `evod`), migration between them,
/// and cancellation that ends every service.
struct InProcessDaemonTests {
    @Test func theWeakerHalfIsResetFromARandomSurvivor() {
        let ranking = IslandRanking([(1, 0.7), (2, 0.5), (3, 0.9), (4, 0.5)])
        #expect(ranking.order == [4, 2, 1, 3], "weakest first; a tie goes against the higher id")
        #expect(ranking.weak == [2, 4])
        var random = RandomSource(seed: 1)
        for _ in 0..<20 {
            #expect([1, 3].contains(ranking.survivor(for: 2, random: &random) ?? 0))
            #expect(ranking.survivor(for: 3, random: &random) == nil)
        }
        #expect(IslandRanking([(1, 0.5)]).survivor(for: 1, random: &random) == nil, "an island alone is never reset")
    }

    /// A two-island cluster with ring migration every generation, in a temporary directory, with
    /// absolute paths so that the config loads from this process's working directory.
    static func cluster() throws -> (ClusterConfig, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-inprocess-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let ports = try ClusterHarness.freePorts(4)
        try ClusterHarness.smallTask.write(to: directory.appendingPathComponent("task.toml"), atomically: true, encoding: .utf8)
        try "topology = \"ring\"\nevery_generations = 1\nemigrants = 1\n".write(
            to: directory.appendingPathComponent("policy.toml"), atomically: true, encoding: .utf8)
        let file = directory.appendingPathComponent("cluster.toml")
        try """
        state_directory = "\(directory.path)/state"
        islands_directory = "\(directory.path)/islands"
        task = "\(directory.path)/task.toml"
        migration = "\(directory.path)/policy.toml"
        island_control_ports = [\(ports[0]), \(ports[1])]
        island_migration_ports = [\(ports[2]), \(ports[3])]
        [island]
        children_per_generation = 4
        \(ClusterHarness.islandDefaults(except: ""))
        """.write(to: file, atomically: true, encoding: .utf8)
        let cluster = try ClusterConfig.load(path: file.path)
        try ClusterKey.create(at: cluster.clusterKeyPath)
        return (cluster, directory)
    }

    @Test func twoIslandsInOneProcessMigrateAndCancellationEndsThem() async throws {
        let (cluster, directory) = try Self.cluster()
        defer { try? FileManager.default.removeItem(at: directory) }
        let ended = Tally()
        let islands = cluster.islands.map { entry in
            Task {
                defer { ended.add() }
                try await IslandDaemon(cluster: cluster, island: entry.id, logger: Logger(label: "test.island"), signals: []).run()
            }
        }
        let security = SocketSecurity(clusterKey: try cluster.clusterKey())
        func status(_ id: Int) -> IslandStatus? {
            try? ControlClient(endpoint: cluster.islands[id - 1].control, peer: .island(id), security: security, timeoutMilliseconds: 1_000).status()
        }
        let deadline = Date().addingTimeInterval(120)
        while Date() < deadline, !(1...2).allSatisfy({ (status($0)?.migration.received ?? 0) >= 1 }) {
            try await Task.sleep(for: .milliseconds(100))
        }
        #expect((1...2).allSatisfy { (status($0)?.migration.received ?? 0) >= 1 }, "no migrants arrived in 120 s")
        #expect(status(1)?.migration.sent ?? 0 >= 1)

        for island in islands { island.cancel() }
        let stopDeadline = Date().addingTimeInterval(20)
        while Date() < stopDeadline, ended.count < 2 { try await Task.sleep(for: .milliseconds(50)) }
        #expect(ended.count == 2, "cancelling the islands' tasks did not end their services")
        #expect(status(1) == nil, "the control endpoint still answers after cancellation")
    }

    @Test func anIslandThatIsNotInTheConfigIsAClearError() async throws {
        let (cluster, directory) = try Self.cluster()
        defer { try? FileManager.default.removeItem(at: directory) }
        await #expect(throws: DaemonError.self) {
            try await IslandDaemon(cluster: cluster, island: 3, logger: Logger(label: "test.island"), signals: []).run()
        }
        #expect(DaemonError.noSuchIsland(3, config: cluster.file, count: 2).description.hasSuffix("there is no island 3 (the config lists 2)"))
    }
}

/// A count shared with tasks.
final class Tally: Sendable {
    private let value = Mutex(0)
    var count: Int { value.withLock { $0 } }
    func add() { value.withLock { $0 += 1 } }
}
