import ArgumentParser
import Cluster
import Control
import ControlPlane
import Foundation
import Launch
import Model

/// `evoctl status [--json]`: every island of the config and the farm, asked all at once.
struct Status: ParsableCommand {
    static let configuration = CommandConfiguration(abstract: "Show every island of the cluster: state, generation, archive, best, counters.")

    @OptionGroup var cluster: ClusterOptions

    @Flag(help: "Print {\"islands\": [...], \"farm\": {...} or null} as JSON.")
    var json = false

    func run() throws {
        let config = try cluster.loadCluster()
        let report = ClusterReport.ask(try cluster.access(config))
        if json {
            print(ClusterOptions.json(report))
            return
        }
        print((Self.lines(report) + Self.slurmLines(config)).joined(separator: "\n"))
    }

    /// The report as `evoctl status` prints it (and `evoctl watch` redraws it).
    static func lines(_ report: ClusterReport) -> [String] {
        islandLines(report.islands) + problemLines(report.islands) + auditLines(report.islands) + proposerLines(report.islands) + farmLines(report.farm)
            + securityLines(report) + jobLines(report)
    }

    /// After `evoctl up --launcher slurm`, one line per process it submitted (workers too, which
    /// have no control endpoint): its job, and Slurm's state and node for it now.
    static func slurmLines(_ config: ClusterConfig) -> [String] {
        let slurm = SlurmLauncher(config: config, workingDirectory: FileManager.default.currentDirectoryPath)
        let jobs = slurm.recorded()
        guard !jobs.isEmpty else { return [] }
        let queue: [String: SlurmLauncher.HeldJob]
        do { queue = try slurm.queue() } catch { return ["slurm    cannot ask Slurm: \(error)"] }
        return jobs.sorted { $0.key < $1.key }.map { name, job in
            let held = queue[job]?.description ?? "not in Slurm's queue"
            return "slurm    \(name.padding(toLength: 10, withPad: " ", startingAt: 0)) job \(job)  \(held)"
        }
    }

    /// Under Slurm, one line: each answering process's job and node, as the process reports it.
    static func jobLines(_ report: ClusterReport) -> [String] {
        var placed: [(name: String, placement: Placement?)] = []
        for case let .up(island) in report.islands { placed.append(("island \(island.id)", island.placement)) }
        if case let .up(farm) = report.farm { placed.append(("farm", farm.placement)) }
        let jobs = placed.compactMap { name, placement in placement?.slurmJob.map { "\(name) \($0) on \(placement?.host ?? "?")" } }
        return jobs.isEmpty ? [] : ["jobs     " + jobs.joined(separator: ", ")]
    }

    /// One line: how the answering processes' sockets are secured, and who refused connections.
    static func securityLines(_ report: ClusterReport) -> [String] {
        var peers: [(name: String, security: SecurityStatus)] = []
        for case let .up(island) in report.islands { peers.append(("island \(island.id)", island.security)) }
        if case let .up(farm) = report.farm { peers.append(("farm", farm.security)) }
        guard !peers.isEmpty else { return [] }
        let plain = peers.filter { $0.security.mode == .plain }.map(\.name)
        let mode =
            plain.isEmpty
            ? "CURVE with the cluster key"
            : plain.count == peers.count
                ? "PLAIN: not authenticated (curve = false)" : "MIXED: plain on \(plain.joined(separator: ", ")), CURVE elsewhere"
        let refused = peers.filter { $0.security.refusedConnections > 0 }.map { "\($0.name) \($0.security.refusedConnections)" }
        return ["sockets  \(mode)" + (refused.isEmpty ? "" : "  refused connections: \(refused.joined(separator: ", "))")]
    }

    /// A line per island whose generations fail (a fault) or whose evaluations wait for a farm that
    /// does not answer, and one per warning about an island's configuration.
    static func problemLines(_ islands: [ClusterReport.Island]) -> [String] {
        var lines: [String] = []
        for case let .up(island) in islands {
            lines += (island.warnings ?? []).map { "island \(island.id): warning: \($0)" }
            if let fault = island.fault {
                lines.append(String(format: "island %d: generations stopped for %.0f s, retrying: %@", island.id, fault.seconds, fault.error))
            }
            guard island.evaluator.state == .unreachable else { continue }
            lines.append(
                String(
                    format: "island %d: no farm answers at %@ for %.0f s; %d evaluations wait (start it: `evod --farm` or `evoctl up`)",
                    island.id, island.evaluator.endpoint ?? "?", island.evaluator.unreachableSeconds ?? 0, island.evaluations.inflight))
        }
        return lines
    }

    /// One line per island that audits its proxy: how many candidates it drew, and how well their
    /// stage-2 fitness ranks them as their stage-3 fitness does.
    static func auditLines(_ islands: [ClusterReport.Island]) -> [String] {
        var lines: [String] = []
        for case let .up(island) in islands {
            guard let audit = island.audit else { continue }
            var correlation = audit.rankCorrelation.map { String(format: "%+.2f", $0) } ?? "not yet (3 needed)"
            if let lower = audit.lower, let upper = audit.upper { correlation += String(format: " (95%% %+.2f to %+.2f)", lower, upper) }
            lines.append(
                String(
                    format: "audit %2d  %d drawn (share %.2f); rank correlation of stage 2 with %@: %@", island.id, audit.audited, audit.share, audit.stageThree,
                    correlation))
        }
        return lines
    }

