import Foundation
import Synchronization

/// A line on standard error that redraws itself in place as long CLI work advances (`loss compare`,
/// `validate`, `up`), like pip's or cargo's. Drawn only when standard error is a terminal, so pipes,
/// logs and scripts see nothing of it. Safe to advance from several threads at once.
final class ProgressLine: Sendable {
    private let label: String
    private let unit: String
    private let total: Int
    private let terminal: Bool
    private let started = Date()
    /// Units done, and when the line was last drawn (redraws are at most ten a second).
    private let state = Mutex((done: 0, drawn: Date.distantPast))

    /// A line `label: done/total unit, percent, seconds`; `terminal` defaults to whether standard
    /// error is one.
    init(_ label: String, total: Int, unit: String, terminal: Bool = isatty(STDERR_FILENO) == 1) {
        (self.label, self.total, self.unit, self.terminal) = (label, total, unit, terminal)
    }

    /// Counts `count` more units done and redraws the line when it is due.
    func advance(by count: Int = 1) {
        let line: String? = state.withLock { state in
            state.done += count
            let now = Date()
            guard terminal, state.done >= total || now.timeIntervalSince(state.drawn) >= 0.1 else { return nil }
            state.drawn = now
            return text(done: state.done)
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Sets the count (for work measured by polling, such as processes answering) and redraws.
    func update(done: Int) {
        let line: String? = state.withLock { state in
            state.done = done
            state.drawn = Date()
            return terminal ? text(done: done) : nil
        }
        if let line { FileHandle.standardError.write(Data(line.utf8)) }
    }

    /// Ends the line, so that what is printed next starts on a fresh one.
    func finish() {
        if terminal { FileHandle.standardError.write(Data("\n".utf8)) }
    }

    private func text(done: Int) -> String {
        let percent = total > 0 ? 100 * Double(min(done, total)) / Double(total) : 100
        let seconds = Date().timeIntervalSince(started)
        // \u{1B}[K clears what a longer earlier line left to the right.
        return "\r\(label): \(done)/\(total) \(unit), " + String(format: "%.0f%%, %.0f s", percent, seconds) + "\u{1B}[K"
    }
}
