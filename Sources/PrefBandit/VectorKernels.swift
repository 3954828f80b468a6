/// Small dense kernels for the per-prompt products (K x d, typically 16 x 32): below the size where
/// a BLAS call's overhead pays off, so written out with SIMD accumulators kept in registers.
enum VectorKernels {
    typealias Vector = SIMD4<Double>

    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    /// Four values as float64 (float32 widens exactly).
    @inline(__always) static func widen<Row: BinaryFloatingPoint & SIMDScalar>(_ p: UnsafePointer<Row>) -> Vector {
        Vector(UnsafeRawPointer(p).loadUnaligned(as: SIMD4<Row>.self))
    }

    @inline(__always) static func add(_ v: Vector, to p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: load(p) + v, as: Vector.self)
    }

    /// The dot products of four rows with x (`row(q)` for q = 0..<4): four independent chains, so
    /// the multiply-add latency is hidden.
    @inline(__always) static func dot4<Row: BinaryFloatingPoint & SIMDScalar>(
        _ x: UnsafePointer<Double>, _ n: Int, row: (Int) -> UnsafePointer<Row>
    ) -> Vector {
        let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3))
        var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
        var j = 0
        while j + 4 <= n {
            let xj = load(x + j)
            s0 = s0.addingProduct(widen(r0 + j), xj)
            s1 = s1.addingProduct(widen(r1 + j), xj)
            s2 = s2.addingProduct(widen(r2 + j), xj)
            s3 = s3.addingProduct(widen(r3 + j), xj)
            j += 4
        }
        var result = Vector(s0.sum(), s1.sum(), s2.sum(), s3.sum())
        while j < n {
            result[0] += Double(r0[j]) * x[j]
            result[1] += Double(r1[j]) * x[j]
            result[2] += Double(r2[j]) * x[j]
            result[3] += Double(r3[j]) * x[j]
            j += 1
        }
        return result
    }

    /// y += sum_b sum_r weights[b * rows + r] * (block(b) + r * d)[0..<d]: every row of `blocks`
    /// blocks of `rows` rows each (a batch's prompts, K responses each; or one row per prompt). The
    /// sums stay in registers across all the blocks, 32 columns at a time (eight independent
    /// accumulators hide the multiply-add latency), and are added to y once.
    @inline(__always) static func addWeightedRows<Row: BinaryFloatingPoint & SIMDScalar>(
        _ weights: UnsafePointer<Double>, blocks: Int, rows: Int, width d: Int, into y: UnsafeMutablePointer<Double>,
        block: (Int) -> UnsafePointer<Row>
    ) {
        var c = 0
        while c + 32 <= d {
            var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
            var a4 = Vector(), a5 = Vector(), a6 = Vector(), a7 = Vector()
            @inline(__always) func accumulate(_ w: Vector, _ p: UnsafePointer<Row>) {
                a0 = a0.addingProduct(w, widen(p))
                a1 = a1.addingProduct(w, widen(p + 4))
                a2 = a2.addingProduct(w, widen(p + 8))
                a3 = a3.addingProduct(w, widen(p + 12))
                a4 = a4.addingProduct(w, widen(p + 16))
                a5 = a5.addingProduct(w, widen(p + 20))
                a6 = a6.addingProduct(w, widen(p + 24))
                a7 = a7.addingProduct(w, widen(p + 28))
            }
            for b in 0..<blocks {
                let first = block(b) + c, w = weights + b * rows
                for r in 0..<rows { accumulate(Vector(repeating: w[r]), first + r * d) }
            }
            for (offset, sum) in [(0, a0), (4, a1), (8, a2), (12, a3), (16, a4), (20, a5), (24, a6), (28, a7)] {
                add(sum, to: y + c + offset)
            }
            c += 32
        }
        while c + 4 <= d {
            var sum = Vector()
            for b in 0..<blocks {
                let first = block(b) + c, w = weights + b * rows
                for r in 0..<rows { sum = sum.addingProduct(Vector(repeating: w[r]), widen(first + r * d)) }
            }
            add(sum, to: y + c)
            c += 4
        }
        while c < d {
            var sum = 0.0
            for b in 0..<blocks {
                let first = block(b) + c, w = weights + b * rows
                for r in 0..<rows { sum += w[r] * Double(first[r * d]) }
            }
            y[c] += sum
            c += 1
        }
    }

    /// The K scores x . phi_k of one prompt from its transposed block [feature][response]
    /// (`phiT[j * k + r]`): for each feature j, K lanes += x[j] * phiT[j]; two features at a time
    /// into separate accumulators, so eight chains run side by side for K = 16. No horizontal sums.
    @inline(__always) static func transposedScores(_ x: UnsafePointer<Double>, _ phiT: UnsafePointer<Float>, features d: Int,
                                                   responses k: Int, into scores: UnsafeMutablePointer<Double>) {
        var r = 0
        while r + 16 <= k {
            var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
            var b0 = Vector(), b1 = Vector(), b2 = Vector(), b3 = Vector()
            var j = 0
            while j + 2 <= d {
                let p = phiT + j * k + r, q = p + k
                let t = Vector(repeating: x[j]), u = Vector(repeating: x[j + 1])
                a0 = a0.addingProduct(t, widen(p))
                a1 = a1.addingProduct(t, widen(p + 4))
                a2 = a2.addingProduct(t, widen(p + 8))
                a3 = a3.addingProduct(t, widen(p + 12))
                b0 = b0.addingProduct(u, widen(q))
                b1 = b1.addingProduct(u, widen(q + 4))
                b2 = b2.addingProduct(u, widen(q + 8))
                b3 = b3.addingProduct(u, widen(q + 12))
                j += 2
            }
            if j < d {
                let p = phiT + j * k + r, t = Vector(repeating: x[j])
                a0 = a0.addingProduct(t, widen(p))
                a1 = a1.addingProduct(t, widen(p + 4))
                a2 = a2.addingProduct(t, widen(p + 8))
                a3 = a3.addingProduct(t, widen(p + 12))
            }
            for (offset, sum) in [(0, a0 + b0), (4, a1 + b1), (8, a2 + b2), (12, a3 + b3)] {
                UnsafeMutableRawPointer(scores + r + offset).storeBytes(of: sum, as: Vector.self)
            }
            r += 16
        }
        while r + 4 <= k {
            var sum = Vector()
            for j in 0..<d { sum = sum.addingProduct(Vector(repeating: x[j]), widen(phiT + j * k + r)) }
            UnsafeMutableRawPointer(scores + r).storeBytes(of: sum, as: Vector.self)
            r += 4
        }
        while r < k {
            var score = 0.0
            for j in 0..<d { score += Double(phiT[j * k + r]) * x[j] }
            scores[r] = score
            r += 1
        }
    }

    /// One Adam step (0.9, 0.999, 1e-8) on `count` parameters, four at a time:
    /// m = 0.9 m + 0.1 g; v = 0.999 v + 0.001 g^2; theta -= lr (m / c1) / (sqrt(v / c2) + 1e-8).
    @inline(__always) static func adamUpdate(theta: UnsafeMutablePointer<Double>, m: UnsafeMutablePointer<Double>,
                                             v: UnsafeMutablePointer<Double>, gradient: UnsafePointer<Double>, count: Int,
                                             learningRate: Double, firstCorrection c1: Double, secondCorrection c2: Double) {
        func step(_ theta: Double, _ m: Double, _ v: Double, _ g: Double) -> (Double, Double, Double) {
            let m = 0.9 * m + 0.1 * g
            let v = 0.999 * v + 0.001 * g * g
            return (theta - learningRate * (m / c1) / ((v / c2).squareRoot() + 1e-8), m, v)
        }
        var j = 0
        while j + 4 <= count {
            let g = load(gradient + j)
            let mj = 0.9 * load(m + j) + 0.1 * g
            let vj = 0.999 * load(v + j) + 0.001 * g * g
            let update = learningRate * (mj / c1) / ((vj / c2).squareRoot() + 1e-8)
            UnsafeMutableRawPointer(theta + j).storeBytes(of: load(theta + j) - update, as: Vector.self)
            UnsafeMutableRawPointer(m + j).storeBytes(of: mj, as: Vector.self)
            UnsafeMutableRawPointer(v + j).storeBytes(of: vj, as: Vector.self)
            j += 4
        }
        while j < count {
            (theta[j], m[j], v[j]) = step(theta[j], m[j], v[j], gradient[j])
            j += 1
        }
    }
}
