import Control
import GRDB

extension IslandStore {
    static func registerHistoryTable(_ migrator: inout DatabaseMigrator) {
        migrator.registerMigration("v5-history") { db in
            try db.execute(
                sql: """
                    CREATE TABLE history (
                        generation INTEGER PRIMARY KEY,  -- the generation that finished
                        at REAL NOT NULL,
                        best_search REAL, best_confirmed REAL,
                        qd_score REAL NOT NULL, coverage REAL NOT NULL, filled INTEGER NOT NULL, evaluations INTEGER NOT NULL);
                    """)
        }
    }

    static func insertHistory(_ db: Database, _ point: HistoryPoint) throws {
        try db.execute(
            sql: """
                INSERT OR REPLACE INTO history (generation, at, best_search, best_confirmed, qd_score, coverage, filled, evaluations)
                VALUES (?, ?, ?, ?, ?, ?, ?, ?)
                """,
            arguments: [point.generation, point.at, point.bestSearch, point.bestConfirmed, point.qdScore, point.coverage, point.filled, point.evaluations])
    }

    /// The last `limit` finished generations, oldest first.
    public func history(limit: Int) throws -> [HistoryPoint] {
        try pool.read { db in
            try Row.fetchAll(db, sql: "SELECT * FROM (SELECT * FROM history ORDER BY generation DESC LIMIT ?) ORDER BY generation", arguments: [limit]).map {
                HistoryPoint(
                    generation: $0["generation"], at: $0["at"], bestSearch: $0["best_search"], bestConfirmed: $0["best_confirmed"],
                    qdScore: $0["qd_score"], coverage: $0["coverage"], filled: $0["filled"], evaluations: $0["evaluations"])
            }
        }
    }
}
