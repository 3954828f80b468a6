import ArgumentParser
import Foundation
import Island
import LossLanguage

/// `evoctl export ID --format pytorch|trl|loss|latex [--island N]`.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a candidate as PyTorch, a TRL DPOTrainer, the compact form or LaTeX.")

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The candidate id, or `best` for the best loss of the cluster.") var id: String
    @Option(help: "The island holding it (ignored for `best`).") var island = 1
    @Option(help: "pytorch, trl, loss or latex.") var format: ExportFormat = .pytorch

    func run() throws {
        let config = try cluster.loadCluster()
        var (islandID, candidateID) = (island, Int64(id))
        if id == "best" {
            guard let best = Best.collect(cluster, config, top: 1, island: nil).first else {
                throw ValidationError("no island answered with an evaluated loss")
            }
            (islandID, candidateID) = (best["island"] as? Int ?? 1, (best["id"] as? NSNumber)?.int64Value)
        }
        guard let candidateID else { throw ValidationError("the candidate id must be a number or `best`, got '\(id)'") }
        let (client, _) = try cluster.client(config, island: islandID)
        let candidate: [String: Any]
        do { candidate = try client.request(["command": "show", "id": candidateID]) as? [String: Any] ?? [:] } catch { throw ValidationError("\(error)") }
        guard let canonical = candidate["canonical"] as? String, let graph = try? LossParser.parse(canonical).graph else {
            throw ValidationError("candidate \(candidateID) has no valid loss to export (status: \(candidate["status"] ?? "?"))")
        }
        print(graph.export(format, name: candidate["name"] as? String ?? "evod_loss_\(candidateID)"), terminator: "")
    }
}
