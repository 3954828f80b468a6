import CZeroMQ
import Control
import ControlPlane
import Evaluation
import Farm
import Foundation
import Testing

@testable import Wire

/// CURVE on every socket (the default): processes without the cluster key, or with another key,
/// are refused at the handshake and counted, and get nothing: no job, no answer, no migrant taken.
@Suite(.serialized)
struct CurveTests {
    @Test func peersWithoutTheClusterKeyGetNothingAndAreCounted() throws {
        let harness = try ClusterHarness.runningFarmRing()
        let taskHash = try TaskConfig.load(path: harness.directory.appendingPathComponent("task.toml").path).hash
        let before = try #require(harness.status(island: 1))

        let clusterPublicKey = try #require(harness.security.clusterKey?.publicKey)
        for stranger in Stranger.allCases {
            let label = "\(stranger)"
            let context = ZMQContext()
            // A worker for the cluster's own task: served, it would get a job or the broker's heartbeat.
            let worker = try ZMQSocket(context, type: ZMQSocket.dealer)
            try worker.setReceiveTimeout(milliseconds: 3_000)
            try stranger.connect(worker, to: harness.farmWorkers, clusterPublicKey: clusterPublicKey)
            try worker.send(Envelope.encode(WorkerMessage.ready(taskHash: taskHash, capacity: 8)))
            // A status request, which any process reaching the port was answered before.
            let asker = try ZMQSocket(context, type: ZMQSocket.request)
            try asker.setReceiveTimeout(milliseconds: 3_000)
            try stranger.connect(asker, to: harness.controlEndpoint(island: 1), clusterPublicKey: clusterPublicKey)
            try asker.send(Data(#"{"command": "status"}"#.utf8))
            // A message on the migration port; served, it would be counted as dropped (it is no migrant message).
            let migrant = try ZMQSocket(context, type: ZMQSocket.push)
            try migrant.setSendTimeout(milliseconds: 500)
            try stranger.connect(migrant, to: harness.migrationEndpoint(island: 1), clusterPublicKey: clusterPublicKey)
            _ = try migrant.send([Data("not a migrant message".utf8)], dontWait: true)

            #expect(try worker.receive() == nil, "the \(label) worker got a message from the broker")
            #expect(try asker.receive() == nil, "the \(label) status request was answered")
        }

        try harness.waitUntil("the refusals to be counted") {
            // Each stranger on the farm's worker port, and on island 1's control and migration ports.
            (harness.farmStatus()?.security.refusedConnections ?? 0) >= Stranger.allCases.count
                && (harness.status(island: 1)?.security.refusedConnections ?? 0) >= 2 * Stranger.allCases.count
        }
        let after = try #require(harness.status(island: 1))
        let farm = try #require(harness.farmStatus())
        #expect(after.security.mode == .curve && farm.security.mode == .curve)
        #expect(farm.workers == 1, "only the cluster's own worker is registered")
        #expect(after.migration.dropped == before.migration.dropped, "a stranger's migrant message reached the island")
        // The cluster goes on among its own processes.
        let generation = harness.generation(island: 1)
        try harness.waitUntil("two more generations and migrants between the islands") {
            harness.generation(island: 1) >= generation + 2 && (harness.status(island: 1)?.migration.received ?? 0) >= 1
        }
        #expect(harness.log("farm").contains("refused a connection without the cluster key"))
        harness.stopAll()
    }

    /// Processes that reach the ports without the cluster's key file.
    enum Stranger: CaseIterable, CustomStringConvertible {
        /// Plain sockets (`curve = false`, or an old evod).
        case keyless
        /// Another cluster's key file.
        case anotherCluster
        /// An impostor who learnt the cluster's public key (it is not secret: logs show it) and
        /// completes the CURVE handshake with its own key pair: only the ZAP handler stops it.
        case impostor

        var description: String {
            switch self {
            case .keyless: "keyless"
            case .anotherCluster: "another cluster's"
            case .impostor: "impostor's"
            }
        }

        func connect(_ socket: ZMQSocket, to endpoint: String, clusterPublicKey: String) throws {
            switch self {
            case .keyless: try socket.connect(endpoint, security: .plain())
            case .anotherCluster: try socket.connect(endpoint, security: SocketSecurity(clusterKey: try CurveKeyPair.generate()))
            case .impostor:
                let own = try CurveKeyPair.generate()
                try socket.setText(ZMQ_CURVE_SERVERKEY, clusterPublicKey)
                try socket.setText(ZMQ_CURVE_PUBLICKEY, own.publicKey)
                try socket.setText(ZMQ_CURVE_SECRETKEY, own.secretKey)
                try socket.connect(endpoint, security: .plain())
            }
        }
    }

    @Test func withoutAKeyFileADaemonSaysHowToMakeOne() throws {
        let harness = try DaemonHarness()
        try FileManager.default.removeItem(at: harness.directory.appendingPathComponent("state/cluster.key"))
        try harness.start()
        let process = try #require(harness.process)
        process.waitUntilExit()
        #expect(process.terminationStatus != 0)
        #expect(harness.log.contains("state/cluster.key: no cluster key: make one with `evoctl keys`"), "\(harness.log)")
    }

    @Test func curveFalseRunsPlainWithAWarning() throws {
        let harness = try DaemonHarness(extraCluster: "curve = false")
        try harness.start()
        let plain = ControlClient(endpoint: "tcp://127.0.0.1:\(harness.port)", peer: .island(1), security: .plain(), timeoutMilliseconds: 5_000)
        let status = try plain.status()
        #expect(status.security.mode == .plain)
        let process = try #require(harness.process)
        kill(process.processIdentifier, SIGTERM)
        process.waitUntilExit()
        #expect(harness.log.contains("curve = false: the cluster's sockets are neither authenticated nor encrypted"), "\(harness.log)")
    }
}
