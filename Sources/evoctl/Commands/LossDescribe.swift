import ArgumentParser
import Foundation
import LossDescriptors
import LossLanguage
import Model

/// `evoctl loss describe FILE [--json]`: name, validity, canonical form, fingerprint, descriptors.
struct LossDescribe: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "describe",
        abstract: "Parse and validate a loss; print its canonical form, fingerprint and shape descriptors.",
        discussion: "Exits non-zero when the loss is invalid (the error is still printed, in JSON too)."
    )

    @OptionGroup var loss: LossFileOptions

    @Flag(help: "Print one JSON object: name, valid, error, canonical, fingerprint, descriptors.")
    var json = false

    func run() throws {
        let report = LossReport.describe(try loss.readBytes(), form: loss.resolvedForm, defaultName: loss.defaultName)
        print(json ? report.json : report.text)
        if !report.valid { throw ExitCode(1) }
    }
}

/// What `loss describe` reports about one source.
struct LossReport: Encodable {
    var name: String
    var valid: Bool
    var error: String?
    var canonical: String?
    var fingerprint: String?
    var descriptors: Descriptors?

    static func describe(_ bytes: [UInt8], form: SourceForm?, defaultName: String) -> LossReport {
        var report = LossReport(name: defaultName, valid: false)
        do {
            let parsed = try LossParser.parse(bytes: bytes, form: form)
            report.name = parsed.name ?? defaultName
            report.canonical = parsed.graph.canonicalForm
            report.fingerprint = parsed.graph.fingerprint.hex
            try LossValidator.validate(parsed.graph)
            report.valid = true
            report.descriptors = try Descriptors(of: parsed.graph)
        } catch let error as LossError {
            report.error = error.description
        } catch {
            report.error = "\(error)"
        }
        return report
    }

    func encode(to encoder: Encoder) throws {
        enum Key: String, CodingKey { case name, valid, error, canonical, fingerprint, descriptors }
        var container = encoder.container(keyedBy: Key.self)
        try container.encode(name, forKey: .name)
        try container.encode(valid, forKey: .valid)
        try container.encode(error, forKey: .error)  // explicit null when absent
        try container.encode(canonical, forKey: .canonical)
        try container.encode(fingerprint, forKey: .fingerprint)
        try container.encode(descriptors, forKey: .descriptors)
    }

    var json: String {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys, .withoutEscapingSlashes]
        return (try? String(decoding: encoder.encode(self), as: UTF8.self)) ?? "{}"
    }

    var text: String {
        var lines = ["name:        \(name)", "valid:       \(valid ? "yes" : "no")"]
        if let error { lines.append("error:       \(error)") }
        if let canonical { lines.append("canonical:   \(canonical)") }
        if let fingerprint { lines.append("fingerprint: \(fingerprint)") }
        if let d = descriptors {
            lines.append(
                String(
                    format: "descriptors: convexity %.4f, grad0 %.4f, beta sensitivity %.4f",
                    d.convexity, d.grad0, d.betaSensitivity))
        }
        return lines.joined(separator: "\n")
    }
}
