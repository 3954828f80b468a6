import Synchronization

#if canImport(Glibc)
    import Glibc
#endif

/// The commands an evaluator is running, so that a shutdown can abandon them: ``interrupt()``
/// kills every running command's process group (SIGKILL), and every later run is interrupted
/// before it starts. Without it, a worker or `evoctl` stopped mid-evaluation would leave the
/// command (GPU training, say) running on its own, and its files behind.
final class CommandInterruption: Sendable {
    private let state = Mutex((interrupted: false, groups: Set<pid_t>()))

    var isInterrupted: Bool { state.withLock { $0.interrupted } }

    func interrupt() {
        state.withLock { state in
            state.interrupted = true
            for group in state.groups { kill(-group, SIGKILL) }
        }
    }

    /// Records a started command's process group; false (and the group killed) when already interrupted.
    func register(_ group: pid_t) -> Bool {
        state.withLock { state in
            guard !state.interrupted else {
                kill(-group, SIGKILL)
                return false
            }
            state.groups.insert(group)
            return true
        }
    }

    func unregister(_ group: pid_t) {
        _ = state.withLock { $0.groups.remove(group) }
    }
}
