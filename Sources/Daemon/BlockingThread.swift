import Foundation
import ServiceLifecycle

/// Runs blocking work (generations, socket loops) on a thread of its own, so that it never holds
/// one of the few threads of Swift's cooperative pool.
enum BlockingThread {
    static func run(name: String, _ body: @escaping @Sendable () throws -> Void) async throws {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<Void, any Error>) in
            let thread = Thread {
                do {
                    try body()
                    continuation.resume()
                } catch {
                    continuation.resume(throwing: error)
                }
            }
            thread.name = name
            thread.start()
        }
    }

    /// Runs `body` on its own thread; `stop` asks it to return, on a graceful shutdown (SIGTERM,
    /// SIGINT, a service that finished) and on cancellation (a service of the group that failed),
    /// so that no thread outlives its group.
    static func run(name: String, stop: @escaping @Sendable () -> Void, _ body: @escaping @Sendable () throws -> Void) async throws {
        try await withGracefulShutdownHandler {
            try await withTaskCancellationHandler {
                try await run(name: name, body)
            } onCancel: {
                stop()
            }
        } onGracefulShutdown: {
            stop()
        }
    }
}

/// A blocking loop as a service: `body` runs on its own thread until `stop` makes it return.
struct BlockingService: Service, CustomStringConvertible {
    let name: String
    let stop: @Sendable () -> Void
    let body: @Sendable () throws -> Void

    var description: String { "BlockingService(\(name))" }

    func run() async throws { try await BlockingThread.run(name: name, stop: stop, body) }
}
