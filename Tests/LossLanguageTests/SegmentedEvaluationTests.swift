import LossLanguage
import Testing

/// Several batches side by side in one evaluator (the lockstep training of a candidate's runs)
/// give bit for bit what each batch gives alone.
struct SegmentedEvaluationTests {
    /// Every standard loss, and losses that exercise each way values cross samples: reductions,
    /// broadcast scalars, `arange`/`size`, concatenation, `fill`, `where`, powers and minima.
    static let sources =
        StandardLosses.all.map(\.source) + AutodiffTests.coupled + [
            "min(beta * rho, 1) ** 2 + max(pc - rc, pr - rr) / (1 + abs(rho))",
            "std(cat(pc - rc, pr - rr)) * beta + tanh(rho) * sqrt(abs(pc))",
        ]

    @Test(arguments: sources)
    func segmentsMatchEachBatchAlone(source: String) throws {
        let graph = try Support.parse(source)
        let (n, betas) = (12, [0.03, 0.1, 1.0, 0.3, 0.1])
        let batches = betas.indices.map { Support.randomBatch(seed: 7 + UInt64($0), count: n) }
        let segmented = LossEvaluator(graph: graph, batchSize: n, segments: betas.count)
        let (pc, pr) = (batches.flatMap(\.pc), batches.flatMap(\.pr))
        let (rc, rr) = (batches.flatMap(\.rc), batches.flatMap(\.rr))
        var gpc = [Double](repeating: .nan, count: n * betas.count), gpr = gpc
        var objectives = [Double](repeating: .nan, count: betas.count)
        segmented.objectiveAndGradient(
            pc: pc, pr: pr, rc: rc, rr: rr, betas: betas, seed: .mean, gradPC: &gpc, gradPR: &gpr, objectives: &objectives)
        let outputs = Array(segmented.output)
        let width = outputs.count / betas.count
        for (s, batch) in batches.enumerated() {
            let alone = LossEvaluator(graph: graph, batchSize: n).gradient(batch, beta: betas[s])
            #expect(alone.output.count == width, "\(source): segment \(s) output size")
            #expect(bits(Array(outputs[(s * width)..<((s + 1) * width)])) == bits(alone.output), "\(source): segment \(s) output")
            #expect(objectives[s].bitPattern == alone.objective.bitPattern, "\(source): segment \(s) objective")
            #expect(bits(Array(gpc[(s * n)..<((s + 1) * n)])) == bits(alone.pc), "\(source): segment \(s) d/dpc")
            #expect(bits(Array(gpr[(s * n)..<((s + 1) * n)])) == bits(alone.pr), "\(source): segment \(s) d/dpr")
        }
    }

    /// Segments do not leak into each other: a NaN in one batch leaves the others' values alone.
    @Test func aNaNStaysInItsSegment() throws {
        let graph = try Support.parse("-logsigmoid(beta * (rho - mean(rho)))")
        let good = Support.randomBatch(seed: 1, count: 8)
        var bad = good
        bad.pc[3] = .nan
        let segmented = LossEvaluator(graph: graph, batchSize: 8, segments: 2)
        var gpc = [Double](repeating: 0, count: 16), gpr = gpc, objectives = [0.0, 0.0]
        segmented.objectiveAndGradient(
            pc: bad.pc + good.pc, pr: bad.pr + good.pr, rc: bad.rc + good.rc, rr: bad.rr + good.rr, betas: [0.1, 0.1],
            seed: .mean, gradPC: &gpc, gradPR: &gpr, objectives: &objectives)
        #expect(objectives[0].isNaN)
        #expect(objectives[1] == LossEvaluator(graph: graph, batchSize: 8).gradient(good, beta: 0.1).objective)
        #expect(gpc[8...].allSatisfy { $0.isFinite })
    }

    private func bits(_ values: [Double]) -> [UInt64] { values.map(\.bitPattern) }
}
