import Cluster
import Control
import ControlPlane
import Foundation
import Island
import Logging
import LossLanguage
import ServiceLifecycle
import Wire

/// The island's side of migration (docs/architecture.md §7): binds a PULL endpoint for immigrants and
/// PUSH-connects to the peers of the policy's topology. After each generation (and every
/// `every_seconds`) it sends emigrants when the policy says so; every message received is verified,
/// counted and logged, and whatever cannot be verified is dropped.
struct MigrationService: Service, CustomStringConvertible {
    let engine: IslandEngine
    let policy: MigrationPolicy
    let entry: IslandEntry
    let cluster: ClusterConfig
    let generations: Mailbox<Int>
    let security: SocketSecurity
    let logger: Logger

    var description: String { "MigrationService(island \(entry.id), \(policy.topology.rawValue))" }

    func run() async throws {
        let shutdown = ShutdownFlag()
        try await BlockingThread.run(name: "migration", stop: { shutdown.set() }) { try serve(until: shutdown) }
    }

    private func serve(until shutdown: ShutdownFlag) throws {
        let context = ZMQContext()
        let inbox = try ZMQSocket(context, type: ZMQSocket.pull, maximumMessageSize: ZMQSocket.hardMessageLimit)
        let endpoints = cluster.endpoints
        let bindEndpoint = endpoints.bindEndpoint(.islandMigration(entry.id))
        do { try inbox.bind(bindEndpoint, security: security) } catch {
            logger.error("cannot bind the migration endpoint; the island stops", metadata: ["endpoint": "\(bindEndpoint)", "error": "\(error)"])
            throw error
        }
        try endpoints.publish(.islandMigration(entry.id), bound: inbox.lastEndpoint ?? bindEndpoint)
        let ids = cluster.islands.map(\.id)
        // Each peer's PUSH socket follows where the peer listens (under Slurm it publishes late, and
        // again if it is resumed on another node); until then, migrants to it are undelivered.
        var outboxes: [Int: ZMQSocket] = [:]
        var followers: [Int: EndpointFollower] = [:]
        for peer in policy.peers(of: entry.id, among: ids) where cluster.entry(forIsland: peer) != nil {
            outboxes[peer] = try ZMQSocket(context, type: ZMQSocket.push, maximumMessageSize: ZMQSocket.hardMessageLimit)
            followers[peer] = EndpointFollower(security: security) { endpoints.endpoint(.islandMigration(peer)) }
        }
        logger.info(
            "migration ready",
            metadata: [
                "policy": "\(policy.file)", "topology": "\(policy.topology.rawValue)",
                "listening": "\(inbox.lastEndpoint ?? bindEndpoint)", "peers": "\(outboxes.keys.sorted())",
            ])
        var poller = Poller()
        poller.add(inbox)
        poller.add(fileDescriptor: generations.fileDescriptor)
        var random = RandomSource(seed: engine.settings.seed ^ 0x7261_6E64)
        var lastMigration = Date()
        var generation = (try? engine.store.generation()) ?? 0
        while !shutdown.isSet {
            for (peer, socket) in outboxes { try followers[peer]?.follow(socket) }
            let ready = try poller.poll(milliseconds: 100)
            if ready.contains(0) {
                while let (frames, _, userID) = try inbox.receiveWithPeer(dontWait: true) {
                    guard security.isClusterPeer(userID: userID) else {
                        try? engine.store.countDroppedMigration()
                        logger.warning("dropped a migration message from a host key: only islands (the cluster key) send migrants", metadata: ["host": "\(userID ?? "")"])
                        continue
                    }
                    receive(frames)
                }
            }
            var due = false
            if ready.contains(1) {
                for finished in generations.drain() {
                    generation = finished
                    due = due || policy.isDue(generation: finished, secondsSinceLast: 0)
                    if policy.resetEveryGenerations > 0, finished % policy.resetEveryGenerations == 0 {
                        resetIfWeak(generation: finished, random: &random)
                    }
                }
            }
            if due || policy.isDue(generation: 0, secondsSinceLast: Date().timeIntervalSince(lastMigration)) {
                lastMigration = Date()
                try send(generation: generation, outboxes: outboxes, random: &random)
            }
        }
    }

    private func send(generation: Int, outboxes: [Int: ZMQSocket], random: inout RandomSource) throws {
        let destinations = policy.destinations(of: entry.id, among: cluster.islands.map(\.id), random: &random)
        guard let message = try engine.emigrate(policy: policy, peers: destinations, generation: generation) else { return }
        let frame = Envelope.encode(message)
        var undelivered: [Int] = []
        for peer in destinations {
            if try outboxes[peer]?.send([frame], dontWait: true) != true { undelivered.append(peer) }
        }
        logger.info(
            "migrants sent",
            metadata: [
                "sequence": "\(message.sequence)", "to": "\(destinations)",
                "candidates": "\(message.candidates.map(\.lineage.id))",
                "undelivered": "\(undelivered)",
            ])
    }

    /// The FunSearch reset: ranks the islands by their best fitness (asked over the control plane,
    /// all at once); when this island is in the weaker half, it re-seeds its archive with a random
    /// survivor's best.
    private func resetIfWeak(generation: Int, random: inout RandomSource) {
        let access = ClusterAccess(cluster: cluster, security: security, timeoutMilliseconds: 1_000)
        let statuses = ControlClient.concurrently(cluster.islands) { island in (island.id, try? access.client(for: island).status()) }
        let ranking = IslandRanking(statuses.compactMap { id, status in status.map { (id, $0.best?.fitness ?? -.infinity) } })
        guard let survivor = ranking.survivor(for: entry.id, random: &random) else { return }
        let slower = ClusterAccess(cluster: cluster, security: security, timeoutMilliseconds: 2_000)
        guard let island = cluster.entry(forIsland: survivor), let best = try? slower.client(for: island).best(top: 1).first,
            let migrant = Migrant(best, island: survivor)
        else {
            logger.warning("island reset skipped: no best from the survivor", metadata: ["survivor": "\(survivor)"])
            return
        }
        let message = MigrantMessage(source: survivor, sequence: 0, taskHash: engine.evaluatorTaskHash, sentAt: Date().timeIntervalSince1970, candidates: [migrant])
        do {
            let reseeded = try engine.reset(with: message)
            logger.notice(
                "island reset",
                metadata: [
                    "generation": "\(generation)", "survivor": "\(survivor)", "best": "\(migrant.lineage.name)",
                    "fitness": "\(migrant.fitness)", "reseeded": "\(reseeded)", "ranking": "\(ranking.order)",
                ])
        } catch {
            logger.error("island reset failed", metadata: ["error": "\(error)"])
        }
    }

    private func receive(_ frames: [Data]) {
        do {
            guard frames.count == 1 else { throw Envelope.Rejection.malformed("expected one frame, got \(frames.count)") }
            let message = try Envelope.decode(MigrantMessage.self, from: frames[0])
            let report = try engine.receive(message, policy: policy)
            let latency = Date().timeIntervalSince1970 - message.sentAt
            logger.info(
                "migrants received",
                metadata: [
                    "from": "\(message.source)", "sequence": "\(message.sequence)", "received": "\(report.received)",
                    "accepted": "\(report.accepted)", "rejected": "\(report.rejected)", "reasons": "\(report.reasons)",
                    "latency_ms": "\(String(format: "%.2f", latency * 1000))",
                ])
        } catch {
            try? engine.store.countDroppedMigration()
            logger.warning("dropped a migration message", metadata: ["reason": "\(error)"])
        }
    }
}
