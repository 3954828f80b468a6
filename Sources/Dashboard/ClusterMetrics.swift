import Control
import ControlPlane
import Prometheus

/// The cluster in Prometheus's exposition format (`/metrics`): per-island series labelled by
/// island, and the farm's. Each scrape asks the cluster afresh; counters are the islands' own
/// totals (they survive restarts with the islands' databases).
enum ClusterMetrics {
    static func exposition(_ report: ClusterReport) -> String {
        let registry = PrometheusCollectorRegistry()
        for island in report.islands {
            let label = ("island", "\(island.id)")
            registry.makeGauge(descriptor: metric("evod_island_up", "1 when the island answers its control endpoint"), labels: [label]).set(island.status == nil ? 0.0 : 1.0)
            guard let s = island.status else { continue }
            func gauge(_ name: String, _ help: String, _ value: Double, _ extra: [(String, String)] = []) {
                registry.makeGauge(descriptor: metric(name, help), labels: [label] + extra).set(value)
            }
            func counter(_ name: String, _ help: String, _ value: Int, _ extra: [(String, String)] = []) {
                registry.makeCounter(descriptor: metric(name, help), labels: [label] + extra).increment(by: Int64(value))
            }
            gauge("evod_island_generation", "generations finished", Double(s.generation))
            gauge("evod_island_population", "candidates ever proposed", Double(s.population))
            gauge("evod_island_archive_filled", "archive cells filled", Double(s.archive.filled))
            gauge("evod_island_archive_coverage", "share of archive cells filled", s.archive.coverage)
            gauge("evod_island_qd_score", "sum over filled cells of fitness minus the floor", s.archive.qdScore)
            if let best = s.best {
                gauge("evod_island_best_fitness", "the best candidate's fitness (confirmed where confirmed)", best.fitness, [("confirmed", best.confirmed ? "true" : "false")])
            }
            gauge("evod_island_evaluations_inflight", "pending evaluations", Double(s.evaluations.inflight))
            gauge("evod_island_fault", "1 while generations fail (a full disk, say)", s.fault == nil ? 0 : 1)
            gauge("evod_island_warnings", "warnings about the island's configuration (evoctl status shows them)", Double(s.warnings?.count ?? 0))
            counter("evod_island_evaluations_total", "evaluations done", s.evaluations.done)
            counter("evod_island_evaluations_failed_total", "evaluations failed", s.evaluations.failed)
            counter("evod_island_confirmations_total", "stage-3 confirmations", s.evaluations.confirmed)
            if let audit = s.audit {
                counter("evod_island_audits_total", "stage-2 candidates the live proxy audit trained at stage 3", audit.audited)
                if let rho = audit.rankCorrelation {
                    gauge("evod_island_audit_rank_correlation", "Spearman's rank correlation of audited candidates' stage-2 and stage-3 fitness", rho)
                }
            }
            for (outcome, count) in [("valid", s.proposals.valid), ("invalid", s.proposals.invalid), ("duplicate", s.proposals.duplicate)] {
                counter("evod_island_proposals_total", "proposals by stage-0 outcome", count, [("outcome", outcome)])
            }
            let m = s.migration
            for (event, count) in [("sent", m.sent), ("received", m.received), ("accepted", m.accepted), ("rejected", m.rejected), ("dropped", m.dropped)] {
                counter("evod_island_migrants_total", "migrants by what became of them", count, [("event", event)])
            }
            counter("evod_island_resets_total", "FunSearch island resets", m.resets)
            counter(
                "evod_island_refused_connections_total", "connections refused at the handshake (no cluster key, another key)",
                s.security.refusedConnections)
            if case let .scheduler(emitters) = s.proposer {
                for e in emitters {
                    let t = e.tally
                    for (outcome, count) in [
                        ("new", t.new), ("invalid", t.invalid), ("duplicate", t.duplicates), ("near_duplicate", t.nearDuplicates),
                    ] {
                        counter("evod_island_emitter_children_total", "an emitter's children by what the island did with them", count, [("emitter", e.name), ("outcome", outcome)])
                    }
                    counter(
                        "evod_island_emitter_successes_total", "an emitter's children that entered the archive or raised the confirmed best", t.successes, [("emitter", e.name)])
                    gauge("evod_island_emitter_weight", "the probability that the scheduler draws the emitter for the next child", e.weight, [("emitter", e.name)])
                }
            }
            for usage in s.proposer.llmUsages {
                counter("evod_island_llm_requests_total", "LLM requests", usage.requests)
                counter("evod_island_llm_tokens_total", "LLM tokens", usage.tokens.prompt, [("kind", "prompt")])
                counter("evod_island_llm_tokens_total", "LLM tokens", usage.tokens.completion, [("kind", "completion")])
                gauge("evod_island_llm_cost", "LLM cost so far", usage.cost)
            }
        }
        switch report.farm {
        case nil: break
        case .down: registry.makeGauge(descriptor: metric("evod_farm_up", "1 when the farm answers its control endpoint")).set(0.0)
        case let .up(f):
            registry.makeGauge(descriptor: metric("evod_farm_up", "1 when the farm answers its control endpoint")).set(1.0)
            registry.makeGauge(descriptor: metric("evod_farm_workers", "workers connected")).set(Double(f.workers))
            registry.makeGauge(descriptor: metric("evod_farm_queue", "requests waiting for a worker")).set(Double(f.queue))
            registry.makeGauge(descriptor: metric("evod_farm_inflight", "jobs on workers")).set(Double(f.inflight))
            registry.makeCounter(descriptor: metric("evod_farm_evaluations_total", "evaluations done")).increment(by: Int64(f.done))
            registry.makeCounter(descriptor: metric("evod_farm_cache_hits_total", "requests answered from the result cache")).increment(by: Int64(f.cacheHits))
            registry.makeCounter(
                descriptor: metric("evod_farm_malformed_results_total", "worker results that were not an evaluation result of their job, re-run elsewhere")
            ).increment(by: Int64(f.malformedResults ?? 0))
            if let audit = f.audit {
                registry.makeCounter(descriptor: metric("evod_farm_audited_total", "jobs accepted on two agreeing workers' results"))
                    .increment(by: Int64(audit.audited))
                registry.makeCounter(descriptor: metric("evod_farm_audit_disagreements_total", "jobs on which two workers disagreed"))
                    .increment(by: Int64(audit.disagreements))
                registry.makeCounter(descriptor: metric("evod_farm_purged_results_total", "cached results purged with a quarantined worker"))
                    .increment(by: Int64(audit.purged))
                registry.makeGauge(descriptor: metric("evod_farm_quarantined_workers", "workers given no jobs after a malformed or contradicted result"))
                    .set(Double(audit.quarantined.count))
                for worker in audit.quarantined {
                    registry.makeGauge(
                        descriptor: metric("evod_farm_worker_quarantined", "1 for each quarantined worker, by name"), labels: [("worker", worker.name)]
                    ).set(1.0)
                }
            }
            registry.makeGauge(descriptor: metric("evod_farm_throughput", "evaluations per second since the broker started"))
                .set(f.uptimeSeconds > 0 ? Double(f.done) / f.uptimeSeconds : 0)
            registry.makeCounter(
                descriptor: metric("evod_farm_refused_connections_total", "connections refused at the handshake (no cluster key, another key)")
            ).increment(by: Int64(f.security.refusedConnections))
        }
        return registry.emitToString()
    }

    /// A metric's name (used whole: no namespace or unit parts) and its help line.
    private static func metric(_ name: String, _ help: String) -> MetricNameDescriptor {
        MetricNameDescriptor(metricName: name, unitName: "", helpText: help)
    }
}
