import COpenBLAS
import Foundation
import LossLanguage

/// Why a training run has no score: a NaN or infinity in the loss, its gradient or the parameters.
public struct TrainingFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// Trains the log-linear policy with one loss on one task instance (DESIGN.md §5.1): Adam
/// (0.9, 0.999, 1e-8) on theta, minibatches in the instance's order, the loss's autodiff gradient
/// chained through grad log pi = phi - E_pi[phi].
///
/// A loss of rho alone takes the difference-feature path: rho = theta . (phi_w - phi_l) - (rc - rr),
/// so the softmax normaliser cancels and no expectation is needed; it is float64 throughout. Any
/// other loss takes the full path: per prompt, K scores from the transposed features, a softmax,
/// and a weighted sum of the K feature rows, all in float32 with eight lanes a vector (the features
/// are float32 values already); the sums over the batch, the loss, Adam and every metric stay
/// float64. The full path agrees with float64 arithmetic to about 1e-8 (README, "Speed"). The
/// per-prompt products (K x d) are SIMD loops (``VectorKernels``); the held-out scoring is one
/// OpenBLAS product. Not thread-safe; one per thread.
public final class PolicyTrainer {
    public let instance: TaskInstance
    public let graph: LossGraph
    /// Whether the loss reads only rho (and beta), so the cheap path applies.
    public let usesDifferenceFeatures: Bool
    private let evaluator: LossEvaluator
    private let k: Int, d: Int, batch: Int
    /// Per-step buffers, raw so that the hot loops pay no exclusivity or reference-count checks.
    private let pc, pr, rc, rr, gpc, gpr: UnsafeMutablePointer<Double>
    /// Scores, then e^(s - max), then the gradient weights c_ik, of the batch's responses, [sample][response];
    /// and theta, both float32 (the per-prompt products).
    private let responseValues, compactTheta: UnsafeMutablePointer<Float>
    /// Each sample's softmax normaliser z (of the scores shifted by their maximum; within
    /// ``scoreBatch(_:_:theta:)``, first that maximum), and log z.
    private let normalisers, logNormalisers: UnsafeMutablePointer<Double>

    public init(graph: LossGraph, instance: TaskInstance) {
        self.graph = graph
        self.instance = instance
        let s = instance.settings
        (k, d, batch) = (s.responses, s.features, s.batchSize)
        usesDifferenceFeatures = !graph.nodes.contains { node in
            if case let .input(input) = node.op { return input != .rho }
            return false
        }
        evaluator = LossEvaluator(graph: graph, batchSize: batch)
        func buffer<Element: BinaryFloatingPoint>(_ count: Int) -> UnsafeMutablePointer<Element> {
            let pointer = UnsafeMutablePointer<Element>.allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
            return pointer
        }
        (pc, pr, rc, rr, gpc, gpr) = (buffer(batch), buffer(batch), buffer(batch), buffer(batch), buffer(batch), buffer(batch))
        (responseValues, compactTheta) = (buffer(batch * k), buffer(d))
        (normalisers, logNormalisers) = (buffer(batch), buffer(batch))
    }

    /// OpenBLAS runs single-threaded inside an evaluation (evaluations run in parallel instead);
    /// set once per process, since each call wakes OpenBLAS's thread pool.
    private static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

    deinit {
        for pointer in [pc, pr, rc, rr, gpc, gpr, normalisers, logNormalisers] { pointer.deallocate() }
        responseValues.deallocate()
        compactTheta.deallocate()
    }

    /// The instance's arrays, bound to pointers for the length of one training run.
    private struct Data {
        let trainFeatures: UnsafePointer<Float>
        let transposedTrainFeatures: UnsafePointer<Float>
        let differenceFeatures: UnsafePointer<Double>
        let referenceChosen: UnsafePointer<Double>
        let referenceRejected: UnsafePointer<Double>
        let winners: UnsafePointer<Int>
        let losers: UnsafePointer<Int>
        let batchOrder: UnsafePointer<Int>
    }

