import Evaluation
import Foundation
import LossDescriptors
import LossLanguage
import Model

/// What an island pays per candidate on the default suite, split into the loss's own work (parse,
/// validate, fingerprint, descriptors) and its evaluation (stage 1, and stage 2 when it was
/// promoted), for the candidates of a real search: a JSON array of `{"source", "stage"}` objects
/// (`sqlite3 -json ISLAND.sqlite "select source, stage from candidates where status = 'evaluated'"`).
/// Instances are built before timing, as an island's are after its first candidates.
func benchmarkShare(file: String) throws {
    struct Row: Decodable { let source: String; let stage: Int? }
    let rows = try JSONDecoder().decode([Row].self, from: Data(contentsOf: URL(fileURLWithPath: file)))
    let suite = TaskConfig.defaultSuite.makeEvaluator()
    let dpo = StandardLosses.named("dpo")!.graph
    for stage in [Stage.one, .two] { _ = suite.evaluate(dpo, name: "dpo", stage: stage) }
    var ownWork: [(seconds: Double, source: String)] = [], evaluation = 0.0
    for row in rows {
        var graph: LossGraph?
        let own = time(repeats: 1) {
            guard let parsed = try? LossValidator.parseAndValidate(row.source) else { return }
            _ = parsed.graph.fingerprint
            _ = try? Descriptors(of: parsed.graph)
            graph = parsed.graph
        }
        guard let graph else { continue }
        ownWork.append((own, row.source))
        evaluation += time(repeats: 1) {
            _ = suite.evaluate(graph, name: "c", stage: .one)
            if row.stage == 2 { _ = suite.evaluate(graph, name: "c", stage: .two) }
        }
    }
    let own = ownWork.reduce(0) { $0 + $1.seconds }
    let count = Double(max(ownWork.count, 1))
    print(
        String(
            format: "island_share_default_suite  %d candidates: parse, validate, fingerprint, descriptors %.1f ms per candidate (%.1f%% of the island's time), evaluation %.0f ms",
            ownWork.count, own / count * 1e3, 100 * own / (own + evaluation), evaluation / count * 1e3))
    for (seconds, source) in ownWork.sorted(by: { $0.seconds > $1.seconds }).prefix(3) {
        print(String(format: "  slowest (parse to descriptors) %.1f ms: ", seconds * 1e3) + source.prefix(100))
    }
}
