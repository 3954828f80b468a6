import Foundation
import LossLanguage
import Testing

/// PyTorch-form losses written as an LLM writes them, against values computed by real torch
/// (`Fixtures/make_expected.py`, float64): output, objective and gradients.
struct PyTorchFixtureTests {
    struct Expected: Decodable {
        struct Batch: Decodable { let beta: Double; let pc, pr, rc, rr: [Double] }
        struct Values: Decodable { let output: [Double]; let objective: Double; let grad_pc, grad_pr: [Double] }
        let batch: Batch
        let fixtures: [String: Values]
    }

    static let expected: Expected = {
        let data = try! Data(contentsOf: Support.fixtures.appendingPathComponent("pytorch/expected.json"))
        return try! JSONDecoder().decode(Expected.self, from: data)
    }()

    static let valid = (try? Support.files("pytorch", extension: "py")) ?? []
    static let invalid = (try? Support.files("pytorch-invalid", extension: "py")) ?? []

    @Test func everyFixtureHasExpectedValues() {
        #expect(Self.valid.count >= 15)
        #expect(Set(Self.valid.map(\.name)) == Set(Self.expected.fixtures.keys))
    }

    @Test(arguments: valid.map(\.name))
    func matchesTorch(name: String) throws {
        let text = try #require(Self.valid.first { $0.name == name }?.text)
        let parsed = try LossValidator.parseAndValidate(text)
        #expect(parsed.form == .pytorch)
        let b = Self.expected.batch
        let values = try #require(Self.expected.fixtures[name])
        // torch's `.float()` casts to float32, so constants multiplied into such a mask lose digits
        // there; evod computes in float64 throughout and treats `.float()` as a no-op.
        let tolerance = text.contains(".float()") ? 1e-6 : 1e-9
        let evaluator = LossEvaluator(graph: parsed.graph, batchSize: b.pc.count)
        let result = evaluator.gradient(LossBatch(pc: b.pc, pr: b.pr, rc: b.rc, rr: b.rr), beta: b.beta)
        #expect(result.output.count == values.output.count)
        #expect(zip(result.output, values.output).allSatisfy { Support.close($0, $1, tolerance) }, "\(name) output \(result.output) vs \(values.output)")
        #expect(Support.close(result.objective, values.objective, tolerance))
        #expect(zip(result.pc, values.grad_pc).allSatisfy { Support.close($0, $1, tolerance) }, "\(name) grad pc \(result.pc) vs \(values.grad_pc)")
        #expect(zip(result.pr, values.grad_pr).allSatisfy { Support.close($0, $1, tolerance) }, "\(name) grad pr \(result.pr) vs \(values.grad_pr)")
    }

    @Test(arguments: invalid.map(\.name))
    func invalidFixtureIsATypedErrorWithItsReason(name: String) throws {
        let text = try #require(Self.invalid.first { $0.name == name }?.text)
        let expectation = try #require(text.split(separator: "\n").first?.replacingOccurrences(of: "# expect: ", with: ""))
        do {
            _ = try LossValidator.parseAndValidate(text)
            Issue.record("\(name) was accepted")
        } catch {
            #expect(error.description.lowercased().contains(expectation.lowercased()), "\(name): \(error)")
        }
    }

    @Test func scalarReturnUsesThePapersMessage() throws {
        let text = try #require(Self.invalid.first { $0.name.contains("scalar") }?.text)
        #expect(throws: LossError.shape("Expected loss shape to be per input (e.g. (10,)), got torch.Size([])", line: 19)) {
            try LossParser.parse(text)
        }
    }
}