    /// The trained parameters, or why training failed.
    public func train(beta: Double, start: StartKind) -> Result<[Double], TrainingFailure> {
        _ = Self.singleThreadedBLAS
        let i = instance
        return i.differenceFeatures.withUnsafeBufferPointer { df in
            i.referenceChosen.withUnsafeBufferPointer { rcs in
                i.referenceRejected.withUnsafeBufferPointer { rrs in
                    i.winners.withUnsafeBufferPointer { w in
                        i.losers.withUnsafeBufferPointer { l in
                            i.batchOrder.withUnsafeBufferPointer { order in
                                train(
                                    Data(
                                        trainFeatures: i.compactTrainFeatures.base, transposedTrainFeatures: i.transposedTrainFeatures.base,
                                        differenceFeatures: df.baseAddress!,
                                        referenceChosen: rcs.baseAddress!, referenceRejected: rrs.baseAddress!,
                                        winners: w.baseAddress!, losers: l.baseAddress!, batchOrder: order.baseAddress!),
                                    beta: beta, start: start)
                            }
                        }
                    }
                }
            }
        }
    }

    private func train(_ data: Data, beta: Double, start: StartKind) -> Result<[Double], TrainingFailure> {
        let s = instance.settings
        let theta = UnsafeMutablePointer<Double>.allocate(capacity: 4 * d)
        defer { theta.deallocate() }
        theta.initialize(repeating: 0, count: 4 * d)
        let (gradient, m, v) = (theta + d, theta + 2 * d, theta + 3 * d)
        for (j, value) in instance.initialTheta(start).enumerated() { theta[j] = value }
        var (b1t, b2t) = (1.0, 1.0)
        for step in 0..<s.steps {
            let prompts = data.batchOrder + step * batch
            let objective =
                usesDifferenceFeatures
                ? differenceStep(data, prompts, theta: theta, beta: beta, gradient: gradient)
                : fullStep(data, prompts, theta: theta, beta: beta, gradient: gradient)
            var finite = objective.isFinite
            for j in 0..<d where !gradient[j].isFinite { finite = false }
            guard finite else {
                return .failure(
                    TrainingFailure(reason: "the loss or its gradient is not finite at step \(step + 1) (beta \(beta), seed \(instance.seed), \(start.rawValue) start)"))
            }
            b1t *= 0.9
            b2t *= 0.999
            VectorKernels.adamUpdate(
                theta: theta, m: m, v: v, gradient: gradient, count: d, learningRate: s.learningRate,
                firstCorrection: 1 - b1t, secondCorrection: 1 - b2t)
        }
        let result = Array(UnsafeBufferPointer(start: theta, count: d))
        guard result.allSatisfy(\.isFinite) else {
            return .failure(TrainingFailure(reason: "the parameters diverged (beta \(beta), seed \(instance.seed), \(start.rawValue) start)"))
        }
        return .success(result)
    }

