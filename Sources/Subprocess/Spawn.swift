#if canImport(Glibc)
    import Glibc
#endif

/// Starting another program: the one place evod calls `posix_spawn`, for commands an evaluator runs
/// and for the daemons `evoctl up` starts.
public enum Spawn {
    /// How the new process stands apart from ours.
    public enum Detachment: Sendable {
        /// In a process group of its own, so that the whole group can be killed at once (a command
        /// an evaluator runs, with everything it starts).
        case processGroup
        /// A session leader of its own (setsid): it outlives us and a closed terminal (a daemon).
        case session
    }

    /// Why a program could not be started.
    public struct Failure: Error, Sendable, CustomStringConvertible {
        public let program: String
        public let code: Int32
        public var description: String { "cannot start '\(program)': \(String(cString: strerror(code)))" }
    }

    /// Starts `argv` (looked up on the PATH when its first word has no slash) in the caller's working
    /// directory, with no signal blocked and every signal at its default disposition, the standard
    /// descriptors that `standard` sets up and no other descriptor of ours: a program that outlived
    /// us (or ran long) would otherwise hold our sockets, databases and pipes open (a port could not
    /// be bound again, a reader never sees EOF). Returns its pid.
    public static func start(_ argv: [String], as detachment: Detachment, standard: (inout posix_spawn_file_actions_t) -> Void) throws(Failure) -> pid_t {
        var attributes = posix_spawnattr_t()
        posix_spawnattr_init(&attributes)
        defer { posix_spawnattr_destroy(&attributes) }
        switch detachment {
        case .processGroup: attributes.setOwnProcessGroup()
        case .session: attributes.setOwnSession()
        }
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        standard(&actions)
        actions.addCloseFrom(3)
        var cArguments = argv.map { strdup($0) } + [nil]
        defer { for pointer in cArguments { free(pointer) } }
        var pid: pid_t = 0
        let status = posix_spawnp(&pid, argv[0], &actions, &attributes, &cArguments, environ)
        guard status == 0 else { throw Failure(program: argv[0], code: status) }
        return pid
    }
}
