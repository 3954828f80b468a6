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

    /// y += sum_r weights[r] * row(r), where row(r) = base + offset(r) (d values each): the sums are
    /// kept in registers 16 columns at a time and added to y once. Not 32: eight accumulators, the
    /// broadcast weight and the widened loads need more than the 16 vector registers, and the
    /// spilled accumulator made the loop a store-to-load chain (perf: a fifth of the full path).
    @inline(__always) static func addWeightedRows<Row: BinaryFloatingPoint & SIMDScalar>(
        _ weights: UnsafePointer<Double>, count: Int, width d: Int, into y: UnsafeMutablePointer<Double>,
        row: (Int) -> UnsafePointer<Row>
    ) {
        var c = 0
        while c + 16 <= d {
            var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
            for r in 0..<count {
                let w = Vector(repeating: weights[r])
                let p = row(r) + c
                a0 = a0.addingProduct(w, widen(p))
                a1 = a1.addingProduct(w, widen(p + 4))
                a2 = a2.addingProduct(w, widen(p + 8))
                a3 = a3.addingProduct(w, widen(p + 12))
            }
            add(a0, to: y + c)
            add(a1, to: y + c + 4)
            add(a2, to: y + c + 8)
            add(a3, to: y + c + 12)
            c += 16
        }
        while c < d {
            var s = 0.0
            for r in 0..<count { s += weights[r] * Double(row(r)[c]) }
            y[c] += s
            c += 1
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
