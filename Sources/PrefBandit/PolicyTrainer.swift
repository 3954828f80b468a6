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
/// so the softmax normaliser cancels and no expectation is needed. Not thread-safe; one per thread.
public final class PolicyTrainer {
    public let instance: TaskInstance
    public let graph: LossGraph
    /// Whether the loss reads only rho (and beta), so the cheap path applies.
    public let usesDifferenceFeatures: Bool
    private let evaluator: LossEvaluator
    private let (k, d, batch): (Int, Int, Int)
    // Per-step buffers.
    private var pc, pr, rc, rr, gpc, gpr: [Double]
    private var gathered: [Double]
    private var probabilities: [Double]

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
        pc = [Double](repeating: 0, count: batch)
        (pr, rc, rr, gpc, gpr) = (pc, pc, pc, pc, pc)
        gathered = [Double](repeating: 0, count: batch * d)
        probabilities = [Double](repeating: 0, count: batch * k)
    }

    /// The trained parameters, or why training failed.
    public func train(beta: Double, start: StartKind) -> Result<[Double], TrainingFailure> {
        openblas_set_num_threads(1)
        let s = instance.settings
        var theta = instance.initialTheta(start)
        var gradient = [Double](repeating: 0, count: d)
        var m = gradient, v = gradient
        var (b1t, b2t) = (1.0, 1.0)
        for step in 0..<s.steps {
            let prompts = instance.batchOrder[(step * batch)..<((step + 1) * batch)]
            let objective = usesDifferenceFeatures
                ? differenceStep(prompts, theta: theta, beta: beta, gradient: &gradient)
                : fullStep(prompts, theta: theta, beta: beta, gradient: &gradient)
            guard objective.isFinite, gradient.allSatisfy(\.isFinite) else {
                return .failure(TrainingFailure(reason: "the loss or its gradient is not finite at step \(step + 1) (beta \(beta), seed \(instance.seed), \(start.rawValue) start)"))
            }
            b1t *= 0.9
            b2t *= 0.999
            for j in 0..<d {
                m[j] = 0.9 * m[j] + 0.1 * gradient[j]
                v[j] = 0.999 * v[j] + 0.001 * gradient[j] * gradient[j]
                theta[j] -= s.learningRate * (m[j] / (1 - b1t)) / ((v[j] / (1 - b2t)).squareRoot() + 1e-8)
            }
        }
        guard theta.allSatisfy(\.isFinite) else {
            return .failure(TrainingFailure(reason: "the parameters diverged (beta \(beta), seed \(instance.seed), \(start.rawValue) start)"))
        }
        return .success(theta)
    }

    /// Held-out log-probs [prompt][response] of the policy with parameters theta.
    public func heldoutLogProbs(theta: [Double]) -> [Double] {
        var result: [Double] = []
        result.reserveCapacity(instance.settings.heldoutPrompts * k)
        for x in 0..<instance.settings.heldoutPrompts {
            result += Policy.logProbs(instance.heldoutFeatures, prompt: x, theta: theta, responses: k)
        }
        return result
    }

    /// rho only: rho = D theta - (rc - rr) with D the gathered difference features; grad = D^T g.
    private func differenceStep(_ prompts: ArraySlice<Int>, theta: [Double], beta: Double, gradient: inout [Double]) -> Double {
        let (d, batch) = (self.d, self.batch)
        instance.differenceFeatures.withUnsafeBufferPointer { features in
            gathered.withUnsafeMutableBufferPointer { g in
                for (i, p) in prompts.enumerated() {
                    (g.baseAddress! + i * d).update(from: features.baseAddress! + p * d, count: d)
                }
            }
        }
        cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(batch), Int32(d), 1, gathered, Int32(d), theta, 1, 0, &pc, 1)
        for (i, p) in prompts.enumerated() {
            pc[i] -= instance.referenceChosen[p] - instance.referenceRejected[p]  // pc carries rho; pr = rc = rr = 0
        }
        let objective = lossGradient(beta: beta)
        cblas_dgemv(CblasRowMajor, CblasTrans, Int32(batch), Int32(d), 1, gathered, Int32(d), gpc, 1, 0, &gradient, 1)
        return objective
    }

    /// Any loss: per prompt, scores = Phi theta, log-softmax; then grad = sum_i Phi_i^T c_i with
    /// c_ik = gpc_i [k = w] + gpr_i [k = l] - (gpc_i + gpr_i) pi_ik.
    private func fullStep(_ prompts: ArraySlice<Int>, theta: [Double], beta: Double, gradient: inout [Double]) -> Double {
        let (k, d) = (self.k, self.d)
        var scores = [Double](repeating: 0, count: k)
        instance.trainFeatures.withUnsafeBufferPointer { features in
            for (i, p) in prompts.enumerated() {
                cblas_dgemv(CblasRowMajor, CblasNoTrans, Int32(k), Int32(d), 1, features.baseAddress! + p * k * d, Int32(d), theta, 1, 0, &scores, 1)
                var top = -Double.infinity
                for s in scores { top = max(top, s) }
                var z = 0.0
                for r in 0..<k { z += exp(scores[r] - top) }
                let logZ = top + log(z)
                for r in 0..<k { probabilities[i * k + r] = exp(scores[r] - logZ) }
                pc[i] = scores[instance.winners[p]] - logZ
                pr[i] = scores[instance.losers[p]] - logZ
                rc[i] = instance.referenceChosen[p]
                rr[i] = instance.referenceRejected[p]
            }
        }
        let objective = lossGradient(beta: beta)
        for j in 0..<d { gradient[j] = 0 }
        var weights = [Double](repeating: 0, count: k)
        instance.trainFeatures.withUnsafeBufferPointer { features in
            for (i, p) in prompts.enumerated() {
                let total = gpc[i] + gpr[i]
                for r in 0..<k { weights[r] = -total * probabilities[i * k + r] }
                weights[instance.winners[p]] += gpc[i]
                weights[instance.losers[p]] += gpr[i]
                cblas_dgemv(CblasRowMajor, CblasTrans, Int32(k), Int32(d), 1, features.baseAddress! + p * k * d, Int32(d), weights, 1, 1, &gradient, 1)
            }
        }
        return objective
    }

    /// The objective and d objective / d pc, d pr of the current batch buffers.
    private func lossGradient(beta: Double) -> Double {
        pc.withUnsafeBufferPointer { pc in pr.withUnsafeBufferPointer { pr in
            rc.withUnsafeBufferPointer { rc in rr.withUnsafeBufferPointer { rr in
                gpc.withUnsafeMutableBufferPointer { gc in gpr.withUnsafeMutableBufferPointer { gr in
                    evaluator.objectiveAndGradient(pc: pc.baseAddress!, pr: pr.baseAddress!, rc: rc.baseAddress!, rr: rr.baseAddress!,
                                                   beta: beta, seed: .mean, gradPC: gc.baseAddress!, gradPR: gr.baseAddress!)
                } }
            } }
        } }
    }
}
