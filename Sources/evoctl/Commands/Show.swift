import ArgumentParser
import Control
import Foundation

/// `evoctl show ID [--island N]`: one candidate in full.
struct Show: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show one candidate: source, canonical form, lineage, outcome, metrics, descriptors.")

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The candidate id.") var id: Int64
    @Option(help: "The island holding it.") var island = 1

    func run() throws {
        let config = try cluster.loadCluster()
        let (client, _) = try cluster.client(config, island: island)
        do { print(ClusterOptions.json(try client.show(id: id))) } catch { throw CommandFailure("\(error)") }
    }
}
