import ArgumentParser
import Foundation
import Island
import LossLanguage

/// `evoctl export ID --format pytorch|trl|loss|latex [--island N]`.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Export a candidate as PyTorch, a TRL DPOTrainer, the compact form or LaTeX.")

    @OptionGroup var cluster: ClusterOptions
    @Argument(help: "The candidate id.") var id: Int64
    @Option(help: "The island holding it.") var island = 1
    @Option(help: "pytorch, trl, loss or latex.") var format: ExportFormat = .pytorch

    func run() throws {
        let config = try cluster.loadCluster()
        let (client, _) = try cluster.client(config, island: island)
        let candidate: [String: Any]
        do { candidate = try client.request(["command": "show", "id": id]) as? [String: Any] ?? [:] } catch { throw ValidationError("\(error)") }
        guard let canonical = candidate["canonical"] as? String, let graph = try? LossParser.parse(canonical).graph else {
            throw ValidationError("candidate \(id) has no valid loss to export (status: \(candidate["status"] ?? "?"))")
        }
        print(graph.export(format, name: candidate["name"] as? String ?? "evod_loss_\(id)"), terminator: "")
    }
}
