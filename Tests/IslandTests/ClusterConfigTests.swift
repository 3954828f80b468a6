import Cluster
import ConfigFiles
import Foundation
import Island
import LossLanguage
import Model
import Search
import Testing

/// configs/cluster.toml and islands/island-N.toml: the shipped files, and bad files. A class so
/// that each test's files go with it, in `deinit`.
final class ClusterConfigTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    /// This test's files, removed with it.
    let scratch = FileManager.default.temporaryDirectory.appendingPathComponent("evod-config-tests-\(UUID().uuidString)")

    deinit { try? FileManager.default.removeItem(at: scratch) }

    /// Writes a cluster file (and island files) into a fresh directory; returns the cluster file's path.
    func write(_ cluster: String, islands: [Int: String] = [:]) throws -> String {
        let directory = scratch.appendingPathComponent(UUID().uuidString)
        try FileManager.default.createDirectory(at: directory.appendingPathComponent("islands"), withIntermediateDirectories: true)
        let text = cluster.replacingOccurrences(of: "ISLANDS", with: directory.appendingPathComponent("islands").path)
        try text.write(to: directory.appendingPathComponent("cluster.toml"), atomically: true, encoding: .utf8)
        for (id, island) in islands {
            try island.write(to: directory.appendingPathComponent("islands/island-\(id).toml"), atomically: true, encoding: .utf8)
        }
        return directory.appendingPathComponent("cluster.toml").path
    }

    @Test func theShippedClusterHasFourIslandsAndIslandThreeItsOverrides() throws {
        var config = try ClusterConfig.load(path: Self.root.appendingPathComponent("configs/cluster.toml").path)
        config.islandsDirectory = Self.root.appendingPathComponent("islands").path
        #expect(config.islands.map(\.id) == [1, 2, 3, 4])
        #expect(config.entry(forIsland: 2)?.control == "tcp://127.0.0.1:7102")
        let two = try config.settings(forIsland: 2)
        #expect(two.seed == 2 && two.selection == .curiosity && two.bins == .default && two.childrenPerGeneration == 8)
        let three = try config.settings(forIsland: 3)
        #expect(three.seed == 303 && three.selection == .fitnessProportional && three.operatorWeights[.blend] == 4)
        #expect(three.operatorWeights[.constant] == 3)  // the cluster default, not overridden
        #expect(try config.task() == .defaultSuite)
    }

    @Test(arguments: [
        ("colour = 1", nil as String?, "cluster.toml: key 'colour': unknown key"),
        ("[island]\nselection = \"random\"", nil, "cluster.toml: key 'island.selection': expected one of \"uniform\", \"fitness-proportional\", \"curiosity\", got \"random\""),
        (
            "[island.operators]\nconstant = 0\nswap = 0\ncrossover = 0\nblend = 0\nindicator = 0\nmix = 0\nmargin = 0\ntemperature = 0\nsplit = 0\nanchor = 0\nmirror = 0", nil,
            "cluster.toml: key 'island.operators.constant': expected at least one operator with a positive weight (besides refine"
        ),
        ("island_control_ports = [7101, 7101]", nil, "cluster.toml: key 'island_control_ports': expected distinct ports"),
        ("[island]\nevaluations_in_flight = 0", nil, "cluster.toml: key 'island.evaluations_in_flight': expected an integer in 1...1024, got 0"),
        ("evaluator = \"gpu\"", nil, "cluster.toml: key 'evaluator': expected one of \"local\", \"farm\", got \"gpu\""),
        ("[farm]\nworkers_port = 7201", nil, "cluster.toml: key 'farm.islands_port': expected islands_port, workers_port and control_port to differ"),
        ("[farm]\nheartbeat_liveness = 0", nil, "cluster.toml: key 'farm.heartbeat_liveness': expected an integer in 1...100, got 0"),
        ("island_control_ports = [7101, 70000]", nil, "cluster.toml: key 'island_control_ports': expected integers in 1...65535, got 70000"),
        ("island_control_ports = [7101]\nisland_migration_ports = [-5]", nil, "cluster.toml: key 'island_migration_ports': expected integers in 1...65535, got -5"),
        ("[[is\u{14}land]]", nil, "cluster.toml: not valid TOML at line 1: control character U+0014"),
        ("a = 1\n[[=sland]]", nil, "cluster.toml: not valid TOML at line 2: a table header's names must be bare keys or quoted"),
        ("[\nfarm]", nil, "cluster.toml: not valid TOML at line 1: a table header's names must be bare keys or quoted"),
        ("island_hosts = [\"a\",}", nil, "cluster.toml: not valid TOML at line 1: a value is missing"),
        ("colour =\n", nil, "cluster.toml: not valid TOML at line 1: a value is missing"),
        ("[farm.=x]", nil, "cluster.toml: not valid TOML at line 1: a table header's names must be bare keys or quoted"),
        ("[island]\nseed_losses = [\"dpo\", \"dop\"]", nil, "cluster.toml: key 'island.seed_losses': expected standard loss names"),
        ("[island]\npromotion_threshold = nan", nil, "cluster.toml: key 'island.promotion_threshold': expected a number, got nan"),
        ("[island.archive]\nreplacement_margin = -0.001", nil, "cluster.toml: key 'island.archive.replacement_margin': expected a number in [0.0, 1.0], got -0.001"),
        ("[island.archive]\ngrowth_margin = 2", nil, "cluster.toml: key 'island.archive.growth_margin': expected a number in [0.0, 1.0], got 2.0"),
        ("[island.audit]\nshare = 1.5", nil, "cluster.toml: key 'island.audit.share': expected a number in [0.0, 1.0], got 1.5"),
        ("[island.audit]\nminimum = 2", nil, "cluster.toml: key 'island.audit.minimum': expected an integer in 4...1000000, got 2"),
        ("[island.audit]\nwarn_below = \"low\"", nil, "cluster.toml: key 'island.audit.warn_below': expected a number, got string"),
        ("island_hosts = [\"a\"]\nisland_control_ports = [1, 2]", nil, "cluster.toml: key 'island_hosts': expected one host per island (2), got 1"),
    ])
    func badClusterFileIsAnErrorNamingFileAndKey(text: String, island: String?, message: String) throws {
        let path = try write(text)
        do {
            _ = try ClusterConfig.load(path: path)
            Issue.record("accepted: \(text)")
        } catch {
            #expect(error.description.hasPrefix(path.replacingOccurrences(of: "cluster.toml", with: "") + message), "\(error)")
        }
    }

    /// The checks the loader makes before TOMLKit (control characters, table headers, missing
    /// values) refuse no shipped file.
    @Test func everyShippedTOMLFileParses() throws {
        let files = ["configs", "islands"].flatMap { folder in
            (FileManager.default.enumerator(atPath: Self.root.appendingPathComponent(folder).path)?.allObjects as? [String] ?? [])
                .filter { $0.hasSuffix(".toml") }.map { Self.root.appendingPathComponent(folder).appendingPathComponent($0).path }
        }
        #expect(files.count >= 15)
        for file in files { _ = try ConfigSection.load(path: file) }
    }

    @Test func anArchiveReplacementRuleIsReadAndDefaultsToParsimonyWithinOneStandardError() throws {
        let config = try ClusterConfig.load(
            path: try write("[island.archive]\nconvexity_bins = 1\nreplacement_margin = 0.0001\ngrowth_margin = 0.0002\nparsimony = 2"))
        #expect(try config.settings(forIsland: 1).replacement == ReplacementRule(margin: 0.0001, growthMargin: 0.0002, parsimony: 2))
        #expect(try ClusterConfig.load(path: try write("")).settings(forIsland: 1).replacement == ReplacementRule(parsimony: 1))
    }

    @Test func theSchedulerIsTheDefaultAndItsEmittersAreRead() throws {
        let defaults = try ClusterConfig.load(path: try write("")).settings(forIsland: 1)
        #expect(defaults.proposer == .scheduler(SchedulerSettings()) && defaults.novelty == 0.01)
        #expect(SchedulerSettings().emitters == [.mutation(.tweak), .mutation(.shape), .mutation(.recombine)])
        let config = try ClusterConfig.load(
            path: try write("[island]\nproposer = \"scheduler\"\nemitters = [\"shape\", \"configs/proposers/x.toml\"]\nscheduler_floor = 0.3\nnovelty = 0"))
        let settings = try config.settings(forIsland: 1)
        guard case let .scheduler(scheduler) = settings.proposer else { Issue.record("\(settings.proposer)"); return }
        #expect(scheduler.emitters == [.mutation(.shape), .llm(config: "configs/proposers/x.toml")] && scheduler.floor == 0.3 && settings.novelty == 0)
        // Without an LLM the island builds the scheduler itself, one emitter per family with a weighted operator.
        let proposer = try #require(defaults.builtInProposer(qualityInputs: false) as? EmitterScheduler)
        #expect(proposer.emitters.map(\.name) == ["tweak", "shape", "recombine"])
        for (text, key, fragment) in [
            ("emitters = [\"mutate\"]", "island.emitters", "expected mutation families (tweak, shape, recombine)"),
            ("emitters = [\"a.toml\", \"b.toml\"]", "island.emitters", "more than one LLM"),
            ("emitters = [\"shape\", \"shape\"]", "island.emitters", "twice"),
            ("proposer = \"mutation\"\nemitters = [\"shape\"]", "island.emitters", "only with proposer = \"scheduler\""),
        ] {
            #expect {
                try ClusterConfig.load(path: try write("[island]\n" + text)).settings(forIsland: 1)
            } throws: { error in
                let e = error as? ConfigError
                return e?.key == key && e?.message.contains(fragment) == true
            }
        }
    }

    @Test func theAuditIsReadAndItsShareDefaultsByTheTask() throws {
        let unset = try ClusterConfig.load(path: try write("")).settings(forIsland: 1).audit
        #expect(unset.share == nil && unset.share(stageThreeOwnTask: true) == AuditSettings.cascadeShare && unset.share(stageThreeOwnTask: false) == 0)
        let path = try write("islands_directory = \"ISLANDS\"\n[island.audit]\nshare = 0.25\nwarn_below = 0.5\nminimum = 8", islands: [2: "[audit]\nshare = 0"])
        let config = try ClusterConfig.load(path: path)
        let audit = try config.settings(forIsland: 1).audit
        #expect(audit.share == 0.25 && audit.warnBelow == 0.5 && audit.minimum == 8 && audit.share(stageThreeOwnTask: false) == 0.25)
        let off = try config.settings(forIsland: 2).audit
        #expect(off.share == 0 && off.share(stageThreeOwnTask: true) == 0 && off.warnBelow == 0.5)
    }

    @Test func badIslandFileIsAnErrorNamingItsFile() throws {
        let path = try write("islands_directory = \"ISLANDS\"", islands: [2: "children_per_generation = \"eight\""])
        let config = try ClusterConfig.load(path: path)
        #expect(try config.settings(forIsland: 1).childrenPerGeneration == 8)
        do {
            _ = try config.settings(forIsland: 2)
            Issue.record("accepted a bad island file")
        } catch {
            #expect(error.description.contains("island-2.toml: key 'children_per_generation': expected an integer, got string"), "\(error)")
        }
    }

    @Test func theShippedMigrationPoliciesLoadAndBadOnesNameTheirKey() throws {
        let directory = Self.root.appendingPathComponent("configs/migration")
        for name in ["ring", "bidirectional-ring", "torus", "star", "all-to-all", "random-k"] {
            let policy = try MigrationPolicy.load(path: directory.appendingPathComponent("\(name).toml").path)
            #expect(policy.topology.rawValue == name)
        }
        let config = try ClusterConfig.load(path: Self.root.appendingPathComponent("configs/cluster.toml").path)
        #expect(config.evaluator == .farm && config.farm.workers == 2 && config.migrationPath == "configs/migration/ring.toml")
        let bad = try write("topology = \"ring\"\nreception = \"always\"")
        #expect(throws: ConfigError.self) { try MigrationPolicy.load(path: bad) }
        do { _ = try MigrationPolicy.load(path: bad) } catch {
            #expect(error.description.contains("key 'reception': expected one of \"compete\", \"replace-worst\", \"random\""))
        }
    }

    @Test func topologiesConnectTheRightPeers() {
        var policy = MigrationPolicy()
        let ids = [1, 2, 3, 4]
        #expect(ids.map { policy.peers(of: $0, among: ids) } == [[2], [3], [4], [1]])
        policy.topology = .bidirectionalRing
        #expect(policy.peers(of: 1, among: ids) == [2, 4])
        policy.topology = .star
        #expect(policy.peers(of: 1, among: ids) == [2, 3, 4] && policy.peers(of: 3, among: ids) == [1])
        policy.topology = .allToAll
        #expect(policy.peers(of: 2, among: ids) == [1, 3, 4])
        policy.topology = .torus  // 2 x 2: right and down neighbours (left and up are the same islands)
        #expect(policy.peers(of: 1, among: ids) == [2, 3] && policy.peers(of: 4, among: ids) == [2, 3])
        policy.topology = .randomK
        policy.k = 2
        var random = RandomSource(seed: 1)
        let picks = (0..<20).map { _ in policy.destinations(of: 1, among: ids, random: &random) }
        #expect(picks.allSatisfy { $0.count == 2 && !$0.contains(1) } && Set(picks).count > 1)
    }
}
