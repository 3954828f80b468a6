import ArgumentParser
import Foundation
import LossLanguage

/// `evoctl export ID --format pytorch|trl|loss|latex [--island N]`.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a candidate as PyTorch, a TRL DPOTrainer, the compact form or LaTeX.")

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The candidate id, or `best` for the best loss of the cluster.") var id: String
    @Option(help: "The island holding it (ignored for `best`).") var island = 1
    @Option(help: "pytorch, trl, loss or latex.") var format: ExportFormat = .pytorch

    func run() throws {
        let (_, candidate) = try cluster.candidate(id, island: island, in: try cluster.loadCluster())
        guard let canonical = candidate.canonical, let graph = try? LossParser.parse(canonical).graph else {
            throw CommandFailure("candidate \(candidate.id) has no valid loss to export (status: \(candidate.status.rawValue))")
        }
        print(graph.export(format, name: candidate.name), terminator: "")
    }
}
