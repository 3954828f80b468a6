import ArgumentParser
import LossLanguage

/// `evoctl loss export FILE --format pytorch|trl|loss|latex`.
struct LossExport: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "export",
        abstract: "Export a valid loss as PyTorch (DiscoPOP signature), a TRL DPOTrainer, the compact form or LaTeX."
    )

    @OptionGroup var loss: LossFileOptions

    @Option(help: "pytorch, trl, loss or latex.")
    var format: ExportFormat = .pytorch

    @Option(help: "The function name in the PyTorch and TRL exports (default: the loss's own name).")
    var name: String?

    func run() throws {
        do {
            let parsed = try LossParser.parse(bytes: try loss.readBytes(), form: loss.resolvedForm)
            try LossValidator.validate(parsed.graph)
            print(parsed.graph.export(format, name: name ?? parsed.name ?? loss.defaultName), terminator: "")
        } catch let error as LossError {
            throw CommandFailure("\(loss.file): \(error)")
        }
    }
}

extension ExportFormat: ExpressibleByArgument {}
