import Foundation
import LossLanguage

/// One training step of every active run: each run's products are those it computes alone, and the
/// loss is evaluated once for all runs (one segment each).
extension PolicyTrainer {
    /// rho only: rho_i = D_i . theta - (rc_i - rr_i) with D_i the difference features; grad = sum_i g_i D_i.
    /// The batch's rows (16 KB at the default shape) stay in L1 from one run to the next.
    func differenceStep(_ data: Data, _ prompts: UnsafePointer<Int>, _ w: TrainingWorkspace, _ active: [Int]) {
        let (d, batch) = (self.d, self.batch)
        // pc carries rho; pr = rc = rr = 0.
        for r in active {
            let theta = w.parameters + 4 * d * r, pc = w.pc + r * batch
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
        }
        evaluateLoss(w)
        for r in active {
            let gradient = w.parameters + 4 * d * r + d
            gradient.update(repeating: 0, count: d)
            VectorKernels.addWeightedRows(w.gpc + r * batch, count: batch, width: d, into: gradient) {
                data.differenceFeatures + prompts[$0] * d
            }
        }
    }

    /// Any loss: per prompt, scores = Phi theta, log-softmax; then grad = sum_i Phi_i^T c_i with
    /// c_ik = gpc_i [k = w] + gpr_i [k = l] - (gpc_i + gpr_i) pi_ik.
    func fullStep(_ data: Data, _ prompts: UnsafePointer<Int>, _ w: TrainingWorkspace, _ active: [Int]) {
        scoreBatch(data, prompts, w, active)
        if readsQualityInputs, let quality = data.quality { qualityPrompted(quality, data, prompts, w, active) }
        evaluateLoss(w)
        accumulateGradient(data, prompts, w, active)
    }

    /// Every run's objective and its gradient with respect to pc and pr, in one pass.
    private func evaluateLoss(_ w: TrainingWorkspace) {
        w.evaluator.objectiveAndGradient(
            pc: w.pc, pr: w.pr, rc: w.rc, rr: w.rr, quality: w.quality, betas: w.betas, seed: .mean, gradPC: w.gpc, gradPR: w.gpr,
            objectives: w.objectives)
    }

    /// pca, pra, rca, rra of each run's batch, from the scores' exponentials e^(s - top) that
    /// ``scoreBatch(_:_:_:_:)`` leaves: log pi(y | p ⊕ x) = log pi(y | x) + t_y - L with
    /// L = log sum_k pi(k | x) e^(t_k), the tilts t shifted by their largest for stability.
    private func qualityPrompted(_ quality: QualityData, _ data: Data, _ prompts: UnsafePointer<Int>, _ w: TrainingWorkspace, _ active: [Int]) {
        let (k, batch) = (self.k, self.batch)
        for r in active {
            for i in 0..<batch {
                let (p, sample) = (prompts[i], r * batch + i)
                let exponentials = w.responseValues + sample * k, weights = quality.weights + p * k
                var tilted = 0.0
                for response in 0..<k { tilted += Double(exponentials[response]) * weights[response] }
                let shift = quality.largest[p] + Foundation.log(tilted / w.normalisers[sample])
                w.pca[sample] = w.pc[sample] + quality.tilts[p * k + data.winners[p]] - shift
                w.pra[sample] = w.pr[sample] + quality.tilts[p * k + data.losers[p]] - shift
                w.rca[sample] = quality.referenceChosen[p]
                w.rra[sample] = quality.referenceRejected[p]
            }
        }
    }

    /// pc, pr (log-softmax of the winner's and loser's scores), rc, rr, and per prompt the shifted
    /// exponentials e^(s - max) in `responseValues` with their sum in `normalisers`, of each run.
    /// Prompts outermost: a prompt's feature block is read from memory once for every run.
    /// Not inlined (nor is ``accumulateGradient(_:_:_:_:)``): in one function the two loops'
    /// accumulators competed for AVX2's 16 vector registers and spilled.
    @inline(never) private func scoreBatch(_ data: Data, _ prompts: UnsafePointer<Int>, _ w: TrainingWorkspace, _ active: [Int]) {
        let (k, d, batch) = (self.k, self.d, self.batch)
        for r in active {
            let theta = w.parameters + 4 * d * r, compact = w.compactThetas + r * d
            for j in 0..<d { compact[j] = Float(theta[j]) }
        }
        // Scores first, exponentials after: each prompt's exps then depend on nothing still in
        // flight, so those of neighbouring prompts overlap in the pipeline.
        for i in 0..<batch {
            let p = prompts[i]
            let block = data.transposedTrainFeatures + p * k * d
            func record(_ r: Int, _ top: Float) {
                let sample = r * batch + i
                let row = w.responseValues + sample * k
                w.pc[sample] = Double(row[data.winners[p]]) - Double(top)  // minus log z, below
                w.pr[sample] = Double(row[data.losers[p]]) - Double(top)
                w.rc[sample] = data.referenceChosen[p]
                w.rr[sample] = data.referenceRejected[p]
                w.normalisers[sample] = Double(top)
            }
            var next = 0
            while next + 2 <= active.count {  // two runs at a time share the block's loads
                let (r, q) = (active[next], active[next + 1])
                let (rTop, qTop) = VectorKernels.transposedScores(
                    w.compactThetas + r * d, w.compactThetas + q * d, block, features: d, responses: k,
                    into: w.responseValues + (r * batch + i) * k, w.responseValues + (q * batch + i) * k)
                record(r, rTop)
                record(q, qTop)
                next += 2
            }
            if next < active.count {
                let r = active[next]
                record(r, VectorKernels.transposedScores(w.compactThetas + r * d, block, features: d, responses: k, into: w.responseValues + (r * batch + i) * k))
            }
        }
        for r in active {
            let first = r * batch
            let (normalisers, logNormalisers) = (w.normalisers + first, w.logNormalisers + first)
            for i in 0..<batch {
                normalisers[i] = VectorKernels.exponentiate(w.responseValues + (first + i) * k, k, shift: Float(normalisers[i]))  // e^(s - top), pi z
            }
            VectorMath.map(normalisers, logNormalisers, batch, VectorMath.logPositive)
            for i in 0..<batch {
                w.pc[first + i] -= logNormalisers[i]
                w.pr[first + i] -= logNormalisers[i]
            }
        }
    }

    /// grad = sum_i Phi_i^T c_i of each run, with c_i built in place of prompt i's exponentials;
    /// prompts outermost, so that a prompt's feature rows are read once for every run.
    @inline(never) private func accumulateGradient(_ data: Data, _ prompts: UnsafePointer<Int>, _ w: TrainingWorkspace, _ active: [Int]) {
        let (k, d, batch) = (self.k, self.d, self.batch)
        for r in active {
            (w.parameters + 4 * d * r + d).update(repeating: 0, count: d)
            for i in 0..<batch {
                let (p, sample) = (prompts[i], r * batch + i)
                let weights = w.responseValues + sample * k  // become c_ik in place
                VectorKernels.scale(weights, k, by: Float(-(w.gpc[sample] + w.gpr[sample]) / w.normalisers[sample]))
                weights[data.winners[p]] += Float(w.gpc[sample])
                weights[data.losers[p]] += Float(w.gpr[sample])
            }
        }
        for i in 0..<batch {
            let rows = data.trainFeatures + prompts[i] * k * d
            for r in active {
                VectorKernels.addWeightedRows(
                    w.responseValues + (r * batch + i) * k, blocks: 1, rows: k, width: d, into: w.parameters + 4 * d * r + d
                ) { _ in rows }
            }
        }
    }
}
