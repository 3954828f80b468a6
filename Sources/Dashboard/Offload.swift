import Foundation

/// Runs blocking work (control requests wait on ZeroMQ sockets for up to their timeout) on a
/// thread of its own, never on one of the few threads of Swift's cooperative pool or NIO's loops.
func offload<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    try await withCheckedThrowingContinuation { continuation in
        Thread.detachNewThread {
            continuation.resume(with: Result { try body() })
        }
    }
}
