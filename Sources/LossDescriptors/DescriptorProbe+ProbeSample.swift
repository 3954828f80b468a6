import LossLanguage

extension DescriptorProbe {
    /// Whether the slopes of a loss with batch statistics can be had from the probe sample alone:
    /// when no gradient reaches a reduction (each sits under `detach`, as in bco_pair's running
    /// mean) and no reduction reads another's result, the slope at the probe is its own output's
    /// derivative along the elementwise paths, with each reduction's value taken over the whole
    /// batch. The other 63 samples then matter only through those values, and before any reduction
    /// their values do not depend on x: one full pass per beta gives them. `arange` and the batch
    /// size depend on a sample's place in the batch, so they keep the full evaluation.
    static func probeSampleSuffices(_ graph: LossGraph) -> Bool {
        let nodes = graph.nodes
        let carries = graph.carriesGradient
        var receivesGradient = [Bool](repeating: false, count: nodes.count)
        receivesGradient[graph.root] = true
        for id in stride(from: graph.root, through: 0, by: -1) where receivesGradient[id] {
            switch nodes[id].op {
            case .detach, .compare: continue
            case .select: for arg in nodes[id].args.dropFirst() { receivesGradient[arg] = true }
            default: for arg in nodes[id].args { receivesGradient[arg] = true }
            }
        }
        var afterReduction = [Bool](repeating: false, count: nodes.count)
        for (id, node) in nodes.enumerated() {
            switch node.op {
            case .index, .batchSize: return false
            case .reduce:
                if afterReduction[node.args[0]] || (receivesGradient[id] && carries[id]) { return false }
                afterReduction[id] = true
            default: afterReduction[id] = node.args.contains { afterReduction[$0] }
            }
        }
        return true
    }

    /// The slopes at `xs` by ``probeSampleSuffices(_:)``: one full pass at the first x keeps every
    /// reduction's argument over the whole batch; then each x is a one-sample evaluation whose
    /// reductions read that argument with the probe's values (the last sample of each block of 64)
    /// put in. Equal to the full evaluation's slopes, value for value (a test checks every grid point).
    func probeSampleSlopes(_ xs: [Double], _ beta: Double) -> [Double] {
        let n = Self.referenceX.count + 1
        let full = LossEvaluator(graph: graph, batchSize: n)
        let batch = Self.batch(Self.referenceX + [xs.first ?? 0], beta: beta)
        full.forward(pc: batch.pc, pr: batch.pr, rc: batch.rc, rr: batch.rr, beta: beta)
        var wholes: [NodeID: UnsafeMutableBufferPointer<Double>] = [:]
        for (id, node) in graph.nodes.enumerated() {
            guard case .reduce = node.op else { continue }
            let values = full.values(of: node.args[0])
            let whole = UnsafeMutableBufferPointer<Double>.allocate(capacity: values.count)
            _ = whole.initialize(from: values)
            wholes[id] = whole
        }
        defer { for whole in wholes.values { whole.deallocate() } }
        let probe = LossEvaluator(graph: graph, batchSize: 1)
        probe.reductionInput = { id, values, count in
            // A one-sample evaluation holds k values of a k·N-element argument: sample N - 1 of each block.
            let whole = wholes[id]!
            for block in 0..<count { whole[block * n + n - 1] = values[block] }
            return (UnsafePointer(whole.baseAddress!), whole.count)
        }
        var (gpc, gpr) = (0.0, 0.0)
        return xs.map { x in
            let rho = x / beta
            var (pc, pr, rc, rr) = (Self.referenceChosen + rho / 2, Self.referenceRejected - rho / 2, Self.referenceChosen, Self.referenceRejected)
            probe.objectiveAndGradient(pc: &pc, pr: &pr, rc: &rc, rr: &rr, beta: beta, seed: .sum, gradPC: &gpc, gradPR: &gpr)
            return Self.slope(gpc, gpr, beta: beta)
        }
    }
}
