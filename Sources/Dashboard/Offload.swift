import NIOPosix

/// The threads on which the dashboard's requests wait for control replies (a request waits on
/// ZeroMQ sockets for up to its timeout, so it must not hold one of the few threads of Swift's
/// cooperative pool or NIO's event loops). Bounded: a flood of requests queues here instead of
/// starting a thread each. Sixteen, so that a few islands that do not answer (each a timeout) leave
/// threads for the requests that can be answered. Lives as long as the process, like NIO's own
/// singleton pool.
enum ControlRequestPool {
    static let threads: NIOThreadPool = {
        let pool = NIOThreadPool(numberOfThreads: 16)
        pool.start()
        return pool
    }()
}

/// Runs blocking work (control requests) on ``ControlRequestPool``.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await ControlRequestPool.threads.runIfActive { try body() }
}
