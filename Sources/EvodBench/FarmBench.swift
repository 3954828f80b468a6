import Cluster
import Evaluation
import Farm
import Foundation
import Logging
import LossLanguage
import Model
import Wire

/// The farm's benchmarks (issue 5), run with real sockets over TCP loopback: a broker, workers
/// and an island's client, each on threads of this process. Unpinned: they need both cores.

/// A task that sleeps instead of training (standing in for a GPU run of fixed length).
struct SleepEvaluator: Evaluator {
    let taskHash = "sleep"
    let seconds: Double

    func evaluate(_ loss: LossGraph, name: String, stage: Stage) -> EvaluationResult {
        Thread.sleep(forTimeInterval: seconds)
        return .success(runs: [RunRecord(beta: 0.1, seed: 1, start: "sleep", metrics: ["fitness": 0.5])], fitnessKey: "fitness", stage: stage, seconds: seconds)
    }
}

/// A broker and `workers` workers of `threads` threads on fresh loopback ports; stops them on `stop()`.
final class FarmRig {
    let broker: BrokerServer
    let workers: [FarmWorker]
    /// One client per simulated island, each with its own identity and socket.
    let clients: [FarmClient]
    var client: FarmClient { clients[0] }
    let directory: String

    /// With `curve` (the cluster's default), every socket uses CURVE with one fresh key.
    /// `audit` is the broker's audit policy (default: none, so that the other numbers stay comparable with earlier runs).
    init(evaluator: any Evaluator, workers count: Int, threads: Int, islands: Int = 1, curve: Bool = true, audit: AuditPolicy = .off) throws {
        var logger = Logger(label: "bench")
        logger.logLevel = .error
        directory = FileManager.default.temporaryDirectory.appendingPathComponent("evod-farm-bench-\(UUID().uuidString)").path
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
        var settings = FarmSettings()
        // Ephemeral ports the kernel picks for the broker (no collision with a rig still closing).
        (settings.islandsEndpoint, settings.workersEndpoint, settings.controlEndpoint) =
            ("tcp://127.0.0.1:*", "tcp://127.0.0.1:*", "tcp://127.0.0.1:*")
        let security = SocketSecurity(clusterKey: curve ? try CurveKeyPair.generate() : nil)
        broker = try BrokerServer(
            settings: settings, audit: audit, cache: try ResultCache(path: directory + "/cache.sqlite"), token: "bench", security: security, logger: logger)
        let broker = self.broker
        let thread = Thread {
            do { try broker.run() } catch { fatalError("the benchmark's broker failed: \(error)") }
        }
        thread.name = "broker"
        thread.start()
        var bound: [String]?
        while bound == nil {
            Thread.sleep(forTimeInterval: 0.01)
            bound = broker.boundEndpoints.withLock { $0 }
        }
        let endpoints = bound ?? []
        workers = (0..<count).map { _ in
            FarmWorker(evaluator: evaluator, endpoint: endpoints[1], threads: threads, heartbeatInterval: 0.5, security: security, logger: logger)
        }
        clients = (0..<islands).map {
            FarmClient(farm: .fixed(islands: endpoints[0]), identity: "island-bench-\($0 + 1)", resendInterval: 600, security: security, logger: logger)
        }
        for worker in workers { Thread { try? worker.run() }.start() }
        for client in clients { try client.start() }
        while broker.status().workers != count { Thread.sleep(forTimeInterval: 0.01) }
    }

    func stop() {
        for client in clients { client.stop() }
        for worker in workers { worker.stop() }
        broker.stop()
        Thread.sleep(forTimeInterval: 0.2)
        try? FileManager.default.removeItem(atPath: directory)
    }

    /// A request for a distinct (never cached) key.
    static func request(_ index: Int, taskHash: String) -> EvaluationRequest {
        EvaluationRequest(
            requestID: "bench-\(index)", taskHash: taskHash, fingerprint: "bench-\(UUID().uuidString)", stage: .one,
            name: "dpo", source: "-logsigmoid(beta * rho)")
    }

