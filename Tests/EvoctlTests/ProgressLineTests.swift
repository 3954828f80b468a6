import Foundation
import TestSupport
import Testing

/// The progress line of long CLI work: drawn in place on a terminal, absent from pipes.
struct ProgressLineTests {
    /// Runs evoctl with standard error a terminal (under `script`), or a pipe; returns what that
    /// stream (and, on a terminal, standard output too) received.
    static func standardError(_ arguments: [String], terminal: Bool) throws -> (status: Int32, text: String) {
        let (evoctl, root) = (LossCommandTests.evoctl.path, LossCommandTests.root)
        guard terminal else { return try ProcessOutput.run(evoctl, arguments, in: root, keeping: .error) }
        let shown = try Terminal.run(evoctl, arguments, in: root)
        return (shown.status, shown.output)
    }

    /// Two losses on a two-member suite at stage 2 (2 betas x 3 seeds each): 24 training runs,
    /// counted as they finish, redrawn in place with carriage returns, ended by a newline.
    @Test func compareCountsItsTrainingRunsOnATerminalOnly() throws {
        try CompareAndValidateTests.withSuite { task, _ in
            let arguments = ["loss", "compare", "losses/dpo.loss", "losses/ipo.loss", "--task", task]
            let shown = try Self.standardError(arguments, terminal: true)
            #expect(shown.status == 0)
            #expect(shown.text.contains("\rcompare: 24/24 training runs, 100%"), "\(shown.text)")
            #expect(!shown.text.contains("25/24"))
            let piped = try Self.standardError(arguments, terminal: false)
            #expect(piped.status == 0 && piped.text.isEmpty, "a pipe got: \(piped.text)")
        }
    }

    /// `loss eval` counts the runs of its one loss.
    @Test func evalCountsItsTrainingRuns() throws {
        try CompareAndValidateTests.withSuite { task, _ in
            let shown = try Self.standardError(["loss", "eval", "losses/dpo.loss", "--task", task, "--stage", "1"], terminal: true)
            #expect(shown.status == 0)
            #expect(shown.text.contains("\reval: 2/2 training runs, 100%"), "\(shown.text)")
        }
    }
}
