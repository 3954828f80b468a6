/// The full training path's two per-prompt products, in float32 with eight lanes a vector: a
/// prompt's K scores, and its weighted sum of its K feature rows. Each product sums at most d or K
/// terms in float32; what is summed over the batch, and everything after the products, is float64.
///
/// The loops are `while` loops over runtime bounds on purpose: LLVM split the vectors of the
/// same loops written with `stride` into two-lane pieces.
extension VectorKernels {
    typealias Lanes = SIMD8<Float>

    @inline(__always) static func load(_ p: UnsafePointer<Float>) -> Lanes {
        UnsafeRawPointer(p).loadUnaligned(as: Lanes.self)
    }

    @inline(__always) static func store(_ v: Lanes, to p: UnsafeMutablePointer<Float>) {
        UnsafeMutableRawPointer(p).storeBytes(of: v, as: Lanes.self)
    }

    @inline(__always) static func add(_ v: Lanes, widenedTo p: UnsafeMutablePointer<Double>) {
        let raw = UnsafeMutableRawPointer(p)
        raw.storeBytes(of: raw.loadUnaligned(as: SIMD8<Double>.self) + SIMD8<Double>(v), as: SIMD8<Double>.self)
    }

    /// x[0..<n] *= factor, in place.
    @inline(__always) static func scale(_ x: UnsafeMutablePointer<Float>, _ n: Int, by factor: Float) {
        var r = 0
        while r + 8 <= n {
            store(load(x + r) * factor, to: x + r)
            r += 8
        }
        while r < n {
            x[r] *= factor
            r += 1
        }
    }

    /// The K scores x . phi_k of one prompt from its transposed block [feature][response]
    /// (`phiT[j * k + r]`), and the largest of them (k >= 1), taken from the registers before the
    /// scores are stored. For each feature j, K lanes += x[j] * phiT[j], so there are no horizontal
    /// sums; sixteen responses at a time take two features per round into four accumulators, the
    /// same arithmetic per run as ``transposedScores(_:_:_:features:responses:into:_:)``, so that a
    /// run's scores are bit for bit the same alone or in a pair.
    @inline(__always) static func transposedScores(
        _ x: UnsafePointer<Float>, _ phiT: UnsafePointer<Float>, features d: Int,
        responses k: Int, into scores: UnsafeMutablePointer<Float>
    ) -> Float {
        var top = Lanes(repeating: -.infinity)
        var r = 0
        while r + 16 <= k {
            var a0 = Lanes(), a1 = Lanes(), b0 = Lanes(), b1 = Lanes()
            var j = 0
            while j + 2 <= d {
                let p = phiT + j * k + r
                let t = Lanes(repeating: x[j]), u = Lanes(repeating: x[j + 1])
                a0 = a0.addingProduct(t, load(p))
                a1 = a1.addingProduct(t, load(p + 8))
                b0 = b0.addingProduct(u, load(p + k))
                b1 = b1.addingProduct(u, load(p + k + 8))
                j += 2
            }
            if j < d {
                let p = phiT + j * k + r, t = Lanes(repeating: x[j])
                a0 = a0.addingProduct(t, load(p))
                a1 = a1.addingProduct(t, load(p + 8))
            }
            let low = a0 + b0, high = a1 + b1
            store(low, to: scores + r)
            store(high, to: scores + r + 8)
            top = larger(top, larger(low, high))
            r += 16
        }
        return remainingScores(x, phiT, features: d, responses: k, from: r, into: scores, top: top)
    }

