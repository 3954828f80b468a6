import COpenBLAS
import Foundation
import LossLanguage

/// Why a training run has no score: a NaN or infinity in the loss, its gradient or the parameters.
public struct TrainingFailure: Error, Sendable, Hashable, CustomStringConvertible {
    public let reason: String
    public var description: String { reason }
}

/// One training run of a candidate on an instance: its beta and start.
public struct TrainingRun: Sendable, Hashable {
    public var beta: Double
    public var start: StartKind

    public init(beta: Double, start: StartKind) { (self.beta, self.start) = (beta, start) }
}

/// Trains the log-linear policy with one loss on one task instance (docs/architecture.md §5.1): Adam
/// (0.9, 0.999, 1e-8) on theta, minibatches in the instance's order, the loss's autodiff gradient
/// chained through grad log pi = phi - E_pi[phi].
///
/// A loss of rho alone takes the difference-feature path: rho = theta . (phi_w - phi_l) - (rc - rr),
/// so the softmax normaliser cancels and no expectation is needed; it is float64 throughout. Any
/// other loss takes the full path: per prompt, K scores from the transposed features, a softmax,
/// and a weighted sum of the K feature rows, all in float32 with eight lanes a vector (the features
/// are float32 values already); the sums over the batch, the loss, Adam and every metric stay
/// float64. The full path agrees with float64 arithmetic to about 1e-8 (docs/results/2026-12-05-speed.md). The
/// per-prompt products (K x d) are SIMD loops (``VectorKernels``); the held-out scoring is one
/// OpenBLAS product.
///
/// Several runs on the instance (the betas and starts of an evaluation grid) train in lockstep
/// (``train(_:)``): they share the minibatch order, so each step reads a prompt's features once for
/// all of them, and the loss's interpreter visits each node once for all of them
/// (``LossEvaluator`` with one segment per run). Each run's arithmetic is the same, in the same
/// order, as when it trains alone, so the results are bit for bit the same (a test). Not
/// thread-safe; one per thread.
public final class PolicyTrainer {
    public let instance: TaskInstance
    public let graph: LossGraph
    /// Whether the loss reads only rho (and beta), so the cheap path applies.
    public let usesDifferenceFeatures: Bool
    /// Whether the loss reads the quality-prompted log-probs, which each step then computes.
    let readsQualityInputs: Bool
    let k: Int, d: Int, batch: Int
    /// The buffers of the last number of runs trained together.
    private var workspace: TrainingWorkspace?

    /// A trainer of `graph` on `instance`; the instance must supply every input the loss reads
    /// (``PrefBanditSettings/suppliesQualityInputs`` for the quality-prompted ones: the evaluator checks first).
    public init(graph: LossGraph, instance: TaskInstance) {
        precondition(!graph.readsQualityInputs || instance.settings.suppliesQualityInputs, "the loss reads the quality prompt's log-probs, and the task has none")
        self.graph = graph
        self.instance = instance
        readsQualityInputs = graph.readsQualityInputs
        let s = instance.settings
        (k, d, batch) = (s.responses, s.features, s.batchSize)
        usesDifferenceFeatures = !graph.nodes.contains { node in
            if case let .input(input) = node.op { return input != .rho }
            return false
        }
    }

    /// OpenBLAS runs single-threaded inside an evaluation (evaluations run in parallel instead);
    /// set once per process, since each call wakes OpenBLAS's thread pool.
    private static let singleThreadedBLAS: Void = openblas_set_num_threads(1)

    /// The instance's arrays, bound to pointers for the length of one training.
    struct Data {
        let trainFeatures: UnsafePointer<Float>
        let transposedTrainFeatures: UnsafePointer<Float>
        let differenceFeatures: UnsafePointer<Double>
        let referenceChosen: UnsafePointer<Double>
        let referenceRejected: UnsafePointer<Double>
        let winners: UnsafePointer<Int>
        let losers: UnsafePointer<Int>
        let batchOrder: UnsafePointer<Int>
        /// The quality prompt's arrays, where the task has one.
        let quality: QualityData?
    }

    /// The quality prompt of an instance, bound to pointers: each training response's tilt t, e^(t - largest)
    /// and its prompt's largest tilt, and log pi_ref(winner | p ⊕ x), log pi_ref(loser | p ⊕ x).
    struct QualityData {
        let tilts: UnsafePointer<Double>
        let weights: UnsafePointer<Double>
        let largest: UnsafePointer<Double>
        let referenceChosen: UnsafePointer<Double>
        let referenceRejected: UnsafePointer<Double>
    }

