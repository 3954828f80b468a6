import Foundation
import GRDB
import LLMProposer

extension IslandStore {
    static func registerConversationTables(_ migrator: inout DatabaseMigrator) {
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

    /// A slot's conversation, and the candidate its last turn proposed when no feedback follows it yet.
    public func conversation(slot: Int) throws -> (Conversation, awaitingFeedback: Int64?) {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT role, content, candidate FROM llm_turns WHERE slot = ? ORDER BY id", arguments: [slot])
            let turns = rows.map { ChatMessage(role: $0["role"], content: $0["content"]) }
            let last = rows.last
            let awaiting: Int64? = (last?["role"] as String?) == "assistant" ? last?["candidate"] : nil
            return (Conversation(turns: turns), awaiting)
        }
    }

    /// Appends a slot's new turns, counts the tokens and failures, and records the proposal (if any)
    /// linked to the last assistant turn: one transaction.
    /// `rejected` are the replies that were not a valid loss, kept as invalid candidates with their error.
    public func recordExchange(
        slot: Int, newTurns: [ChatMessage], tally: ProposalTally, proposal: CandidateRecord?,
        rejected: [CandidateRecord]
    ) throws -> CandidateRecord? {
        try pool.write { db in
            for record in rejected { _ = try Self.insertProposal(db, record) }
            var stored: CandidateRecord?
            if let proposal { stored = try Self.insertProposal(db, proposal) }
            for (index, turn) in newTurns.enumerated() {
                let candidate = index == newTurns.count - 1 && turn.role == "assistant" ? stored?.id : nil
                try db.execute(
                    sql: "INSERT INTO llm_turns (slot, role, content, candidate) VALUES (?, ?, ?, ?)",
                    arguments: [slot, turn.role, turn.content, candidate])
            }
            try Self.bump(db, "llm.requests", by: tally.requests)
            try Self.bump(db, "llm.tokens.prompt", by: tally.promptTokens)
            try Self.bump(db, "llm.tokens.completion", by: tally.completionTokens)
            for reason in tally.failures { try Self.bump(db, "llm.failed." + reason) }
            if tally.explore { try Self.bump(db, "llm.explore.requests") }
            if tally.nearDuplicate { try Self.bump(db, "llm.near_duplicates") }
            if tally.onTarget == true { try Self.bump(db, "llm.explore.on_target") }
            if tally.newCell == true { try Self.bump(db, tally.explore ? "llm.new_cell.explore" : "llm.new_cell.exploit") }
            return stored
        }
    }

    /// Proposals by outcome (evaluated, failed, duplicate, invalid, pending) of one proposer.
    public func proposalOutcomes(proposer: String) throws -> [String: Int] {
        try pool.read { db in
            let rows = try Row.fetchAll(db, sql: "SELECT status, COUNT(*) AS n FROM candidates WHERE proposer = ? GROUP BY status", arguments: [proposer])
            return Dictionary(uniqueKeysWithValues: rows.map { ($0["status"] as String, $0["n"] as Int) })
        }
    }
}
