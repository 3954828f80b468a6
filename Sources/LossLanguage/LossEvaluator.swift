/// A batch of per-sample log-probabilities, all of one length.
public struct LossBatch: Sendable, Hashable {
    public var pc: [Double]
    public var pr: [Double]
    public var rc: [Double]
    public var rr: [Double]
    /// The same responses' log-probabilities under the quality prompt, where the batch has them.
    public var quality: QualityLogProbs?

    public init(pc: [Double], pr: [Double], rc: [Double], rr: [Double], quality: QualityLogProbs? = nil) {
        precondition(pc.count == pr.count && pc.count == rc.count && pc.count == rr.count, "batch vectors differ in length")
        precondition(quality.map { $0.count == pc.count } ?? true, "quality-prompted vectors differ in length from the batch")
        (self.pc, self.pr, self.rc, self.rr, self.quality) = (pc, pr, rc, rr, quality)
    }

    public var count: Int { pc.count }

    /// The batch with quality-prompted log-probabilities equal to the plain ones: a quality prompt
    /// that tells nothing (Δ = 0), where a loss that reads them is placed on the canonical slice.
    public var withUninformativeQuality: LossBatch {
        var batch = self
        batch.quality = QualityLogProbs(pca: pc, pra: pr, rca: rc, rra: rr)
        return batch
    }
}

/// A batch's log-probabilities under the quality prompt p ⊕ x (``LossInput/pca`` and the others).
public struct QualityLogProbs: Sendable, Hashable {
    public var pca: [Double]
    public var pra: [Double]
    public var rca: [Double]
    public var rra: [Double]

    public init(pca: [Double], pra: [Double], rca: [Double], rra: [Double]) {
        precondition(pca.count == pra.count && pca.count == rca.count && pca.count == rra.count, "quality vectors differ in length")
        (self.pca, self.pra, self.rca, self.rra) = (pca, pra, rca, rra)
    }

    public var count: Int { pca.count }

    /// Calls `body` with pointers to the four vectors.
    func withPointers<Result>(_ body: (QualityPointers) -> Result) -> Result {
        pca.withUnsafeBufferPointer { pca in
            pra.withUnsafeBufferPointer { pra in
                rca.withUnsafeBufferPointer { rca in
                    rra.withUnsafeBufferPointer { rra in
                        body(QualityPointers(pca: pca.baseAddress!, pra: pra.baseAddress!, rca: rca.baseAddress!, rra: rra.baseAddress!))
                    }
                }
            }
        }
    }
}

/// Pointers to the quality-prompted log-probabilities of the batches an evaluator is given, laid
/// out as pc is (every segment's, one after another).
public struct QualityPointers {
    public let pca, pra, rca, rra: UnsafePointer<Double>

    public init(pca: UnsafePointer<Double>, pra: UnsafePointer<Double>, rca: UnsafePointer<Double>, rra: UnsafePointer<Double>) {
        (self.pca, self.pra, self.rca, self.rra) = (pca, pra, rca, rra)
    }
}

extension Optional where Wrapped == QualityLogProbs {
    /// Calls `body` with pointers to the vectors, or with nil where there are none.
    func withPointers<Result>(_ body: (QualityPointers?) -> Result) -> Result {
        switch self {
        case let .some(quality): quality.withPointers { body($0) }
        case .none: body(nil)
        }
    }
}

/// The value and gradient of a loss on one batch.
public struct LossGradient: Sendable {
    /// The returned vector.
    public var output: [Double]
    /// The training objective: the mean of the output.
    public var objective: Double
    /// d(seeded output) / d pc_i, and / d pr_i.
    public var pc: [Double]
    public var pr: [Double]
}

/// Evaluates a loss and its reverse-mode gradient on batches of one fixed size.
///
/// Holds preallocated buffers for every node's value and adjoint, so repeated evaluation allocates
/// nothing. Not thread-safe: give each thread its own evaluator (they are cheap).
///
/// With `segments` > 1 it evaluates that many independent batches side by side (the training runs
/// of one candidate in lockstep), each with its own beta: every node holds `segments` copies of its
/// values, segment after segment, so each node is visited once for all of them. Every value of a
/// segment is computed by the same operations in the same order as with one segment (the
/// reductions and broadcasts stay within their segment), so the results are bit for bit those of
/// evaluating each batch alone.
public final class LossEvaluator {
    /// The floating-point precision of a transcendental function's evaluation.
    public enum TranscendentalPrecision: Sendable { case double, single }

    /// What to differentiate: the objective (mean of the output) or the sum of the output.
    public enum Seed: Sendable { case mean, sum }

