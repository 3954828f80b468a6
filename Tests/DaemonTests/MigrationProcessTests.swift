import Foundation
import GRDB
import Testing

/// Migration between real island processes over real ZeroMQ sockets, local evaluation.
@Suite(.serialized)
struct MigrationProcessTests {
    func policy(_ harness: ClusterHarness, _ text: String) throws {
        try harness.write(text, to: "policy.toml")
    }

    @Test func ringMovesMigrantsOnlyInItsDirection() throws {
        let harness = try ClusterHarness(islands: 3, cluster: #"migration = "policy.toml""#)
        try policy(harness, "topology = \"ring\"\nevery_generations = 1\nemigrants = 2\n")
        for id in 1...3 { try harness.startIsland(id) }
        try harness.waitUntil("every island to receive two migrations") {
            try (1...3).allSatisfy { try harness.migrations(island: $0).filter { $0.direction == "received" }.count >= 4 }
        }
        harness.stopAll()
        for id in 1...3 {
            let successor = id % 3 + 1, predecessor = (id + 1) % 3 + 1
            let log = try harness.migrations(island: id)
            #expect(Set(log.filter { $0.direction == "sent" }.map(\.peer)) == [successor], "island \(id) sent against the ring")
            #expect(Set(log.filter { $0.direction == "received" }.map(\.peer)) == [predecessor], "island \(id) received against the ring")
        }
        // Accepted immigrants are candidates of their own, named by their home island.
        let migrants = try harness.database(island: 2).read { db in
            try String.fetchAll(db, sql: "SELECT DISTINCT proposer FROM candidates WHERE proposer LIKE 'migrant:%'")
        }
        #expect(migrants.allSatisfy { $0 == "migrant:1" })
    }

    @Test func allToAllReachesEveryIsland() throws {
        let harness = try ClusterHarness(islands: 3, cluster: #"migration = "policy.toml""#)
        try policy(harness, "topology = \"all-to-all\"\nevery_generations = 1\nemigrants = 1\nselection = \"random\"\n")
        for id in 1...3 { try harness.startIsland(id) }
        try harness.waitUntil("every island to hear from both others") {
            try (1...3).allSatisfy { id in Set(try harness.migrations(island: id).filter { $0.direction == "received" }.map(\.peer)).count == 2 }
        }
        harness.stopAll()
        for id in 1...3 {
            #expect(Set(try harness.migrations(island: id).filter { $0.direction == "sent" }.map(\.peer)) == Set((1...3).filter { $0 != id }))
        }
    }

    @Test func withoutMigrationIslandsNeverShareACandidate() throws {
        let harness = try ClusterHarness(islands: 2)
        for id in 1...2 { try harness.startIsland(id) }
        try harness.waitUntil("three generations on both islands") { harness.generation(island: 1) >= 3 && harness.generation(island: 2) >= 3 }
        harness.stopAll()
        for id in 1...2 {
            #expect(try harness.migrations(island: id).isEmpty)
            #expect(try harness.counter("migration.received", island: id) == 0)
            let migrants = try harness.database(island: id).read { db in
                try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM candidates WHERE proposer LIKE 'migrant:%'") ?? -1
            }
            #expect(migrants == 0)
        }
    }

    @Test func theWeakerIslandIsResetFromASurvivorsBest() throws {
        let harness = try ClusterHarness(islands: 2, cluster: #"migration = "policy.toml""#)
        try policy(harness, "topology = \"ring\"\nevery_generations = 1000\nreset_every_generations = 2\n")
        for id in 1...2 { try harness.startIsland(id) }
        try harness.waitUntil("a reset") {
            (1...2).contains { (harness.status(island: $0)?.migration.resets ?? 0) >= 1 }
        }
        harness.stopAll()
        let resets = try (1...2).map { try harness.counter("migration.resets", island: $0) }
        #expect(resets.contains { $0 > 0 }, "the weaker island resets, got \(resets)")
        #expect(harness.log("island-1").contains("island reset") || harness.log("island-2").contains("island reset"))
    }
}
