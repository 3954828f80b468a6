import ArgumentParser
import Cluster
import Control
import ControlPlane
import Foundation

/// `evoctl farm`: the farm's own commands.
struct FarmCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "farm", abstract: "The farm's workers: take a quarantined worker back.", subcommands: [Release.self])

    /// `evoctl farm release NAME`: lifts a worker's quarantine (docs/farm-trust.md).
    struct Release: ParsableCommand {
        static let configuration = CommandConfiguration(
            abstract: "Take a quarantined worker back: it gets jobs again (its purged results stay purged).",
            discussion: "NAME is the worker's name as `evoctl status` lists it under quarantine. Needs the farm's token, read from its state directory."
        )

        @OptionGroup var cluster: ClusterOptions

        @Argument(help: "The quarantined worker's name.")
        var name: String

        func run() throws {
            let config = try cluster.loadCluster()
            guard let token = ControlToken.read(from: config.farmDirectory) else {
                throw CommandFailure("no farm token in \(config.farmDirectory): run this where the farm's state directory is")
            }
            let status: FarmStatus
            do { status = try cluster.access(config).farmClient.send(.release(worker: name, token: token), expecting: FarmStatus.self) } catch {
                throw CommandFailure("\(error)")
            }
            let left = status.audit?.quarantined.count ?? 0
            print("released \(name); \(left) worker\(left == 1 ? "" : "s") still quarantined")
        }
    }
}
