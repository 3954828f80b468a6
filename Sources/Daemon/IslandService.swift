import Foundation
import Island
import Logging
import ServiceLifecycle
import Storage

/// Runs generations until a graceful shutdown or a `stop` command; idles while paused. Each
/// generation is stored transactionally, so stopping between them (or being killed) loses nothing.
struct IslandService: Service, CustomStringConvertible {
    var description: String { "IslandService(island \(engine.settings.id))" }

    let engine: IslandEngine
    let controls: IslandControls
    let logger: Logger
    /// Called with the new generation counter after each generation (migration listens).
    let onGeneration: @Sendable (Int) -> Void
    /// Releases evaluations that wait on other processes (the farm) when the island shuts down.
    let interrupt: @Sendable () -> Void

    func run() async throws {
        try await BlockingThread.run(
            name: "island-\(engine.settings.id)",
            stop: { [controls, interrupt] in
                controls.stop()
                interrupt()
            }
        ) {
            // A threshold no better than the baseline's would keep the search on stage 1: said once, at start.
            do {
                if let warning = try engine.promotionThresholdWarning() {
                    logger.warning("\(warning)")
                    controls.warn(warning)
                }
            } catch IslandError.interrupted {
                return
            } catch {
                logger.error("could not check promotion_threshold against the baseline", metadata: ["error": "\(error)"])
            }
            var backoff = 1.0
            var stall = StallWatch()
            var auditWarned = false
            while controls.current != .stopping {
                if controls.current == .paused {
                    _ = controls.waitWhilePaused()
                    continue
                }
                let report: GenerationReport
                do {
                    report = try engine.runGeneration()
                } catch IslandError.interrupted {
                    logger.info("generation interrupted by shutdown; its pending candidates are kept")
                    return
                } catch {
                    // A write refused (a full disk, a read-only file): said once, shown in status, retried
                    // with backoff from what the store holds, and never in the way of a shutdown.
                    if controls.current == .stopping { return }
                    if controls.reportFault("generation \((try? engine.store.generation()) ?? -1) failed: \(error)") {
                        logger.error("generation failed; retrying with backoff until it succeeds", metadata: ["error": "\(error)"])
                    }
                    sleep(seconds: backoff)
                    backoff = min(backoff * 2, 30)
                    try? engine.reload()
                    continue
                }
                if let lasted = controls.clearFault() {
                    logger.notice("generations run again", metadata: ["fault_s": "\(Int(lasted))"])
                    backoff = 1
                }
                if report.idle {
                    controls.wait(seconds: 0.2)  // the LLM budget is spent ("budget spent" in status)
                    continue
                }
                switch stall.record(evaluated: report.evaluated + report.failed) {  // a failed evaluation took its time
                case .began:
                    logger.warning("\(stall.message)", metadata: ["generation": "\(report.generation)"])
                    controls.setStall(stall.message)
                case let .ended(generations):
                    logger.notice("the search moves again", metadata: ["stalled_generations": "\(generations)"])
                    controls.setStall(nil)
                case .none: break
                }
                auditWarned = noteAudit(warned: auditWarned)
                onGeneration(report.generation + 1)
                if stall.isStalled {
                    sleep(seconds: stall.delay)  // not logged: one line a second says nothing the warning did not
                    continue
                }
                logger.info(
                    "generation done",
                    metadata: [
                        "generation": "\(report.generation)", "proposed": "\(report.proposed)", "invalid": "\(report.invalid)",
                        "duplicates": "\(report.duplicates)", "evaluated": "\(report.evaluated)", "failed": "\(report.failed)",
                        "added": "\(report.added)", "filled": "\(engine.archive.filled)",
                    ].merging(report.compacted > 0 ? ["compacted": "\(report.compacted)"] : [:]) { $1 })
                report.vacuum?.log(to: logger, file: "database")
            }
        }
    }

    /// Logs the audit's warning when its rank correlation falls below the level, and a notice when it
    /// is back above (status shows the warning while it lasts); returns whether it is below.
    private func noteAudit(warned: Bool) -> Bool {
        guard let audit = try? engine.auditStatus() else { return warned }
        let warning = IslandEngine.auditWarning(audit)
        if let warning, !warned { logger.warning("\(warning)") }
        if warning == nil, warned {
            logger.notice("the proxy predicts stage 3 again", metadata: ["rank_correlation": "\(audit.rankCorrelation ?? .nan)", "audited": "\(audit.audited)"])
        }
        return warning != nil
    }

    /// Sleeps up to `seconds`, returning early once the island is stopping.
    private func sleep(seconds: Double) { controls.wait(seconds: seconds) }
}
