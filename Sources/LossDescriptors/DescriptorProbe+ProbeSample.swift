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

    /// Probe points evaluated together when the loss allows it (``LossEvaluator/supportsPerSampleStatistics(_:)``).
    static let probeWidth = 256

    /// The slopes at `xs` by ``probeSampleSuffices(_:)``: one full pass at the first x keeps every
    /// reduction's argument over the whole batch; then the probe points are evaluated side by side,
    /// each sample one probe point with its own batch statistics, which ``reduce(_:whole:blockSize:probes:width:into:)``
    /// takes over that argument with the point's values put in (the last sample of each block of 64).
    /// Equal to the full evaluation's slopes, value for value (a test checks every tenth grid point).
    func probeSampleSlopes(_ xs: [Double], _ beta: Double, sideBySide: Bool) -> [Double] {
        let n = Self.referenceX.count + 1
        let full = LossEvaluator(graph: graph, batchSize: n)
        let batch = Self.batch(Self.referenceX + [xs.first ?? 0], beta: beta)
        _ = full.evaluate(batch.withUninformativeQuality, beta: beta)
        var wholes: [NodeID: UnsafeMutableBufferPointer<Double>] = [:]
        for (id, node) in graph.nodes.enumerated() {
            guard case .reduce = node.op else { continue }
            let values = full.values(of: node.args[0])
            let whole = UnsafeMutableBufferPointer<Double>.allocate(capacity: values.count)
            _ = whole.initialize(from: values)
            wholes[id] = whole
        }
        defer { for whole in wholes.values { whole.deallocate() } }
        let width = sideBySide ? max(1, min(Self.probeWidth, xs.count)) : 1
        let probe = LossEvaluator(graph: graph, batchSize: width, perSampleStatistics: true)
        let nodes = graph.nodes
        probe.statistics = { id, values, _, out in
            guard case let .reduce(r) = nodes[id].op, let whole = wholes[id] else { return }
            Self.reduce(r, whole: UnsafeBufferPointer(whole), blockSize: n, probes: values, width: width, into: out)
        }
        var pc = [Double](repeating: 0, count: width), pr = pc, gpc = pc, gpr = pc
        let rc = [Double](repeating: Self.referenceChosen, count: width)
        let rr = [Double](repeating: Self.referenceRejected, count: width)
        var slopes: [Double] = []
        slopes.reserveCapacity(xs.count)
        for start in stride(from: 0, to: xs.count, by: width) {
            let points = min(width, xs.count - start)
            for p in 0..<width {
                let rho = xs[start + min(p, points - 1)] / beta  // a short last block repeats its last point
                (pc[p], pr[p]) = (Self.referenceChosen + rho / 2, Self.referenceRejected - rho / 2)
            }
            pc.withUnsafeBufferPointer { pc in
                pr.withUnsafeBufferPointer { pr in
                    rc.withUnsafeBufferPointer { rc in
                        rr.withUnsafeBufferPointer { rr in
                            let (pc, pr, rc, rr) = (pc.baseAddress!, pr.baseAddress!, rc.baseAddress!, rr.baseAddress!)
                            probe.objectiveAndGradient(
                                pc: pc, pr: pr, rc: rc, rr: rr, quality: Self.uninformative(pc, pr, rc, rr), beta: beta, seed: .sum,
                                gradPC: &gpc, gradPR: &gpr)
                        }
                    }
                }
            }
            for p in 0..<points { slopes.append(Self.slope(gpc[p], gpr[p], beta: beta)) }
        }
        return slopes
    }

    /// For each of `width` probe points, the reduction `r` over `whole` (blocks of `blockSize`
    /// samples) with the last sample of block j replaced by the point's value `probes[j * width + p]`,
    /// accumulated in the order ``LossEvaluator`` reduces in, so value for value the same; the points
    /// are the inner loop, so their sums proceed side by side.
    static func reduce(
        _ r: Reduction, whole: UnsafeBufferPointer<Double>, blockSize n: Int, probes: UnsafePointer<Double>, width: Int,
        into out: UnsafeMutablePointer<Double>
    ) {
        let count = whole.count
        out.update(repeating: 0, count: width)
        for q in 0..<count {
            if q % n == n - 1 {
                let row = probes + (q / n) * width
                for p in 0..<width { out[p] += row[p] }
            } else {
                let c = whole[q]
                for p in 0..<width { out[p] += c }
            }
        }
        switch r {
        case .sum: return
        case .mean: for p in 0..<width { out[p] = out[p] / Double(count) }
        case .variance, .std:
            let means = UnsafeMutablePointer<Double>.allocate(capacity: width)
            defer { means.deallocate() }
            for p in 0..<width { means[p] = out[p] / Double(count) }
            out.update(repeating: 0, count: width)
            for q in 0..<count {
                if q % n == n - 1 {
                    let row = probes + (q / n) * width
                    for p in 0..<width { out[p] += (row[p] - means[p]) * (row[p] - means[p]) }
                } else {
                    let c = whole[q]
                    for p in 0..<width { out[p] += (c - means[p]) * (c - means[p]) }
                }
            }
            for p in 0..<width {
                let variance = out[p] / Double(count - 1)
                out[p] = r == .variance ? variance : variance.squareRoot()
            }
        }
    }
}
