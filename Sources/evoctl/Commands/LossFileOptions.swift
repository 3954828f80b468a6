import ArgumentParser
import Foundation
import LossLanguage

/// The loss file argument shared by the `loss` subcommands.
struct LossFileOptions: ParsableArguments {
    @Argument(help: "A loss file: .loss (compact form) or .py (PyTorch form); - reads standard input.")
    var file: String

    @Option(help: "The source form, when the file name does not tell: compact or pytorch.")
    var form: SourceForm?

    /// The form to parse with: the option, else the extension, else detected from the text.
    var resolvedForm: SourceForm? {
        if let form { return form }
        if file.hasSuffix(".py") { return .pytorch }
        if file.hasSuffix(".loss") { return .compact }
        return nil
    }

    /// The file's stem, used as the loss's name when the source does not name it.
    var defaultName: String {
        file == "-" ? "stdin" : URL(fileURLWithPath: file).deletingPathExtension().lastPathComponent
    }

    /// The raw bytes of the file (or standard input).
    func readBytes() throws -> [UInt8] {
        if file == "-" { return Array(FileHandle.standardInput.readDataToEndOfFile()) }
        guard let data = FileManager.default.contents(atPath: file) else {
            throw CommandFailure("cannot read the loss file '\(file)'")
        }
        return Array(data)
    }
}

extension SourceForm: ExpressibleByArgument {}
