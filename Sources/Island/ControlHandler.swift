import Control
import Foundation

/// Answers an island's control requests (docs/architecture.md §9): a ``ControlRequest`` in, a
/// ``ControlReply`` out. Never throws, never crashes on input: malformed requests are counted and
/// answered with the reason.
public struct ControlHandler: Sendable, CustomStringConvertible {
    public let engine: IslandEngine
    public let controls: IslandControls
    public let token: String
    /// Where evaluations run and whether that place answers (the farm client's health, when the
    /// island evaluates on a farm), asked at each status.
    public let evaluatorStatus: @Sendable () -> EvaluatorStatus

    public init(engine: IslandEngine, controls: IslandControls, token: String, evaluatorStatus: @escaping @Sendable () -> EvaluatorStatus = { .local }) {
        (self.engine, self.controls, self.token, self.evaluatorStatus) = (engine, controls, token, evaluatorStatus)
    }

    /// Never shows the token.
    public var description: String { "ControlHandler(island \(engine.settings.id))" }

    /// The reply to one request frame.
    public func handle(_ frame: Data) -> Data {
        let request: ControlRequest
        do { request = try ControlRequest.decode(from: frame) } catch {
            controls.countDropped()
            return ControlCoding.failure("\(error)")
        }
        if let given = request.token, given != token {
            return ControlCoding.failure("'\(request.command.rawValue)' needs the island's token (from its state directory)")
        }
        do {
            return try answer(request)
        } catch {
            return ControlCoding.failure("the island could not answer: \(error)")
        }
    }

    private func answer(_ request: ControlRequest) throws -> Data {
        switch request {
        case .status: return ControlCoding.success(try status())
        case let .best(top): return ControlCoding.success(try best(top: top).map(Self.summary))
        case let .show(id):
            guard let candidate = try engine.store.candidate(id) else { return ControlCoding.failure("no candidate \(id) on island \(engine.settings.id)") }
            return ControlCoding.success(Self.summary(candidate))
        case .archive: return ControlCoding.success(archive())
        case .migrations: return ControlCoding.success(try migrations())
        case let .history(limit): return ControlCoding.success(try engine.store.history(limit: limit))
        case .pause: controls.pause()
        case .resume: controls.resume()
        case .stop: controls.stop()
        case .release: return ControlCoding.failure("'release' is a farm command: an island has no workers")
        }
        return ControlCoding.success(StateReply(state: controls.current))
    }
}
