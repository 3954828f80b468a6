import Control
import ControlPlane
import Foundation
import Synchronization
import Wire

/// The island's run state as the control plane sets it: running, paused, or stopping.
public final class IslandControls: Sendable {
    private let state = RunState()
    private let dropped = Mutex(0)
    public let started = Date()
    /// The island's sockets' security, whose refusals status reports.
    public let security: SocketSecurity

    public init(security: SocketSecurity = .plain()) { self.security = security }

    public var current: IslandState { state.current }

    public func pause() { state.update { if $0 == .running { $0 = .paused } } }
    public func resume() { state.update { if $0 == .paused { $0 = .running } } }
    public func stop() { state.update { $0 = .stopping } }

    /// Waits while the island is paused (a `resume` or `stop` wakes it); the state then.
    public func waitWhilePaused() -> IslandState { state.waitWhilePaused() }

    /// Waits up to `seconds`, returning early once the island is stopping; whether it is.
    @discardableResult
    public func wait(seconds: Double) -> Bool { state.waitUnlessStopping(seconds: seconds) }

    /// What keeps the island from running its generations (a database it cannot write, say), and
    /// since when; nil while it runs.
    public var fault: (message: String, since: Date)? { faultState.withLock { $0 } }
    private let faultState = Mutex<(message: String, since: Date)?>(nil)

    /// Records a fault (keeping when it began, if it goes on); returns whether it is new.
    @discardableResult
    public func reportFault(_ message: String) -> Bool {
        faultState.withLock { fault in
            defer { fault = (message, fault?.since ?? Date()) }
            return fault == nil
        }
    }

    /// Clears the fault; returns how long it lasted, if there was one.
    @discardableResult
    public func clearFault() -> TimeInterval? {
        faultState.withLock { fault in
            defer { fault = nil }
            return fault.map { Date().timeIntervalSince($0.since) }
        }
    }

    /// Warnings for status: the island's configuration's, said once at start (a promotion
    /// threshold that would starve stage 2, say), then a stalled search's while it lasts.
    public var warnings: [String] { warningList.withLock { $0 } + stallWarning.withLock { $0.map { [$0] } ?? [] } }
    private let warningList = Mutex<[String]>([])
    private let stallWarning = Mutex<String?>(nil)

    /// Shows a stalled search in status (nil: it moves again).
    public func setStall(_ message: String?) { stallWarning.withLock { $0 = message } }

    /// Keeps a warning for status.
    public func warn(_ message: String) { warningList.withLock { $0.append(message) } }

    /// Malformed control messages received (counted and dropped).
    public var droppedMessages: Int { dropped.withLock { $0 } }
    func countDropped() { dropped.withLock { $0 += 1 } }

    /// The security part of status.
    public var securityStatus: SecurityStatus { security.status }
}
