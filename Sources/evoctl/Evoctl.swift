import ArgumentParser

/// `evoctl`: shows and steers an evod cluster, and works on loss files directly.
@main
struct Evoctl: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "evoctl",
        abstract: "Show and steer an evod cluster; describe, evaluate and export losses.",
        subcommands: [LossCommand.self]
    )
}
