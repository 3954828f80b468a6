import ArgumentParser
import Evaluation

/// `evoctl`: shows and steers an evod cluster, and works on loss files directly.
@main
struct Evoctl: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evoctl",
        abstract: "Show and steer an evod cluster; describe, evaluate and export losses.",
        subcommands: [
            Up.self, Down.self, Keys.self, Status.self, Watch.self, DashboardCommand.self, Migrations.self, Best.self, Show.self, Export.self, ArchiveCommand.self, Validate.self,
            FarmCommand.self, Pause.self,
            Resume.self, Stop.self,
            LossCommand.self,
        ]
    )

    static func main() async {
        OpenBLASEnvironment.ensureSingleThreaded()
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? AsyncParsableCommand { try await asyncCommand.run() } else { try command.run() }
        } catch {
            exit(withError: error)
        }
    }
}