    public let graph: LossGraph
    public let batchSize: Int
    /// The number of batches evaluated side by side.
    public let segments: Int
    /// Where each node's values start; each node holds ``segments`` blocks of its per-batch count.
    let offsets: [Int]
    /// Each node's number of values per batch (1 for a scalar).
    let counts: [Int]
    let carries: [Bool]
    let values: UnsafeMutablePointer<Double>
    let adjoints: UnsafeMutablePointer<Double>
    /// For softplus and logsigmoid nodes, e^-|x| of each element from the forward pass: the
    /// backward pass's sigmoid reuses it instead of a second exp.
    let expMinusMagnitudes: UnsafeMutablePointer<Double>
    /// Room for three float32 copies of the largest node (the float32 logistic's passes).
    let singleScratch: UnsafeMutablePointer<Float>
    let total: Int
    /// The graph flattened for the hot loops (no reference counting per node visit): each node's
    /// op, and its arguments padded to three.
    let ops: UnsafeMutablePointer<Op>
    let arguments: UnsafeMutablePointer<NodeID>

    /// The precision of softplus's and logsigmoid's transcendental part (see
    /// `VectorMath.softplusAndExpSingle`): float64 unless set; `.single` where the
    /// inputs are float32 quantities already (the full training path).
    public var logisticPrecision: TranscendentalPrecision = .double

    /// Whether each sample has its own value of every batch statistic (see
    /// ``init(graph:batchSize:perSampleStatistics:)``).
    public let perSampleStatistics: Bool
    /// Computes the per-sample batch statistics: called for each reduction node with the node, the
    /// values of its argument here and their count, and where to write one value per sample.
    /// Must be set when ``perSampleStatistics`` is.
    public var statistics: ((_ node: NodeID, _ values: UnsafePointer<Double>, _ count: Int, _ out: UnsafeMutablePointer<Double>) -> Void)?

    /// Whether ``init(graph:batchSize:perSampleStatistics:)`` can give every sample of a batch
    /// larger than one its own statistics: no scalar computed from a reduction is broadcast against
    /// a concatenation (whose blocks would each need their own copy).
    public static func supportsPerSampleStatistics(_ graph: LossGraph) -> Bool {
        let statistic = statisticScalars(graph)
        return graph.nodes.allSatisfy { node in
            if case .fill = node.op { return true }
            guard case let .vector(blocks) = node.shape, blocks > 1 else { return true }
            return !node.args.contains { statistic[$0] }
        }
    }

    /// For each node, whether it is a batch statistic: a reduction, or a scalar computed from one.
    /// These hold one value per sample under ``perSampleStatistics``.
    static func statisticScalars(_ graph: LossGraph) -> [Bool] {
        var statistic = [Bool](repeating: false, count: graph.nodes.count)
        for (id, node) in graph.nodes.enumerated() {
            if case .reduce = node.op {
                statistic[id] = true
            } else {
                statistic[id] = node.shape == .scalar && node.args.contains { statistic[$0] }
            }
        }
        return statistic
    }

    /// An evaluator for batches of `batchSize` samples.
    ///
    /// With `perSampleStatistics`, each sample stands for a different batch (the descriptor probe:
    /// one probe point each, the rest of its batch elsewhere): every reduction, and every scalar
    /// computed from one, holds one value per sample, given by ``statistics``; no gradient flows
    /// through them. The caller makes sure that such values meet only per-sample vectors (not
    /// concatenations). With `segments`, that many batches side by side (not with
    /// `perSampleStatistics`).
    public init(graph: LossGraph, batchSize: Int, segments: Int = 1, perSampleStatistics: Bool = false) {
        precondition(batchSize > 0, "batch size must be positive")
        precondition(segments > 0, "the number of segments must be positive")
        precondition(segments == 1 || !perSampleStatistics, "per-sample statistics take one segment")
        self.graph = graph
        self.batchSize = batchSize
        self.segments = segments
        self.perSampleStatistics = perSampleStatistics
        var offsets: [Int] = [], counts: [Int] = [], total = 0
        let perSample = perSampleStatistics ? Self.statisticScalars(graph) : graph.nodes.map { _ in false }
        for (id, node) in graph.nodes.enumerated() {
            offsets.append(total)
            counts.append(perSample[id] ? batchSize : node.shape.count(batchSize: batchSize))
            total += counts[id] * segments
        }
        (self.offsets, self.counts, self.total) = (offsets, counts, total)
        carries = graph.carriesGradient
        values = .allocate(capacity: total)
        values.initialize(repeating: 0, count: total)
        adjoints = .allocate(capacity: total)
        adjoints.initialize(repeating: 0, count: total)
        expMinusMagnitudes = .allocate(capacity: total)
        expMinusMagnitudes.initialize(repeating: 0, count: total)
        let largest = 3 * segments * (counts.max() ?? 1)
        singleScratch = .allocate(capacity: largest)
        singleScratch.initialize(repeating: 0, count: largest)
        ops = .allocate(capacity: graph.nodes.count)
        ops.initialize(from: graph.nodes.map(\.op), count: graph.nodes.count)
        arguments = .allocate(capacity: 3 * graph.nodes.count)
        arguments.initialize(
            from: graph.nodes.flatMap { $0.args + Array(repeating: 0, count: 3 - $0.args.count) },
            count: 3 * graph.nodes.count)
    }