    /// One line per emitter of an island's scheduler: its share of the children so far and of the
    /// next draws, what became of its children, and its successes.
    static func emitterLines(_ island: Int, _ emitters: [EmitterStatus]) -> [String] {
        emitters.map { e in
            let t = e.tally
            return String(
                format: "emitter %2d  %@ share %3.0f%%  next %3.0f%%  proposed %d: new %d, repeats %d, near-repeats %d, invalid %d  added %d  raised best %d",
                island, e.name.padding(toLength: max(10, e.name.count), withPad: " ", startingAt: 0), 100 * e.share, 100 * e.weight, t.proposed, t.new, t.duplicates,
                t.nearDuplicates, t.invalid, t.added, t.raisedBest)
        }
    }

    /// The emitter lines of every island with a scheduler, then one line per LLM proposer: state,
    /// requests, tokens, cost, outcomes, failures.
    static func proposerLines(_ islands: [ClusterReport.Island]) -> [String] {
        var lines: [String] = []
        for case let .up(island) in islands {
            if case let .scheduler(emitters) = island.proposer { lines += emitterLines(island.id, emitters) }
            for usage in island.proposer.llmUsages {
                let outcomes = usage.proposals.filter { $0.value > 0 }.sorted { $0.key < $1.key }
                let failures = usage.failures.sorted { $0.key < $1.key }
                lines.append(
                    String(
                        format: "llm %2d  %@  %@  requests %d  tokens %d  cost %.4f  proposals %@  failures %@", island.id, usage.model,
                        usage.state.rawValue, usage.requests, usage.tokens.total, usage.cost,
                        outcomes.isEmpty ? "-" : outcomes.map { "\($0.key) \($0.value)" }.joined(separator: ", "),
                        failures.isEmpty ? "-" : failures.map { "\($0.key) \($0.value)" }.joined(separator: ", ")))
            }
        }
        return lines
    }

    static func islandLines(_ islands: [ClusterReport.Island]) -> [String] {
        var lines: [String] = []
        lines.append("island  state     gen   pop  evals/confirmed  archive         coverage  qd_score  migration s/r/a  best (confirmed fitness, else search)")
        for answer in islands {
            guard case let .up(island) = answer else {
                if case let .down(id, error) = answer { lines.append(String(format: "%6d  %@", id, "down      \(error)")) }
                continue
            }
            let migration = island.migration
            let flows = "\(migration.sent)/\(migration.received)/\(migration.accepted)"
            let confirmedOn = island.confirmationTask.map { " confirmed on \($0)" } ?? " confirmed"
            let bestText =
                island.best.map { "\($0.name) (#\($0.id)) \(ReportFormat.fixed($0.fitness))" + ($0.confirmed ? confirmedOn : " search") } ?? "-"
            let counts = "\(island.evaluations.done)/\(island.evaluations.confirmed)"
            lines.append(
                String(
                    format: "%6d  %@ %5d %5d  %@  %4d / %-6d  %7.3f  %8.3f  %@  %@", island.id,
                    island.state.rawValue.padding(toLength: 9, withPad: " ", startingAt: 0),
                    island.generation, island.population, counts.padding(toLength: 15, withPad: " ", startingAt: 0),
                    island.archive.filled, island.archive.cells, island.archive.coverage, island.archive.qdScore,
                    flows.padding(toLength: 15, withPad: " ", startingAt: 0), bestText))
        }
        return lines
    }

    static func farmLines(_ farm: ClusterReport.Farm?) -> [String] {
        switch farm {
        case nil: return []
        case let .down(error): return ["farm    down      \(error)"]
        case let .up(farm):
            let malformed = (farm.malformedResults ?? 0) > 0 ? "  malformed results \(farm.malformedResults ?? 0) (re-run elsewhere)" : ""
            return [
                String(
                    format: "farm    workers %d  queue %d  inflight %d  done %d  cache hits %d  requeued %d  dropped %d  up %.0f s",
                    farm.workers, farm.queue, farm.inflight, farm.done, farm.cacheHits, farm.requeued, farm.droppedMessages, farm.uptimeSeconds)
                    + malformed
            ] + auditLines(farm.audit)
        }
    }

    /// The farm's audits and each quarantined worker with why (docs/farm-trust.md).
    static func auditLines(_ audit: FarmAuditStatus?) -> [String] {
        guard let audit else { return [] }
        let policy =
            String(format: "share %.2f%@", audit.share, audit.confirmations ? " + every confirmation" : "")
            + (audit.tolerance > 0 ? String(format: ", tolerance %g", audit.tolerance) : ", to the bit")
            + (audit.unauditedStages.isEmpty
                ? "" : ", stage \(audit.unauditedStages.map(String.init).joined(separator: ", ")) unaudited (no audit_tolerance in its task)")
        var line = "audit   \(policy): \(audit.audited) agreed, \(audit.disagreements) disagreements"
        if audit.skipped > 0 { line += ", \(audit.skipped) unaudited (no second worker)" }
        if audit.unresolved > 0 { line += ", \(audit.unresolved) unresolved" }
        if audit.purged > 0 { line += ", \(audit.purged) results purged, \(audit.corrections) corrected" }
        return [line]
            + audit.quarantined.map { worker in
                "quarantined  \(worker.name)\(worker.connected ? " (connected, no jobs)" : ""): \(worker.reason)  (evoctl farm release \(worker.name))"
            }
    }
}
