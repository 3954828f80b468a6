import CZeroMQ
import Synchronization

/// A ZeroMQ context; one per process is enough. A context with a CURVE server socket also runs
/// that socket's ``ZAPAuthenticator``, which it stops before the context ends.
public final class ZMQContext: @unchecked Sendable {
    let handle: UnsafeMutableRawPointer
    private let authenticatorSlot = Mutex<ZAPAuthenticator?>(nil)

    public init() {
        handle = zmq_ctx_new()
    }

    deinit {
        authenticatorSlot.withLock { $0 }?.stop()
        zmq_ctx_term(handle)
    }

    /// The context's authenticator for `security`, started by its first server socket. Every
    /// server socket of one context admits the same key.
    func authenticator(for security: SocketSecurity) throws -> ZAPAuthenticator {
        try authenticatorSlot.withLock { slot in
            if let running = slot {
                guard running.security === security else { throw WireError(operation: "one context, two cluster keys", code: EINVAL) }
                return running
            }
            let started = try ZAPAuthenticator(context: handle, security: security)
            slot = started
            return started
        }
    }
}