    deinit {
        values.deallocate()
        adjoints.deallocate()
        expMinusMagnitudes.deallocate()
        singleScratch.deallocate()
        ops.deallocate()
        arguments.deallocate()
    }

    /// A node's values after the last forward pass (every segment's, one after another).
    public func values(of node: NodeID) -> UnsafeBufferPointer<Double> {
        UnsafeBufferPointer(start: values + offsets[node], count: counts[node] * segments)
    }

    /// The output vector after the last forward pass (every segment's, one after another).
    public var output: UnsafeBufferPointer<Double> { values(of: graph.root) }

    /// Evaluates the loss on a batch; returns the output vector.
    public func evaluate(_ batch: LossBatch, beta: Double) -> [Double] {
        precondition(batch.count == batchSize, "batch of \(batch.count), evaluator built for \(batchSize)")
        _ = batch.pc.withUnsafeBufferPointer { pc in
            batch.pr.withUnsafeBufferPointer { pr in
                batch.rc.withUnsafeBufferPointer { rc in
                    batch.rr.withUnsafeBufferPointer { rr in
                        batch.quality.withPointers { quality in
                            forward(pc: pc.baseAddress!, pr: pr.baseAddress!, rc: rc.baseAddress!, rr: rr.baseAddress!, quality: quality, beta: beta)
                        }
                    }
                }
            }
        }
        return Array(output)
    }

    /// Evaluates the loss and its gradient with respect to pc and pr.
    public func gradient(_ batch: LossBatch, beta: Double, seed: Seed = .mean) -> LossGradient {
        precondition(batch.count == batchSize, "batch of \(batch.count), evaluator built for \(batchSize)")
        var gpc = [Double](repeating: 0, count: batchSize), gpr = gpc
        let objective = batch.pc.withUnsafeBufferPointer { pc in
            batch.pr.withUnsafeBufferPointer { pr in
                batch.rc.withUnsafeBufferPointer { rc in
                    batch.rr.withUnsafeBufferPointer { rr in
                        gpc.withUnsafeMutableBufferPointer { gpc in
                            gpr.withUnsafeMutableBufferPointer { gpr in
                                batch.quality.withPointers { quality in
                                    objectiveAndGradient(
                                        pc: pc.baseAddress!, pr: pr.baseAddress!, rc: rc.baseAddress!, rr: rr.baseAddress!, quality: quality,
                                        beta: beta, seed: seed, gradPC: gpc.baseAddress!, gradPR: gpr.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
        }
        return LossGradient(output: Array(output), objective: objective, pc: gpc, pr: gpr)
    }

    /// The hot path: forward and reverse pass on raw buffers of `batchSize` elements (one segment).
    ///
    /// Writes d(seeded output)/d pc and d pr into `gradPC` and `gradPR`; returns the objective.
    @discardableResult
    public func objectiveAndGradient(
        pc: UnsafePointer<Double>, pr: UnsafePointer<Double>, rc: UnsafePointer<Double>, rr: UnsafePointer<Double>,
        quality: QualityPointers? = nil, beta: Double, seed: Seed, gradPC: UnsafeMutablePointer<Double>, gradPR: UnsafeMutablePointer<Double>
    ) -> Double {
        precondition(segments == 1, "an evaluator of \(segments) segments takes one beta per segment")
        var (beta, objective) = (beta, 0.0)
        objectiveAndGradient(
            pc: pc, pr: pr, rc: rc, rr: rr, quality: quality, betas: &beta, seed: seed, gradPC: gradPC, gradPR: gradPR, objectives: &objective)
        return objective
    }

    /// Forward and reverse pass of every segment: the inputs and gradients hold `segments` blocks
    /// of `batchSize` elements, `betas` and `objectives` one value per segment. `quality` must be
    /// given when the loss reads the quality-prompted log-probabilities.
    public func objectiveAndGradient(
        pc: UnsafePointer<Double>, pr: UnsafePointer<Double>, rc: UnsafePointer<Double>, rr: UnsafePointer<Double>,
        quality: QualityPointers? = nil, betas: UnsafePointer<Double>, seed: Seed, gradPC: UnsafeMutablePointer<Double>,
        gradPR: UnsafeMutablePointer<Double>, objectives: UnsafeMutablePointer<Double>
    ) {
        forward(pc: pc, pr: pr, rc: rc, rr: rr, quality: quality, betas: betas, objectives: objectives)
        backward(seed: seed, gradPC: gradPC, gradPR: gradPR)
    }
}
