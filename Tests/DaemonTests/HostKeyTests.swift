import Cluster
import Farm
import Foundation
import Testing
import Wire

/// Issue 38: keys per host. Two workers connect with keys of their own hosts; revoking one host's
/// key makes the running farm refuse that worker at its next message, with no restart, while the
/// other host's worker goes on.
@Suite(.serialized)
struct HostKeyTests {
    @Test func aRevokedHostIsRefusedWhileAKeptOneKeepsWorking() throws {
        let harness = try ClusterHarness(islands: 1, cluster: #"evaluator = "farm""#)
        let keyPath = harness.directory.appendingPathComponent("state/cluster.key").path
        for host in ["gpu-a", "gpu-b"] {
            let issued = try ClusterKey.issueHostKey(host, clusterKeyPath: keyPath)
            // The host's copy of the config names its own key file as its cluster key.
            let config = try String(contentsOf: harness.directory.appendingPathComponent("cluster.toml"), encoding: .utf8)
            try harness.write("cluster_key = \"\(issued.path)\"\n" + config, to: "cluster-\(host).toml")
        }
        #expect(throws: (any Error).self, "a name is admitted once") { try ClusterKey.issueHostKey("gpu-a", clusterKeyPath: keyPath) }
        try harness.startFarm()
        try harness.startIsland(1)
        for host in ["gpu-a", "gpu-b"] { try harness.start("worker-\(host)", ["--worker"], config: "cluster-\(host).toml") }
        try harness.waitUntil("both hosts' workers") { harness.farmStatus()?.workers == 2 }
        let farmLog = harness.log("farm")
        #expect(farmLog.contains("worker=gpu-a") && farmLog.contains("worker=gpu-b"), "workers are named by their key's host")
        try harness.waitUntil("the first generation") { harness.generation(island: 1) >= 1 }

        // A host key runs workers, not islands: a request for an evaluation from one is dropped.
        guard case let .host(hostKey) = try ClusterKey.loadKeyFile(path: harness.directory.appendingPathComponent("state/hosts/gpu-b.key").path) else {
            Issue.record("gpu-b's key file is not a host key")
            return
        }
        let context = ZMQContext()
        let impostor = try ZMQSocket(context, type: ZMQSocket.dealer)
        try impostor.setRoutingID("island-9")
        try impostor.connect(harness.farmIslands, security: SocketSecurity(hostKey: hostKey))
        let request = EvaluationRequest(requestID: "x", taskHash: "t", fingerprint: "f", stage: .one, name: "dpo", source: "-logsigmoid(beta * rho)")
        try impostor.send(Envelope.encode(request))
        try harness.waitUntil("the farm to drop a host key's request") { harness.log("farm").contains("a request from host gpu-b's key") }

        #expect(try ClusterKey.revokeHostKey("gpu-a", clusterKeyPath: keyPath))
        let revoked = Date()
        try harness.waitUntil("the farm to refuse the revoked host", seconds: 10) { harness.farmStatus()?.workers == 1 }
        let seconds = Date().timeIntervalSince(revoked)
        #expect(harness.log("farm").contains("a revoked host's worker is refused"))
        let generation = harness.generation(island: 1)
        try harness.waitUntil("two more generations on the kept host") { harness.generation(island: 1) >= generation + 2 }
        #expect(harness.farmStatus()?.workers == 1, "the revoked worker did not come back")
        #expect((harness.farmStatus()?.droppedMessages ?? 0) > 0, "its beats are dropped")
        harness.stopAll()
        print("host key revoked: refused after \(String(format: "%.2f", seconds)) s (heartbeat 0.2 s)")
    }
}
