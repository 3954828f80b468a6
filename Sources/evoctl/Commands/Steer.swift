import ArgumentParser
import Control
import Foundation

/// `evoctl pause|resume|stop [--island N]`: state-changing commands, sent with each island's token.
enum Steer {

    static func send(_ command: @escaping @Sendable (String) -> ControlRequest, options: ClusterOptions, island: Int?) throws {
        let config = try options.loadCluster()
        var failures = 0
        for entry in config.islands where island == nil || entry.id == island {
            let (client, token) = try options.client(config, island: entry.id)
            do {
                print("island \(entry.id): \(try client.steer(command(token ?? "")).rawValue)")
            } catch {
                failures += 1
                print("island \(entry.id): \(error)")
            }
        }
        if failures > 0 { throw ExitCode(1) }
    }
}

struct Pause: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Pause islands after their current generation.")
    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Only this island.") var island: Int?
    func run() throws { try Steer.send(ControlRequest.pause, options: cluster, island: island) }
}

struct Resume: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Resume paused islands.")
    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Only this island.") var island: Int?
    func run() throws { try Steer.send(ControlRequest.resume, options: cluster, island: island) }
}

struct Stop: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Stop islands after their current generation (state is kept).")
    @OptionGroup var cluster: ClusterOptions
    @Option(help: "Only this island.") var island: Int?
    func run() throws { try Steer.send(ControlRequest.stop, options: cluster, island: island) }
}
