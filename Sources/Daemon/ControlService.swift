import Foundation
import Island
import Logging
import ServiceLifecycle
import Synchronization
import Wire

/// The island's control endpoint: a ZeroMQ REP socket answering JSON requests (see ControlHandler),
/// with a maximum message size; it polls so that it notices shutdown within 200 ms.
struct ControlService: Service {
    /// Where it binds, and what it does with the endpoint as bound (publishes it under Slurm).
    let endpoint: String
    let publish: @Sendable (String) throws -> Void
    let handler: ControlHandler
    let controls: IslandControls
    let security: SocketSecurity
    let logger: Logger

    func run() async throws {
        let shutdown = ShutdownFlag()
        let (endpoint, handler, security, logger, publish) = (self.endpoint, self.handler, self.security, self.logger, self.publish)
        try await BlockingThread.run(name: "control", stop: { shutdown.set() }) {
            let context = ZMQContext()
            let socket = try ZMQSocket(context, type: ZMQSocket.reply, maximumMessageSize: ZMQSocket.hardMessageLimit)
            try socket.setReceiveTimeout(milliseconds: 200)
            do { try socket.bind(endpoint, security: security) } catch {
                logger.error("cannot bind the control endpoint; the island stops", metadata: ["endpoint": "\(endpoint)", "error": "\(error)"])
                throw error
            }
            try publish(socket.lastEndpoint ?? endpoint)
            // Answers until the group shuts down (after `stop`, the island service's return triggers it).
            while !shutdown.isSet {
                guard let frames = try socket.receive() else { continue }
                let request = frames.count == 1 ? frames[0] : Data()
                let reply = handler.handle(request)
                try socket.send(reply)
            }
        }
    }
}

extension ControlService: CustomStringConvertible {
    /// Without the handler: its token must never reach a log.
    var description: String { "ControlService(\(endpoint))" }
}

/// A flag set once from any thread.
final class ShutdownFlag: Sendable {
    private let flag = Synchronization.Mutex(false)
    var isSet: Bool { flag.withLock { $0 } }
    func set() { flag.withLock { $0 = true } }
}
