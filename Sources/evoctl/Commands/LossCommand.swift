import ArgumentParser

/// `evoctl loss ...`: work on one loss file, no cluster needed.
struct LossCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "loss",
        abstract: "Describe, evaluate, compare or export loss files (.loss compact form or .py PyTorch form).",
        subcommands: [LossDescribe.self, LossExport.self, LossEval.self, LossCompare.self]
    )
}
