import Foundation

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
}
