import ArgumentParser
import Control
import Dashboard
import Foundation

/// `evoctl archive --island N [--svg FILE]`: the archive as a table, or as an SVG heatmap.
struct ArchiveCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "archive",
        abstract: "Show an island's archive; --svg writes a heatmap (one panel per beta-sensitivity bin).")

    @OptionGroup var cluster: ClusterOptions
    @Option(help: "The island.") var island = 1
    @Option(help: "Write an SVG heatmap to this file.") var svg: String?

    func run() throws {
        let config = try cluster.loadCluster()
        let (client, _) = try cluster.client(config, island: island)
        let archive: ArchiveSnapshot
        do { archive = try client.archive() } catch { throw CommandFailure("\(error)") }
        let map = ArchiveMap(archive)
        if let svg {
            try map.svg(island: island).write(toFile: svg, atomically: true, encoding: .utf8)
            print("wrote \(svg): \(map.cells.count) filled cells of \(map.counts.c * map.counts.g * map.counts.s)")
        } else {
            print(map.text())
        }
    }
}