    /// The scores of two runs (parameters x and y) on one prompt, each bit for bit what
    /// ``transposedScores(_:_:features:responses:into:)`` gives it: each feature row is loaded once
    /// for both runs, which halves the loads per multiply-add (the single run's kernel is bound by
    /// its loads, not its multiply-adds), and the eight accumulators hide the latency.
    @inline(__always) static func transposedScores(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ phiT: UnsafePointer<Float>, features d: Int,
        responses k: Int, into xScores: UnsafeMutablePointer<Float>, _ yScores: UnsafeMutablePointer<Float>
    ) -> (Float, Float) {
        var (xTop, yTop) = (Lanes(repeating: -.infinity), Lanes(repeating: -.infinity))
        var r = 0
        while r + 16 <= k {
            var a0 = Lanes(), a1 = Lanes(), b0 = Lanes(), b1 = Lanes()
            var c0 = Lanes(), c1 = Lanes(), e0 = Lanes(), e1 = Lanes()
            var j = 0
            while j + 2 <= d {
                let p = phiT + j * k + r
                let (p0, p1, q0, q1) = (load(p), load(p + 8), load(p + k), load(p + k + 8))
                let t = Lanes(repeating: x[j]), u = Lanes(repeating: x[j + 1])
                a0 = a0.addingProduct(t, p0)
                a1 = a1.addingProduct(t, p1)
                b0 = b0.addingProduct(u, q0)
                b1 = b1.addingProduct(u, q1)
                let v = Lanes(repeating: y[j]), w = Lanes(repeating: y[j + 1])
                c0 = c0.addingProduct(v, p0)
                c1 = c1.addingProduct(v, p1)
                e0 = e0.addingProduct(w, q0)
                e1 = e1.addingProduct(w, q1)
                j += 2
            }
            if j < d {
                let p = phiT + j * k + r
                let (p0, p1) = (load(p), load(p + 8))
                let t = Lanes(repeating: x[j]), v = Lanes(repeating: y[j])
                a0 = a0.addingProduct(t, p0)
                a1 = a1.addingProduct(t, p1)
                c0 = c0.addingProduct(v, p0)
                c1 = c1.addingProduct(v, p1)
            }
            let (xLow, xHigh, yLow, yHigh) = (a0 + b0, a1 + b1, c0 + e0, c1 + e1)
            store(xLow, to: xScores + r)
            store(xHigh, to: xScores + r + 8)
            store(yLow, to: yScores + r)
            store(yHigh, to: yScores + r + 8)
            xTop = larger(xTop, larger(xLow, xHigh))
            yTop = larger(yTop, larger(yLow, yHigh))
            r += 16
        }
        if r + 8 <= k {
            let (xSum, ySum) = eightScores(x, y, phiT + r, features: d, responses: k)
            store(xSum, to: xScores + r)
            store(ySum, to: yScores + r)
            (xTop, yTop) = (larger(xTop, xSum), larger(yTop, ySum))
            r += 8
        }
        return (
            remainingScores(x, phiT, features: d, responses: k, from: r, into: xScores, top: xTop),
            remainingScores(y, phiT, features: d, responses: k, from: r, into: yScores, top: yTop)
        )
    }

    /// Eight responses' scores (the lanes of column block `phiT`), four features a round into four
    /// accumulators.
    @inline(__always) private static func eightScores(
        _ x: UnsafePointer<Float>, _ phiT: UnsafePointer<Float>, features d: Int, responses k: Int
    ) -> Lanes {
        var s0 = Lanes(), s1 = Lanes(), s2 = Lanes(), s3 = Lanes()
        var j = 0
        while j + 4 <= d {
            let p = phiT + j * k
            s0 = s0.addingProduct(Lanes(repeating: x[j]), load(p))
            s1 = s1.addingProduct(Lanes(repeating: x[j + 1]), load(p + k))
            s2 = s2.addingProduct(Lanes(repeating: x[j + 2]), load(p + 2 * k))
            s3 = s3.addingProduct(Lanes(repeating: x[j + 3]), load(p + 3 * k))
            j += 4
        }
        while j < d {
            s0 = s0.addingProduct(Lanes(repeating: x[j]), load(phiT + j * k))
            j += 1
        }
        return (s0 + s1) + (s2 + s3)
    }

    /// ``eightScores(_:_:features:responses:)`` of two runs, each row loaded once for both.
    @inline(__always) private static func eightScores(
        _ x: UnsafePointer<Float>, _ y: UnsafePointer<Float>, _ phiT: UnsafePointer<Float>, features d: Int, responses k: Int
    ) -> (Lanes, Lanes) {
        var s0 = Lanes(), s1 = Lanes(), s2 = Lanes(), s3 = Lanes()
        var t0 = Lanes(), t1 = Lanes(), t2 = Lanes(), t3 = Lanes()
        var j = 0
        while j + 4 <= d {
            let p = phiT + j * k
            let (p0, p1, p2, p3) = (load(p), load(p + k), load(p + 2 * k), load(p + 3 * k))
            s0 = s0.addingProduct(Lanes(repeating: x[j]), p0)
            s1 = s1.addingProduct(Lanes(repeating: x[j + 1]), p1)
            s2 = s2.addingProduct(Lanes(repeating: x[j + 2]), p2)
            s3 = s3.addingProduct(Lanes(repeating: x[j + 3]), p3)
            t0 = t0.addingProduct(Lanes(repeating: y[j]), p0)
            t1 = t1.addingProduct(Lanes(repeating: y[j + 1]), p1)
            t2 = t2.addingProduct(Lanes(repeating: y[j + 2]), p2)
            t3 = t3.addingProduct(Lanes(repeating: y[j + 3]), p3)
            j += 4
        }
        while j < d {
            let p0 = load(phiT + j * k)
            s0 = s0.addingProduct(Lanes(repeating: x[j]), p0)
            t0 = t0.addingProduct(Lanes(repeating: y[j]), p0)
            j += 1
        }
        return ((s0 + s1) + (s2 + s3), (t0 + t1) + (t2 + t3))
    }

