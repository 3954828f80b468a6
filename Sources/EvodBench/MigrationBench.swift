import Cluster
import Evaluation
import Foundation
import Island
import Wire

/// Migration latency, from the sender's send to the receiver's archive insert, over a real PUSH/PULL
/// pair on TCP loopback: the receiver parses, validates, recomputes descriptors, checks the task
/// and inserts, exactly as an island does.
func benchmarkMigration() throws {
    func engine(_ id: Int) throws -> (IslandEngine, String) {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("evod-migration-bench-\(UUID().uuidString).sqlite").path
        var settings = IslandSettings(id: id, seed: UInt64(id))
        settings.childrenPerGeneration = 20
        return (try IslandEngine(settings: settings, store: try IslandStore(path: path), evaluator: NoOpEvaluator()), path)
    }
    let (sender, senderPath) = try engine(1)
    let (receiver, receiverPath) = try engine(2)
    defer {
        for path in [senderPath, receiverPath] { for suffix in ["", "-wal", "-shm"] { try? FileManager.default.removeItem(atPath: path + suffix) } }
    }
    for _ in 0..<30 { try sender.runGeneration() }
    let policy = {
        var policy = MigrationPolicy()
        policy.emigrants = 2
        policy.selection = .random
        return policy
    }()

    let context = ZMQContext()
    let security = SocketSecurity(clusterKey: try CurveKeyPair.generate())
    let port = Int.random(in: 50_000...55_000)
    let inbox = try ZMQSocket(context, type: ZMQSocket.pull, maximumMessageSize: ZMQSocket.hardMessageLimit)
    try inbox.bind("tcp://127.0.0.1:\(port)", security: security)
    try inbox.setReceiveTimeout(milliseconds: 2_000)
    let outbox = try ZMQSocket(context, type: ZMQSocket.push, maximumMessageSize: ZMQSocket.hardMessageLimit)
    try outbox.connect("tcp://127.0.0.1:\(port)", security: security)

    // One message at a time (the next is sent once the last is in): latency, not queueing.
    let messages = 200
    let latencies = LatencyLog(), processing = LatencyLog()
    let received = DispatchSemaphore(value: 0)
    Thread {
        for _ in 0..<messages {
            guard let frames = try? inbox.receive(), let frame = frames.first,
                let message = try? Envelope.decode(MigrantMessage.self, from: frame)
            else { break }
            let arrived = Date().timeIntervalSince1970
            guard (try? receiver.receive(message, policy: policy)) != nil else { break }
            latencies.append(Date().timeIntervalSince1970 - message.sentAt)
            processing.append(Date().timeIntervalSince1970 - arrived)
            received.signal()
        }
    }.start()
    var fresh = 0
    for generation in 0..<messages {
        guard var message = try sender.emigrate(policy: policy, peers: [2], generation: generation) else { continue }
        fresh += try message.candidates.filter { try receiver.store.liveCandidate(fingerprint: $0.fingerprint) == nil }.count
        message.sentAt = Date().timeIntervalSince1970
        try outbox.send(Envelope.encode(message))
        guard received.wait(timeout: .now() + 10) == .success else { break }
    }
    let sorted = latencies.values.sorted()
    let work = processing.values.sorted()
    if !work.isEmpty { print(String(format: "migration_receive_processing      p50 %.2f ms  p99 %.2f ms", work[work.count / 2] * 1e3, work[work.count * 99 / 100] * 1e3)) }
    guard !sorted.isEmpty else { print("migration_latency  no message arrived"); return }
    func percentile(_ p: Double) -> Double { sorted[min(sorted.count - 1, Int(Double(sorted.count) * p))] }
    print(
        String(
            format: "migration_latency_send_to_insert  p50 %.2f ms  p99 %.2f ms  max %.2f ms  (%d messages of 2 migrants, %d new to the receiver; target p99 < 10 ms)",
            percentile(0.5) * 1e3, percentile(0.99) * 1e3, (sorted.last ?? 0) * 1e3, sorted.count, fresh))
}

/// Latencies appended from one thread, read after it finishes.
final class LatencyLog: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [Double] = []
    func append(_ value: Double) { lock.lock(); storage.append(value); lock.unlock() }
    var values: [Double] { lock.lock(); defer { lock.unlock() }; return storage }
}
