#if canImport(Glibc)
    import Glibc
#endif

extension posix_spawn_file_actions_t {
    /// Adds the action "close every descriptor from `lowest` up" (glibc 2.34's
    /// `posix_spawn_file_actions_addclosefrom_np`, looked up at run time: Swift's Glibc module does
    /// not declare it). A spawned command then holds none of our sockets, databases or pipes open.
    /// Returns false where glibc lacks it; then only close-on-exec descriptors stay out, which
    /// Foundation's, SQLite's and ZeroMQ's are.
    @discardableResult
    public mutating func addCloseFrom(_ lowest: Int32) -> Bool {
        guard let closeFrom = Self.closeFrom else { return false }
        return withUnsafeMutablePointer(to: &self) { closeFrom($0, lowest) == 0 }
    }

    private typealias CloseFrom = @convention(c) (UnsafeMutablePointer<posix_spawn_file_actions_t>, Int32) -> Int32

    private static let closeFrom: CloseFrom? = {
        guard let symbol = dlsym(UnsafeMutableRawPointer(bitPattern: 0), "posix_spawn_file_actions_addclosefrom_np") else { return nil }
        return unsafeBitCast(symbol, to: CloseFrom.self)
    }()
}

extension posix_spawnattr_t {
    /// Sets the attributes of a command that runs in a process group of its own (so that its whole
    /// group can be killed), with no signal blocked and every signal at its default disposition
    /// (whatever the spawning thread had). The attributes must have been initialised.
    public mutating func setOwnProcessGroup() {
        posix_spawnattr_setflags(&self, Int16(POSIX_SPAWN_SETPGROUP | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        posix_spawnattr_setpgroup(&self, 0)
        resetSignals()
    }

    /// Sets the attributes of a process that leads a session of its own (setsid: it outlives its
    /// parent and a closed terminal), with no signal blocked and every signal at its default.
    public mutating func setOwnSession() {
        // POSIX_SPAWN_SETSID (glibc 2.26+), which Glibc's Swift module hides behind _GNU_SOURCE.
        let setSID: Int32 = 0x80
        posix_spawnattr_setflags(&self, Int16(setSID | POSIX_SPAWN_SETSIGMASK | POSIX_SPAWN_SETSIGDEF))
        resetSignals()
    }

    private mutating func resetSignals() {
        var noSignals = sigset_t(), allSignals = sigset_t()
        sigemptyset(&noSignals)
        sigfillset(&allSignals)
        posix_spawnattr_setsigmask(&self, &noSignals)
        posix_spawnattr_setsigdefault(&self, &allSignals)
    }
}