    /// The scores of responses `start...` (fewer than sixteen), and the largest score of all given
    /// the lanes' maxima so far.
    @inline(__always) private static func remainingScores(
        _ x: UnsafePointer<Float>, _ phiT: UnsafePointer<Float>, features d: Int, responses k: Int, from start: Int,
        into scores: UnsafeMutablePointer<Float>, top: Lanes
    ) -> Float {
        var (r, top) = (start, top)
        if r + 8 <= k {
            let sum = eightScores(x, phiT + r, features: d, responses: k)
            store(sum, to: scores + r)
            top = larger(top, sum)
            r += 8
        }
        var largest = largestLane(top)
        while r < k {
            var score: Float = 0
            for j in 0..<d { score = score.addingProduct(x[j], phiT[j * k + r]) }
            scores[r] = score
            largest = score > largest ? score : largest
            r += 1
        }
        return largest
    }

    /// y += sum_b sum_r weights[b * rows + r] * (block(b) + r * d)[0..<d]. Each block's weighted row
    /// sum is float32, two rows a round into separate accumulators (so the multiply-adds' latency is
    /// hidden), and is widened and added to y, float64, once per block.
    @inline(__always) static func addWeightedRows(
        _ weights: UnsafePointer<Float>, blocks: Int, rows: Int, width d: Int, into y: UnsafeMutablePointer<Double>,
        block: (Int) -> UnsafePointer<Float>
    ) {
        for b in 0..<blocks {
            let first = block(b), w = weights + b * rows
            var c = 0
            while c + 32 <= d {
                var a0 = Lanes(), a1 = Lanes(), a2 = Lanes(), a3 = Lanes()
                var b0 = Lanes(), b1 = Lanes(), b2 = Lanes(), b3 = Lanes()
                var r = 0
                while r + 2 <= rows {
                    let p = first + r * d + c, q = p + d
                    let u = Lanes(repeating: w[r]), v = Lanes(repeating: w[r + 1])
                    a0 = a0.addingProduct(u, load(p))
                    a1 = a1.addingProduct(u, load(p + 8))
                    a2 = a2.addingProduct(u, load(p + 16))
                    a3 = a3.addingProduct(u, load(p + 24))
                    b0 = b0.addingProduct(v, load(q))
                    b1 = b1.addingProduct(v, load(q + 8))
                    b2 = b2.addingProduct(v, load(q + 16))
                    b3 = b3.addingProduct(v, load(q + 24))
                    r += 2
                }
                if r < rows {
                    let p = first + r * d + c, u = Lanes(repeating: w[r])
                    a0 = a0.addingProduct(u, load(p))
                    a1 = a1.addingProduct(u, load(p + 8))
                    a2 = a2.addingProduct(u, load(p + 16))
                    a3 = a3.addingProduct(u, load(p + 24))
                }
                add(a0 + b0, widenedTo: y + c)
                add(a1 + b1, widenedTo: y + c + 8)
                add(a2 + b2, widenedTo: y + c + 16)
                add(a3 + b3, widenedTo: y + c + 24)
                c += 32
            }
            while c + 8 <= d {
                var sum = Lanes()
                var r = 0
                while r < rows {
                    sum = sum.addingProduct(Lanes(repeating: w[r]), load(first + r * d + c))
                    r += 1
                }
                add(sum, widenedTo: y + c)
                c += 8
            }
            while c < d {
                var sum: Float = 0
                for r in 0..<rows { sum = sum.addingProduct(w[r], first[r * d + c]) }
                y[c] += Double(sum)
                c += 1
            }
        }
    }
}