    /// Runs `count` requests from `callers` threads at once, spread over the clients; returns the
    /// seconds it took. Each request's latency (call to result) goes to `latencies` when given.
    func run(_ count: Int, callers: Int, taskHash: String, latencies: LatencyLog? = nil) -> Double {
        let issued = Counter()
        let group = DispatchGroup()
        let start = DispatchTime.now().uptimeNanoseconds
        for caller in 0..<callers {
            group.enter()
            Thread { [clients] in
                let client = clients[caller % clients.count]
                while true {
                    let index = issued.next()
                    if index >= count { break }
                    let sent = DispatchTime.now().uptimeNanoseconds
                    _ = client.evaluate(Self.request(index, taskHash: taskHash))
                    latencies?.append(Double(DispatchTime.now().uptimeNanoseconds - sent) / 1e9)
                }
                group.leave()
            }.start()
        }
        group.wait()
        return Double(DispatchTime.now().uptimeNanoseconds - start) / 1e9
    }
}

func benchmarkFarm() throws {
    // 1. Overhead: one request at a time through broker and worker, minus the worker's own work.
    let noop = NoOpEvaluator()
    let rig = try FarmRig(evaluator: noop, workers: 1, threads: 1)
    _ = rig.run(200, callers: 1, taskHash: noop.taskHash)  // warm up
    let sequential = 2_000
    let busyBefore = rig.broker.status().busySeconds
    let roundTrip = rig.run(sequential, callers: 1, taskHash: noop.taskHash) / Double(sequential)
    let busy = ((rig.broker.status().busySeconds) - busyBefore) / Double(sequential)
    rig.stop()
    print(String(format: "farm_broker_overhead_per_eval     %.3f ms  (the broker's own time per evaluation, no-op task; target < 0.5 ms)", busy * 1e3))
    print(String(format: "farm_round_trip_noop              %.3f ms  (island -> broker -> worker -> broker -> island, one at a time)", roundTrip * 1e3))

    // 2. Throughput with two workers and many requests in flight.
    let pair = try FarmRig(evaluator: noop, workers: 2, threads: 1)
    _ = pair.run(500, callers: 32, taskHash: noop.taskHash)
    let total = 10_000
    let seconds = pair.run(total, callers: 64, taskHash: noop.taskHash)
    pair.stop()
    print(String(format: "farm_throughput_noop_2_workers    %.0f evaluations/s  (%d distinct requests, 64 in flight; target >= 2000)", Double(total) / seconds, total))

    // 3. Scaling with a task that sleeps 100 ms: 1 to 32 worker threads. Efficiency is throughput
    // over the ideal, threads / 0.1 s (stricter than over the measured 1-thread point).
    let sleeper = SleepEvaluator(seconds: 0.1)
    var line = "farm_scaling_sleep_100ms          "
    var worst = 1.0
    for threads in [1, 2, 4, 8, 16, 32] {
        let rig = try FarmRig(evaluator: sleeper, workers: 1, threads: threads)
        let jobs = 16 * threads
        let throughput = Double(jobs) / rig.run(jobs, callers: jobs, taskHash: sleeper.taskHash)
        rig.stop()
        let efficiency = throughput / (Double(threads) / sleeper.seconds)
        worst = min(worst, efficiency)
        line += String(format: "%d: %.1f/s eff %.3f  ", threads, throughput, efficiency)
    }
    print(line + String(format: "(lowest %.3f; target >= 0.9)", worst))

    // 4. What audits cost: four one-thread workers on a task that sleeps 20 ms, without audits and
    // at the default share, side by side (issue 38's target: at most 10% of the throughput).
    let defaults = FarmSettings()
    let short = SleepEvaluator(seconds: 0.02)
    var throughput: [Double] = []
    for audit in [AuditPolicy.off, defaults.audit(for: .prefbanditDefault)] {
        let rig = try FarmRig(evaluator: short, workers: 4, threads: 1, audit: audit)
        _ = rig.run(40, callers: 16, taskHash: short.taskHash)
        let jobs = 1_000
        throughput.append(Double(jobs) / rig.run(jobs, callers: 16, taskHash: short.taskHash))
        rig.stop()
    }
    print(
        String(
            format: "farm_audit_cost_sleep_20ms        %.1f/s without audits, %.1f/s at share %.2f: cost %.1f%% (target <= 10%%)", throughput[0],
            throughput[1], defaults.auditShare, 100 * (1 - throughput[1] / throughput[0])))
}

/// A counter that hands out 0, 1, 2, ... to any thread.
final class Counter: @unchecked Sendable {
    private let lock = NSLock()
    private var value = 0
    func next() -> Int { lock.lock(); defer { lock.unlock() }; value += 1; return value - 1 }
}
