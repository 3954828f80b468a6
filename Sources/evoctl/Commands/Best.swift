import ArgumentParser
import Cluster
import Control
import ControlPlane
import Foundation

/// `evoctl best [--top N] [--island N] [--json]`: the best losses across islands.
struct Best: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "List the best losses of the cluster (or of one island).")

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "How many.") var top = 10
    @Option(help: "Only this island.") var island: Int?
    @Flag(help: "Print JSON.") var json = false

    func run() throws {
        let rows = BestRow.collect(try cluster.access(try cluster.loadCluster()), top: top, island: island)
        if json { print(ClusterOptions.json(rows)); return }
        if rows.isEmpty { print("no evaluated losses yet (or no island answered)") }
        if !rows.isEmpty { print("confirmed candidates first, by confirmed fitness (stage 3, confirmation seeds); then the others by search fitness (stage 1 or 2)") }
        for row in rows {
            let c = row.candidate
            let confirmed = c.confirmedFitness.map { "confirmed \(ReportFormat.fixed($0))" } ?? "unconfirmed"
            let difference = c.confirmedDifference.map { d in " (\(ReportFormat.signed(d)) ± \(ReportFormat.fixed(c.confirmedStandardError ?? .nan)) vs baseline)" } ?? ""
            print(
                "\(ReportFormat.fixed(c.rankingFitness ?? .nan))  island \(row.island)  #\(c.id)  \(c.name)  search \(ReportFormat.fixed(c.fitness ?? .nan)), \(confirmed)\(difference)  \(c.canonical ?? "")"
            )
        }
    }
}
