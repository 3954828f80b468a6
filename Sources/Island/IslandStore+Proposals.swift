import Control
import Foundation
import GRDB
import Model
import Search

extension IslandStore {
    static func registerConversationTables(_ migrator: inout DatabaseMigrator) {
        // The proposers' memory: conversations (one per LLM proposal in flight). The table kept its
        // first name; any proposer with a memory of turns uses it.
        migrator.registerMigration("v3-conversations") { db in
            try db.execute(
                sql: """
                    CREATE TABLE llm_turns (
                        id INTEGER PRIMARY KEY AUTOINCREMENT,
                        slot INTEGER NOT NULL,          -- the conversation (one per proposal in flight)
                        role TEXT NOT NULL,             -- assistant | user
                        content TEXT NOT NULL,
                        candidate INTEGER REFERENCES candidates(id));  -- the proposal an assistant turn made
                    CREATE INDEX llm_turns_slot ON llm_turns(slot, id);
                    """)
        }
    }

    /// A conversation's turns, and the candidate its last turn proposed when no feedback follows it yet.
    public func memory(slot: Int) throws -> ProposerMemory {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT role, content, candidate, verdict, note FROM llm_turns WHERE slot = ? ORDER BY id", arguments: [slot])
            let last = rows.last.flatMap { ($0["role"] as String) == "assistant" ? $0 : nil }
            let verdict: RefusedProposal? =
                switch last?["verdict"] as TurnVerdict? {
                case .repeated: .repeated
                case .nearRepeat: .nearRepeat(note: last?["note"] ?? "")
                case nil: nil
                }
            return ProposerMemory(
                turns: rows.map { MemoryTurn(role: $0["role"], content: $0["content"]) }, awaitingFeedback: last?["candidate"], awaitingVerdict: verdict)
        }
    }

    /// Records proposals with the proposer's new turns and counters, in one transaction: the
    /// proposals in order (each deduplicated by ``insertProposal(_:_:)``), then the turns, the last
    /// one linked to the last proposal when the update says so. Returns the stored records.
    public func record(_ proposals: [CandidateRecord], memory: MemoryUpdate?, counters: [String: Int]) throws -> [CandidateRecord] {
        try pool.write { db in
            let stored = try proposals.map { try Self.insertProposal(db, $0) }
            if let memory {
                for (index, turn) in memory.turns.enumerated() {
                    let last = memory.linksLastProposal && index == memory.turns.count - 1 ? stored.last : nil
                    // A repeat links the candidate it repeated; a near-repeat the elite it is near, if any.
                    let verdict: TurnVerdict? = last?.status == .duplicate ? (last?.error == nil ? .repeated : .nearRepeat) : nil
                    try db.execute(
                        sql: "INSERT INTO llm_turns (slot, role, content, candidate, verdict, note) VALUES (?, ?, ?, ?, ?, ?)",
                        arguments: [memory.slot, turn.role, turn.content, last?.id ?? last?.duplicateOf, verdict, verdict == nil ? nil : last?.error])
                }
            }
            for (name, amount) in counters.sorted(by: { $0.key < $1.key }) where amount != 0 { try Self.bump(db, .proposer(name), by: amount) }
            return stored
        }
    }

    /// A turn's `verdict` column: why its proposal left no row of its own.
    enum TurnVerdict: String, DatabaseValueConvertible {
        case repeated = "repeat", nearRepeat = "near_repeat"
    }

    /// Proposals by outcome (evaluated, failed, duplicate, invalid, pending) of one proposer.
    public func proposalOutcomes(proposer: ProposalOrigin) throws -> [String: Int] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM candidates WHERE proposer = ? GROUP BY status", arguments: [proposer])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["status"] as String, $0["n"] as Int) })
        }
    }
}
