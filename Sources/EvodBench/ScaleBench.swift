import Evaluation
import Foundation

/// The broker at scale (issue 19): 16 islands (one client each) and 64, 128 and 256 workers of one
/// thread, all on threads of this process over TCP loopback. With a no-op task the broker is the
/// bottleneck: its throughput, the request latency from an island's call to its result (p50, p99;
/// queueing included, two requests in flight per worker) and the share of the wall time its thread
/// was busy; with CURVE on every socket (the default), and with plain sockets at the largest size.
/// With a task sleeping 1 s: how close 256 workers come to 256 evaluations a second.
func benchmarkScale(workerCounts: [Int] = [64, 128, 256], islands: Int = 16) throws {
    let noop = NoOpEvaluator()
    // CURVE (the default) at every size, and plain sockets at the largest, for CURVE's cost.
    let runs = workerCounts.map { ($0, true) } + [(workerCounts.max() ?? 256, false)]
    for (workers, curve) in runs {
        let rig = try FarmRig(evaluator: noop, workers: workers, threads: 1, islands: islands, curve: curve)
        let callers = 2 * workers
        _ = rig.run(2 * callers, callers: callers, taskHash: noop.taskHash)  // warm up
        let latencies = LatencyLog()
        let total = 20_000
        let busyBefore = rig.broker.status().busySeconds
        let seconds = rig.run(total, callers: callers, taskHash: noop.taskHash, latencies: latencies)
        let busy = rig.broker.status().busySeconds - busyBefore
        rig.stop()
        let sorted = latencies.values.sorted()
        func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] * 1e3 }
        print(
            String(
                format: "scale_noop_%d_islands_%d_workers_%@  %.0f evaluations/s  latency p50 %.2f ms  p99 %.2f ms  broker busy %.0f%% of %.1f s",
                islands, workers, curve ? "curve" : "plain", Double(total) / seconds, percentile(0.5), percentile(0.99), 100 * busy / seconds, seconds))
    }
    let sleeper = SleepEvaluator(seconds: 1)
    let workers = workerCounts.max() ?? 256
    let rig = try FarmRig(evaluator: sleeper, workers: workers, threads: 1, islands: islands)
    let jobs = 4 * workers
    let seconds = rig.run(jobs, callers: workers, taskHash: sleeper.taskHash)
    rig.stop()
    let efficiency = Double(jobs) / seconds / Double(workers)
    print(
        String(
            format: "scale_sleep_1s_%d_workers          %.1f evaluations/s  efficiency %.3f  (%d jobs of 1 s from %d islands)",
            workers, Double(jobs) / seconds, efficiency, jobs, islands))
}
