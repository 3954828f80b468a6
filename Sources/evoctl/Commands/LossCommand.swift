import ArgumentParser

/// `evoctl loss ...`: work on one loss file, no cluster needed.
struct LossCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loss",
        abstract: "Describe or export a loss file (.loss compact form or .py PyTorch form).",
        subcommands: [LossDescribe.self, LossExport.self]
    )
}
