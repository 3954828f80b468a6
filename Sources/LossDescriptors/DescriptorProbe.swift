import Foundation
import LossLanguage

/// Evaluates l'_beta(x), the slope of the probe loss in x = beta * rho (docs/architecture.md §4).
///
/// The probe batch: 63 reference samples at x_j = 0.5 * Phi^-1((j + 0.5) / 63) and the probe at x,
/// all on the slice pc = rc + rho/2, pr = rr - rho/2 with rc = -20, rr = -25; l_beta(x) is the sum
/// of the output. A loss without batch coupling is evaluated over the whole grid at once, in blocks
/// of ``block`` samples (the other samples add a constant, and its slopes are per sample); a loss
/// whose batch statistics no gradient reaches, by the probe sample alone with the statistics taken
/// over the whole batch (``probeSampleSlopes(_:_:sideBySide:)``); otherwise each grid point gets its own
/// 64-sample batch.
final class DescriptorProbe {
    static let grid: [Double] = (0..<4000).map { -5 + (Double($0) + 0.5) * 0.0025 }
    static let betas = [0.01, 0.05, 0.1, 0.5, 1.0]
    static let referenceX: [Double] = (0..<63).map { 0.5 * NormalQuantile.of((Double($0) + 0.5) / 63) }
    static let referenceChosen = -20.0, referenceRejected = -25.0

    /// How the slopes are computed, chosen once per loss.
    enum Path: Equatable {
        /// No batch coupling: the whole grid at once, in blocks.
        case separable
        /// Batch statistics no gradient reaches: the probe sample alone, several probe points side
        /// by side when `sideBySide` (``LossEvaluator/supportsPerSampleStatistics(_:)``).
        case probeSample(sideBySide: Bool)
        /// Anything else: a 64-sample batch per grid point.
        case fullBatch
    }

    let graph: LossGraph
    let path: Path
    /// One evaluator for every block of a separable evaluation.
    private var blockEvaluator: LossEvaluator?

    init(graph: LossGraph) {
        self.graph = graph
        path =
            !graph.couplesSamples
            ? .separable
            : Self.probeSampleSuffices(graph) ? .probeSample(sideBySide: LossEvaluator.supportsPerSampleStatistics(graph)) : .fullBatch
    }

    func slopes(at xs: [Double], beta: Double) throws(DescriptorError) -> [Double] {
        let result: [Double]
        switch path {
        case .separable: result = separableSlopes(xs, beta)
        case let .probeSample(sideBySide): result = probeSampleSlopes(xs, beta, sideBySide: sideBySide)
        case .fullBatch: result = coupledSlopes(xs, beta)
        }
        if let i = result.firstIndex(where: { !$0.isFinite }) { throw .notFinite(beta: beta, x: xs[i]) }
        return result
    }

    /// The batch on the canonical slice for these values of x.
    static func batch(_ xs: [Double], beta: Double) -> LossBatch {
        let rho = xs.map { $0 / beta }
        return LossBatch(
            pc: rho.map { referenceChosen + $0 / 2 }, pr: rho.map { referenceRejected - $0 / 2 },
            rc: Array(repeating: referenceChosen, count: xs.count),
            rr: Array(repeating: referenceRejected, count: xs.count))
    }

    /// The quality-prompted log-probabilities on the slice: the plain ones, so that Δ = 0 and a loss
    /// that reads them is placed by its shape in the margin alone, as with a quality prompt that tells
    /// nothing (docs/loss-language.md). Losses that do not read them ignore the pointers.
    static func uninformative(
        _ pc: UnsafePointer<Double>, _ pr: UnsafePointer<Double>, _ rc: UnsafePointer<Double>, _ rr: UnsafePointer<Double>
    ) -> QualityPointers {
        QualityPointers(pca: pc, pra: pr, rca: rc, rra: rr)
    }

    /// dl/dx from d/dpc and d/dpr: on the slice, d pc/d x = 1/(2 beta) and d pr/d x = -1/(2 beta).
    static func slope(_ gpc: Double, _ gpr: Double, beta: Double) -> Double { (gpc - gpr) / (2 * beta) }

    /// Samples per block of a separable evaluation: the grid is walked in blocks small enough for
    /// the evaluator's buffers to stay in cache (the slopes of a loss without coupling are per sample).
    static let block = 200

