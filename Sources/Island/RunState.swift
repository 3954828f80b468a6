import Control
import Foundation

/// The island's run state (running, paused, stopping) with waits that wake when it changes: the
/// generation loop sleeps on it while paused or backing off, and a `resume` or `stop` (a control
/// request, SIGTERM) wakes it at once instead of at its next poll.
final class RunState: @unchecked Sendable {
    // Guarded by `condition`: @unchecked because NSCondition is the lock.
    private var value = IslandState.running
    private let condition = NSCondition()

    var current: IslandState {
        condition.lock()
        defer { condition.unlock() }
        return value
    }

    /// Applies `change` to the state and wakes every waiter.
    func update(_ change: (inout IslandState) -> Void) {
        condition.lock()
        change(&value)
        condition.broadcast()
        condition.unlock()
    }

    /// Waits while the state is `paused`; returns the state it left it for (at once when not paused).
    func waitWhilePaused() -> IslandState {
        condition.lock()
        defer { condition.unlock() }
        while value == .paused { condition.wait() }
        return value
    }

    /// Waits up to `seconds`, returning early once stopping; whether it is stopping.
    func waitUnlessStopping(seconds: Double) -> Bool {
        let deadline = Date().addingTimeInterval(seconds)
        condition.lock()
        defer { condition.unlock() }
        while value != .stopping, condition.wait(until: deadline) {}
        return value == .stopping
    }
}
