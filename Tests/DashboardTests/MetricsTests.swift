import Control
import ControlPlane
import Testing

@testable import Dashboard

struct MetricsTests {
    @Test func everyIslandHasItsSeriesAndTheFarmItsOwn() {
        var farm = FarmStatus()
        (farm.workers, farm.done, farm.uptimeSeconds) = (3, 40, 20)
        farm.security = SecurityStatus(mode: .curve, refusedConnections: 7)
        farm.audit = FarmAuditStatus(
            share: 0.05, confirmations: true, tolerance: 0, unauditedStages: [], audited: 9, disagreements: 1, skipped: 0, unresolved: 0, purged: 4,
            corrections: 4, quarantined: [QuarantinedWorker(name: "worker-h-1-2", reason: "lied", connected: true)])
        let report = ClusterReport(islands: [.up(PagesTests.status(id: 1, best: "dpo")), .down(id: 2, error: "x")], farm: .up(farm))
        let lines = ClusterMetrics.exposition(report).split(separator: "\n").map(String.init)
        for line in [
            "evod_island_up{island=\"1\"} 1.0", "evod_island_up{island=\"2\"} 0.0", "evod_island_generation{island=\"1\"} 3.0",
            "evod_island_qd_score{island=\"1\"} 3.1", "evod_island_best_fitness{island=\"1\",confirmed=\"true\"} 0.9",
            "evod_island_fault{island=\"1\"} 1.0", "evod_island_warnings{island=\"1\"} 1.0", "evod_farm_workers 3.0", "evod_farm_evaluations_total 40", "evod_farm_throughput 2.0",
            "evod_farm_refused_connections_total 7", "evod_island_refused_connections_total{island=\"1\"} 0",
            "evod_farm_audited_total 9", "evod_farm_purged_results_total 4", "evod_farm_quarantined_workers 1.0",
            "evod_farm_worker_quarantined{worker=\"worker-h-1-2\"} 1.0",
        ] {
            #expect(lines.contains(line), "missing: \(line)")
        }
        #expect(!lines.contains { $0.contains("island=\"2\"") && !$0.hasPrefix("evod_island_up") }, "a down island has only its up series")
        #expect(lines.filter { $0.hasPrefix("# TYPE evod_island_proposals_total counter") }.count == 1)
    }

    @Test func anAuditingIslandHasItsAuditSeries() {
        var status = PagesTests.status(id: 1, best: "dpo")
        status.audit = PagesTests.audit
        let lines = ClusterMetrics.exposition(ClusterReport(islands: [.up(status)], farm: nil)).split(separator: "\n").map(String.init)
        #expect(lines.contains("evod_island_audits_total{island=\"1\"} 3"), "\(lines.filter { $0.contains("audit") })")
        #expect(lines.contains("evod_island_audit_rank_correlation{island=\"1\"} 0.5"))
        let silent = ClusterMetrics.exposition(ClusterReport(islands: [.up(PagesTests.status(id: 1, best: "dpo"))], farm: nil))
        #expect(!silent.contains("audit"), "an island that audits nothing has no audit series")
    }
}
