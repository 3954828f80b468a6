import Foundation
import LossLanguage
import Testing

/// Hostile or broken sources give a typed error, never a crash or a hang.
struct HostileSourceTests {
    static func body(_ line: String) -> String {
        """
        import torch
        def loss(self, policy_chosen_logps, policy_rejected_logps, reference_chosen_logps, reference_rejected_logps):
            \(line)
            return -F.logsigmoid(self.beta * (policy_chosen_logps - policy_rejected_logps))
        """
    }

    @Test(arguments: [
        ("x = __import__('os')", "'__import__' is not allowed"),
        ("x = open('/etc/passwd')", "'open' is not allowed"),
        ("x = eval('1')", "'eval' is not allowed"),
        ("x = torch.save", "'torch.save' is not allowed"),
        ("x = policy_chosen_logps.__class__", "'__class__' is not allowed"),
        ("x = torch.nn.functional.__dict__", "'__dict__' is not allowed"),
        ("x = torch.utils.data", "'torch.utils' is not allowed"),
        ("import os", "importing 'os' is not allowed"),
        ("x = self.label_smoothing", "self.label_smoothing is not available"),
        ("for i in range(3): pass", "loops are not supported"),
        ("self.beta = 2", "assigning to an attribute"),
        ("x = policy_chosen_logps[0]", "indexing"),
        ("x = lambda: 1", "lambda is not supported"),
    ])
    func forbiddenConstructIsRejectedWithItsLine(line: String, message: String) {
        do {
            _ = try LossParser.parse(Self.body(line))
            Issue.record("accepted: \(line)")
        } catch {
            #expect(error.description.contains(message), "\(line): \(error)")
            #expect(error.description.hasPrefix("line 3:"), "\(line): \(error)")
        }
    }

    @Test func oversizedSourceIsRejectedBeforeParsing() {
        let huge = String(repeating: "rho + ", count: 200_000) + "rho"
        #expect(throws: LossError.tooLarge("The source is too large: \(huge.utf8.count) bytes (the limit is 16384)")) {
            try LossParser.parse(huge)
        }
    }

    @Test func deepNestingIsAnErrorNotAStackOverflow() {
        let deep = String(repeating: "(", count: 10_000) + "rho" + String(repeating: ")", count: 10_000)
        #expect(throws: LossError.self) { try LossParser.parse(bytes: Array(deep.utf8)) }
        let small = String(repeating: "(", count: 5_000) + "rho" + String(repeating: ")", count: 5_000)
        #expect(throws: LossError.self) { try LossParser.parse(small) }
        let unary = String(repeating: "-", count: 8_000) + "rho"
        #expect(throws: LossError.self) { try LossParser.parse(unary) }
    }

    @Test func nulBytesAndInvalidUTF8AreTypedErrors() {
        #expect(throws: LossError.syntax("the source contains a NUL byte", line: 1)) { try LossParser.parse("rho\u{0} + 1") }
        #expect(throws: LossError.syntax("the source is not valid UTF-8 (at byte 4)", line: nil)) {
            try LossParser.parse(bytes: Array("rho ".utf8) + [0xFF, 0xFE] + Array("+ 1".utf8))
        }
    }

    @Test func tooManyNodesIsRejected() throws {
        let doubling = "x=rho;" + String(repeating: "x=sigmoid(x)+x;", count: 1_050) + "x"
        #expect(doubling.utf8.count <= LossParser.sourceLimit)
        do {
            _ = try LossParser.parse(doubling)
            Issue.record("a loss of 2,100 operations was accepted")
        } catch {
            #expect(error == .tooLarge("The loss is too large: 2101 operations (the limit is 2000)"))
        }
    }

    @Test func exponentialBlowUpBySharingStaysBounded() throws {
        var source = "x = rho\n"
        for _ in 0..<60 { source += "x = x * x + x\n" }
        source += "x"
        let graph = try LossParser.parse(source).graph  // 2^60 as a tree, 181 nodes as a DAG
        #expect(graph.nodes.count < 200)
        #expect(!graph.canonicalForm.isEmpty)
    }

    @Test func divisionByZeroOnEveryInputFailsValidation() throws {
        #expect(throws: LossError.self) { try LossValidator.parseAndValidate("-logsigmoid(beta * rho) / (rho - rho)") }
        #expect(throws: LossError.self) { try LossValidator.parseAndValidate("-logsigmoid(beta * rho) / 0") }
    }

    @Test func lineNumbersCountLinesInsideStringsAndContinuations() {
        let source = "def f(self, a, b, c, d):\n    \"\"\"doc\n    more \\\n    end\"\"\"\n    x = (a +\n         b)\n    y = open\n    return a - b\n"
        #expect(throws: LossError.unsupported("the name 'open' is not allowed", line: 7)) { try LossParser.parse(source) }
    }
}