    private func separableSlopes(_ xs: [Double], _ beta: Double) -> [Double] {
        let evaluator: LossEvaluator
        if let cached = blockEvaluator {
            evaluator = cached
        } else {
            evaluator = LossEvaluator(graph: graph, batchSize: Self.block)
            blockEvaluator = evaluator
        }
        let batch = Self.batch(xs + Array(repeating: 0, count: (Self.block - xs.count % Self.block) % Self.block), beta: beta)
        var gpc = [Double](repeating: 0, count: batch.count), gpr = gpc
        batch.pc.withUnsafeBufferPointer { pc in
            batch.pr.withUnsafeBufferPointer { pr in
                batch.rc.withUnsafeBufferPointer { rc in
                    batch.rr.withUnsafeBufferPointer { rr in
                        gpc.withUnsafeMutableBufferPointer { gc in
                            gpr.withUnsafeMutableBufferPointer { gr in
                                guard let pc = pc.baseAddress, let pr = pr.baseAddress, let rc = rc.baseAddress, let rr = rr.baseAddress,
                                    let gc = gc.baseAddress, let gr = gr.baseAddress
                                else { return }
                                for start in stride(from: 0, to: batch.count, by: Self.block) {
                                    evaluator.objectiveAndGradient(
                                        pc: pc + start, pr: pr + start, rc: rc + start, rr: rr + start,
                                        quality: Self.uninformative(pc + start, pr + start, rc + start, rr + start), beta: beta,
                                        seed: .sum, gradPC: gc + start, gradPR: gr + start)
                                }
                            }
                        }
                    }
                }
            }
        }
        return (0..<xs.count).map { Self.slope(gpc[$0], gpr[$0], beta: beta) }
    }

    func coupledSlopes(_ xs: [Double], _ beta: Double) -> [Double] {
        let n = Self.referenceX.count + 1
        let evaluator = LossEvaluator(graph: graph, batchSize: n)
        var batch = Self.batch(Self.referenceX + [0], beta: beta)
        var gpc = [Double](repeating: 0, count: n), gpr = gpc
        return xs.map { x in
            let rho = x / beta
            batch.pc[n - 1] = Self.referenceChosen + rho / 2
            batch.pr[n - 1] = Self.referenceRejected - rho / 2
            batch.pc.withUnsafeBufferPointer { pc in
                batch.pr.withUnsafeBufferPointer { pr in
                    batch.rc.withUnsafeBufferPointer { rc in
                        batch.rr.withUnsafeBufferPointer { rr in
                            gpc.withUnsafeMutableBufferPointer { gc in
                                gpr.withUnsafeMutableBufferPointer { gr in
                                    _ = evaluator.objectiveAndGradient(
                                        pc: pc.baseAddress!, pr: pr.baseAddress!, rc: rc.baseAddress!, rr: rr.baseAddress!,
                                        quality: Self.uninformative(pc.baseAddress!, pr.baseAddress!, rc.baseAddress!, rr.baseAddress!),
                                        beta: beta, seed: .sum,
                                        gradPC: gc.baseAddress!, gradPR: gr.baseAddress!)
                                }
                            }
                        }
                    }
                }
            }
            return Self.slope(gpc[n - 1], gpr[n - 1], beta: beta)
        }
    }
}

/// The standard normal quantile function Phi^-1 (Acklam's approximation with one Halley step,
/// accurate to about 1e-15).
enum NormalQuantile {
    static func of(_ p: Double) -> Double {
        let a = [
            -3.969683028665376e+01, 2.209460984245205e+02, -2.759285104469687e+02, 1.383577518672690e+02,
            -3.066479806614716e+01, 2.506628277459239e+00,
        ]
        let b = [
            -5.447609879822406e+01, 1.615858368580409e+02, -1.556989798598866e+02, 6.680131188771972e+01,
            -1.328068155288572e+01,
        ]
        let c = [
            -7.784894002430293e-03, -3.223964580411365e-01, -2.400758277161838e+00, -2.549732539343734e+00,
            4.374664141464968e+00, 2.938163982698783e+00,
        ]
        let d = [7.784695709041462e-03, 3.224671290700398e-01, 2.445134137142996e+00, 3.754408661907416e+00]
        let low = 0.02425
        var x: Double
        if p < low {
            let q = (-2 * log(p)).squareRoot()
            x = (((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        } else if p <= 1 - low {
            let q = p - 0.5, r = q * q
            x =
                (((((a[0] * r + a[1]) * r + a[2]) * r + a[3]) * r + a[4]) * r + a[5]) * q
                / (((((b[0] * r + b[1]) * r + b[2]) * r + b[3]) * r + b[4]) * r + 1)
        } else {
            let q = (-2 * log(1 - p)).squareRoot()
            x = -(((((c[0] * q + c[1]) * q + c[2]) * q + c[3]) * q + c[4]) * q + c[5]) / ((((d[0] * q + d[1]) * q + d[2]) * q + d[3]) * q + 1)
        }
        let e = 0.5 * erfc(-x / 2.0.squareRoot()) - p
        let u = e * (2 * Double.pi).squareRoot() * exp(x * x / 2)
        return x - u / (1 + x * u / 2)
    }
}
