import Cluster
import ConfigFiles
import Foundation
import Testing

/// `[launcher]` and where processes listen: the config's endpoints, or those published under Slurm.
struct LauncherConfigTests {
    func load(_ text: String) throws -> (ClusterConfig, URL) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-launcher-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let file = directory.appendingPathComponent("cluster.toml")
        try "state_directory = \"\(directory.path)/state\"\n\(text)".write(to: file, atomically: true, encoding: .utf8)
        return (try ClusterConfig.load(path: file.path), directory)
    }

    @Test func badLauncherKeysAreErrorsNamingTheKey() throws {
        #expect(throws: ConfigError.self) { try load("[launcher]\nkind = \"pbs\"\n") }
        do {
            _ = try load("[launcher]\nkind = \"slurm\"\nsbatch_options = [\"qos=high\"]\n")
            Issue.record("an sbatch option without '-' was accepted")
        } catch let error as ConfigError {
            #expect(error.key == "launcher.sbatch_options" && error.message.contains("got 'qos=high'"), "\(error)")
        }
        let (config, directory) = try load("[launcher]\nkind = \"slurm\"\ngpus_per_worker = 2\nsbatch_options = [\"--qos=high\"]\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        #expect(config.launcher.kind == .slurm && config.launcher.gpusPerWorker == 2 && config.launcher.sbatchOptions == ["--qos=high"])
    }

    @Test func locallyTheConfigSaysWhereEveryoneListensAndNothingIsPublished() throws {
        let (config, directory) = try load("island_control_ports = [7301]\nisland_migration_ports = [7311]\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let endpoints = config.endpoints
        #expect(endpoints.bindEndpoint(.islandControl(1)) == "tcp://127.0.0.1:7301")
        #expect(endpoints.endpoint(.islandMigration(1)) == "tcp://127.0.0.1:7311")
        try endpoints.publish(.islandControl(1), bound: "tcp://0.0.0.0:4567")
        #expect(!FileManager.default.fileExists(atPath: endpoints.directory))
    }

    @Test func underSlurmProcessesBindAnyPortAndPublishTheirHost() throws {
        let (config, directory) = try load("[launcher]\nkind = \"slurm\"\n")
        defer { try? FileManager.default.removeItem(at: directory) }
        let endpoints = config.endpoints
        #expect(endpoints.bindEndpoint(.farmWorkers) == "tcp://0.0.0.0:*")
        #expect(endpoints.endpoint(.farmWorkers) == nil, "not published yet")
        try endpoints.publish(.farmWorkers, bound: "tcp://0.0.0.0:4567")
        let publication = try #require(endpoints.publication(.farmWorkers))
        #expect(publication.endpoint == "tcp://\(publication.host):4567" && publication.pid == getpid())
        #expect(endpoints.endpoint(.farmWorkers) == publication.endpoint)
        // A resumed process publishes again, elsewhere: readers see the new endpoint.
        try endpoints.publish(.farmWorkers, bound: "tcp://0.0.0.0:4999")
        #expect(endpoints.endpoint(.farmWorkers)?.hasSuffix(":4999") == true)
    }
}