    /// Held-out log-probs [prompt][response] of the policy with parameters theta: one batched
    /// OpenBLAS product over every held-out response, then a log-softmax per prompt.
    public func heldoutLogProbs(theta: [Double]) -> [Double] {
        let rows = instance.settings.heldoutPrompts * k
        var scores = [Double](repeating: 0, count: rows)
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(rows), Int32(d), 1, instance.heldoutFeatures, Int32(d), theta, 1, 0, &scores, 1)
        var result: [Double] = []
        result.reserveCapacity(rows)
        for x in 0..<instance.settings.heldoutPrompts { result += Policy.logSoftmax(Array(scores[(x * k)..<((x + 1) * k)])) }
        return result
    }

    /// rho only: rho_i = D_i . theta - (rc_i - rr_i) with D_i the difference features; grad = sum_i g_i D_i.
    private func differenceStep(
        _ data: Data, _ prompts: UnsafePointer<Int>, theta: UnsafePointer<Double>, beta: Double,
        gradient: UnsafeMutablePointer<Double>
    ) -> Double {
        let d = self.d
        // pc carries rho; pr = rc = rr = 0.
        var i = 0
        while i + 4 <= batch {
            let four = VectorKernels.dot4(theta, d) { data.differenceFeatures + prompts[i + $0] * d }
            for q in 0..<4 { pc[i + q] = four[q] }
            i += 4
        }
        while i < batch {
            var rho = 0.0
            for j in 0..<d { rho += data.differenceFeatures[prompts[i] * d + j] * theta[j] }
            pc[i] = rho
            i += 1
        }
        for i in 0..<batch {
            let p = prompts[i]
            pc[i] -= data.referenceChosen[p] - data.referenceRejected[p]
        }
        let objective = evaluator.objectiveAndGradient(pc: pc, pr: pr, rc: rc, rr: rr, beta: beta, seed: .mean, gradPC: gpc, gradPR: gpr)
        gradient.update(repeating: 0, count: d)
        VectorKernels.addWeightedRows(gpc, count: batch, width: d, into: gradient) { data.differenceFeatures + prompts[$0] * d }
        return objective
    }

    /// Any loss: per prompt, scores = Phi theta, log-softmax; then grad = sum_i Phi_i^T c_i with
    /// c_ik = gpc_i [k = w] + gpr_i [k = l] - (gpc_i + gpr_i) pi_ik.
    private func fullStep(
        _ data: Data, _ prompts: UnsafePointer<Int>, theta: UnsafePointer<Double>, beta: Double,
        gradient: UnsafeMutablePointer<Double>
    ) -> Double {
        scoreBatch(data, prompts, theta: theta)
        let objective = evaluator.objectiveAndGradient(pc: pc, pr: pr, rc: rc, rr: rr, beta: beta, seed: .mean, gradPC: gpc, gradPR: gpr)
        accumulateGradient(data, prompts, into: gradient)
        return objective
    }

    /// pc, pr (log-softmax of the winner's and loser's scores), rc, rr, and per prompt the shifted
    /// exponentials e^(s - max) in `responseValues` with their sum in `normalisers`.
    /// Not inlined (nor is ``accumulateGradient(_:_:into:)``): in one function the two loops'
    /// accumulators competed for AVX2's 16 vector registers and spilled.
    @inline(never) private func scoreBatch(_ data: Data, _ prompts: UnsafePointer<Int>, theta: UnsafePointer<Double>) {
        let (k, d) = (self.k, self.d)
        for j in 0..<d { compactTheta[j] = Float(theta[j]) }
        // Scores first, exponentials after: each prompt's exps then depend on nothing still in
        // flight, so those of neighbouring prompts overlap in the pipeline.
        for i in 0..<batch {
            let p = prompts[i]
            let row = responseValues + i * k
            let top = VectorKernels.transposedScores(
                compactTheta, data.transposedTrainFeatures + p * k * d, features: d,
                responses: k, into: row)
            pc[i] = Double(row[data.winners[p]]) - Double(top)  // minus log z, below
            pr[i] = Double(row[data.losers[p]]) - Double(top)
            rc[i] = data.referenceChosen[p]
            rr[i] = data.referenceRejected[p]
            normalisers[i] = Double(top)
        }
        for i in 0..<batch {
            normalisers[i] = VectorKernels.exponentiate(responseValues + i * k, k, shift: Float(normalisers[i]))  // e^(s - top), pi z
        }
        VectorMath.map(normalisers, logNormalisers, batch, VectorMath.logPositive)
        for i in 0..<batch {
            pc[i] -= logNormalisers[i]
            pr[i] -= logNormalisers[i]
        }
    }

    /// grad = sum_i Phi_i^T c_i, with c_i built in place of prompt i's exponentials.
    @inline(never) private func accumulateGradient(_ data: Data, _ prompts: UnsafePointer<Int>, into gradient: UnsafeMutablePointer<Double>) {
        let (k, d) = (self.k, self.d)
        gradient.update(repeating: 0, count: d)
        for i in 0..<batch {
            let p = prompts[i]
            let weights = responseValues + i * k  // become c_ik in place
            VectorKernels.scale(weights, k, by: Float(-(gpc[i] + gpr[i]) / normalisers[i]))
            weights[data.winners[p]] += Float(gpc[i])
            weights[data.losers[p]] += Float(gpr[i])
        }
        VectorKernels.addWeightedRows(responseValues, blocks: batch, rows: k, width: d, into: gradient) {
            data.trainFeatures + prompts[$0] * k * d
        }
    }
}
