import LossLanguage

/// The buffers of training several runs of one loss on one instance in lockstep, `runs` segments
/// of each (run r's batch values start at `r * batch`), and the loss evaluator over as many
/// segments. Raw pointers, so that the hot loops pay no exclusivity or reference-count checks.
final class TrainingWorkspace {
    let runs: Int
    let evaluator: LossEvaluator
    /// Per run: the batch's pc, pr, rc, rr and the loss's gradient with respect to pc and pr.
    let pc, pr, rc, rr, gpc, gpr: UnsafeMutablePointer<Double>
    /// Per run: the batch's log-probs under the quality prompt (written only where the task has one).
    let pca, pra, rca, rra: UnsafeMutablePointer<Double>
    /// Per run: scores, then e^(s - max), then the gradient weights c_ik, of the batch's responses,
    /// [sample][response]; and theta as float32 (the full path's per-prompt products).
    let responseValues, compactThetas: UnsafeMutablePointer<Float>
    /// Per run: each sample's softmax normaliser z (of the scores shifted by their maximum; within
    /// the scoring, first that maximum), and log z.
    let normalisers, logNormalisers: UnsafeMutablePointer<Double>
    /// Per run, 4 d values: theta, its gradient, Adam's m and v.
    let parameters: UnsafeMutablePointer<Double>
    /// Per run: its beta, and its objective at the last step.
    let betas, objectives: UnsafeMutablePointer<Double>
    private var owned: [UnsafeMutableRawPointer] = []

    init(graph: LossGraph, runs: Int, batch: Int, responses k: Int, features d: Int) {
        self.runs = runs
        evaluator = LossEvaluator(graph: graph, batchSize: batch, segments: runs)
        var owned: [UnsafeMutableRawPointer] = []
        func buffer<Element: BinaryFloatingPoint>(_ count: Int) -> UnsafeMutablePointer<Element> {
            let pointer = UnsafeMutablePointer<Element>.allocate(capacity: count)
            pointer.initialize(repeating: 0, count: count)
            owned.append(UnsafeMutableRawPointer(pointer))
            return pointer
        }
        (pc, pr, rc, rr) = (buffer(batch * runs), buffer(batch * runs), buffer(batch * runs), buffer(batch * runs))
        (gpc, gpr) = (buffer(batch * runs), buffer(batch * runs))
        (pca, pra, rca, rra) = (buffer(batch * runs), buffer(batch * runs), buffer(batch * runs), buffer(batch * runs))
        (responseValues, compactThetas) = (buffer(batch * k * runs), buffer(d * runs))
        (normalisers, logNormalisers) = (buffer(batch * runs), buffer(batch * runs))
        parameters = buffer(4 * d * runs)
        (betas, objectives) = (buffer(runs), buffer(runs))
        self.owned = owned
    }

    /// The quality-prompted buffers as the evaluator takes them.
    var quality: QualityPointers { QualityPointers(pca: pca, pra: pra, rca: rca, rra: rra) }

    deinit { for pointer in owned { pointer.deallocate() } }
}