    /// Calls `body` with the quality prompt's arrays bound, or nil where the task has none.
    private func withQualityData<Result>(_ body: (QualityData?) -> Result) -> Result {
        let i = instance
        guard i.settings.suppliesQualityInputs else { return body(nil) }
        return i.qualityTilts.withUnsafeBufferPointer { tilts in
            i.qualityWeights.withUnsafeBufferPointer { weights in
                i.largestQualityTilts.withUnsafeBufferPointer { largest in
                    i.referenceQualityChosen.withUnsafeBufferPointer { chosen in
                        i.referenceQualityRejected.withUnsafeBufferPointer { rejected in
                            body(
                                QualityData(
                                    tilts: tilts.baseAddress!, weights: weights.baseAddress!, largest: largest.baseAddress!,
                                    referenceChosen: chosen.baseAddress!, referenceRejected: rejected.baseAddress!))
                        }
                    }
                }
            }
        }
    }

    /// The trained parameters of one run, or why training failed.
    public func train(beta: Double, start: StartKind) -> Result<[Double], TrainingFailure> {
        train([TrainingRun(beta: beta, start: start)])[0]
    }

    /// The trained parameters of each run, or why it failed, trained in lockstep: the same results
    /// as training each alone. A run that fails stops there; the others go on.
    public func train(_ runs: [TrainingRun]) -> [Result<[Double], TrainingFailure>] {
        guard !runs.isEmpty else { return [] }
        _ = Self.singleThreadedBLAS
        let workspace =
            self.workspace.flatMap { $0.runs == runs.count ? $0 : nil }
            ?? TrainingWorkspace(graph: graph, runs: runs.count, batch: batch, responses: k, features: d)
        // The full path's log-probabilities come from float32 scores: its softplus and logsigmoid
        // need no float64 transcendentals (docs/results/2026-12-05-speed.md). The difference path is float64 throughout.
        workspace.evaluator.logisticPrecision = usesDifferenceFeatures ? .double : .single
        self.workspace = workspace
        let i = instance
        return i.differenceFeatures.withUnsafeBufferPointer { df in
            i.referenceChosen.withUnsafeBufferPointer { rcs in
                i.referenceRejected.withUnsafeBufferPointer { rrs in
                    i.winners.withUnsafeBufferPointer { w in
                        i.losers.withUnsafeBufferPointer { l in
                            i.batchOrder.withUnsafeBufferPointer { order in
                                withQualityData { quality in
                                    train(
                                        Data(
                                            trainFeatures: i.compactTrainFeatures.base, transposedTrainFeatures: i.transposedTrainFeatures.base,
                                            differenceFeatures: df.baseAddress!,
                                            referenceChosen: rcs.baseAddress!, referenceRejected: rrs.baseAddress!,
                                            winners: w.baseAddress!, losers: l.baseAddress!, batchOrder: order.baseAddress!, quality: quality),
                                        runs, workspace)
                                }
                            }
                        }
                    }
                }
            }
        }
    }

    private func train(_ data: Data, _ runs: [TrainingRun], _ w: TrainingWorkspace) -> [Result<[Double], TrainingFailure>] {
        let s = instance.settings
        let d = self.d
        w.parameters.update(repeating: 0, count: 4 * d * runs.count)
        for (r, run) in runs.enumerated() {
            w.betas[r] = run.beta
            for (j, value) in instance.initialTheta(run.start).enumerated() { w.parameters[4 * d * r + j] = value }
        }
        var failures = [TrainingFailure?](repeating: nil, count: runs.count)
        var active = Array(runs.indices)
        var (b1t, b2t) = (1.0, 1.0)
        for step in 0..<s.steps where !active.isEmpty {
            let prompts = data.batchOrder + step * batch
            if usesDifferenceFeatures {
                differenceStep(data, prompts, w, active)
            } else {
                fullStep(data, prompts, w, active)
            }
            b1t *= 0.9
            b2t *= 0.999
            var failed = false
            for r in active {
                let theta = w.parameters + 4 * d * r, gradient = theta + d
                var finite = w.objectives[r].isFinite
                for j in 0..<d where !gradient[j].isFinite { finite = false }
                guard finite else {
                    failures[r] = TrainingFailure(
                        reason: "the loss or its gradient is not finite at step \(step + 1) (beta \(runs[r].beta), seed \(instance.seed), \(runs[r].start.rawValue) start)")
                    failed = true
                    continue
                }
                VectorKernels.adamUpdate(
                    theta: theta, m: theta + 2 * d, v: theta + 3 * d, gradient: gradient, count: d, learningRate: s.learningRate,
                    firstCorrection: 1 - b1t, secondCorrection: 1 - b2t)
            }
            if failed { active.removeAll { failures[$0] != nil } }
        }
        return runs.indices.map { r in
            if let failure = failures[r] { return .failure(failure) }
            let result = Array(UnsafeBufferPointer(start: w.parameters + 4 * d * r, count: d))
            guard result.allSatisfy(\.isFinite) else {
                return .failure(TrainingFailure(reason: "the parameters diverged (beta \(runs[r].beta), seed \(instance.seed), \(runs[r].start.rawValue) start)"))
            }
            return .success(result)
        }
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
}
