import CVectorIntrinsics

/// Small dense kernels for the training loop, float64 here (the difference-feature path and Adam;
/// the full path's float32 ones are in `VectorKernels+Float32.swift`): below the size where a BLAS
/// call's overhead pays off, so written out with SIMD accumulators kept in registers.
enum VectorKernels {
    typealias Vector = SIMD4<Double>

    @inline(__always) static func load(_ p: UnsafePointer<Double>) -> Vector {
        UnsafeRawPointer(p).loadUnaligned(as: Vector.self)
    }

    @inline(__always) static func add(_ v: Vector, to p: UnsafeMutablePointer<Double>) {
        UnsafeMutableRawPointer(p).storeBytes(of: load(p) + v, as: Vector.self)
    }

    /// The dot products of four rows with x (`row(q)` for q = 0..<4): four independent chains, so
    /// the multiply-add latency is hidden.
    @inline(__always) static func dot4(_ x: UnsafePointer<Double>, _ n: Int, row: (Int) -> UnsafePointer<Double>) -> Vector {
        let (r0, r1, r2, r3) = (row(0), row(1), row(2), row(3))
        var s0 = Vector(), s1 = Vector(), s2 = Vector(), s3 = Vector()
        var j = 0
        while j + 4 <= n {
            let xj = load(x + j)
            s0 = s0.addingProduct(load(r0 + j), xj)
            s1 = s1.addingProduct(load(r1 + j), xj)
            s2 = s2.addingProduct(load(r2 + j), xj)
            s3 = s3.addingProduct(load(r3 + j), xj)
            j += 4
        }
        var result = Vector(s0.sum(), s1.sum(), s2.sum(), s3.sum())
        while j < n {
            result[0] += r0[j] * x[j]
            result[1] += r1[j] * x[j]
            result[2] += r2[j] * x[j]
            result[3] += r3[j] * x[j]
            j += 1
        }
        return result
    }

    /// y += sum_i weights[i] * row(i)[0..<d] over `count` rows (the difference path: one row per
    /// prompt). The sums stay in registers across all the rows, 32 columns at a time (eight
    /// independent accumulators hide the multiply-add latency), and are added to y once.
    @inline(__always) static func addWeightedRows(
        _ weights: UnsafePointer<Double>, count: Int, width d: Int, into y: UnsafeMutablePointer<Double>,
        row: (Int) -> UnsafePointer<Double>
    ) {
        var c = 0
        while c + 32 <= d {
            var a0 = Vector(), a1 = Vector(), a2 = Vector(), a3 = Vector()
            var a4 = Vector(), a5 = Vector(), a6 = Vector(), a7 = Vector()
            for i in 0..<count {
                let p = row(i) + c, w = Vector(repeating: weights[i])
                a0 = a0.addingProduct(w, load(p))
                a1 = a1.addingProduct(w, load(p + 4))
                a2 = a2.addingProduct(w, load(p + 8))
                a3 = a3.addingProduct(w, load(p + 12))
                a4 = a4.addingProduct(w, load(p + 16))
                a5 = a5.addingProduct(w, load(p + 20))
                a6 = a6.addingProduct(w, load(p + 24))
                a7 = a7.addingProduct(w, load(p + 28))
            }
            for (offset, sum) in [(0, a0), (4, a1), (8, a2), (12, a3), (16, a4), (20, a5), (24, a6), (28, a7)] {
                add(sum, to: y + c + offset)
            }
            c += 32
        }
        while c + 4 <= d {
            var sum = Vector()
            for i in 0..<count { sum = sum.addingProduct(Vector(repeating: weights[i]), load(row(i) + c)) }
            add(sum, to: y + c)
            c += 4
        }
        while c < d {
            var sum = 0.0
            for i in 0..<count { sum += weights[i] * row(i)[c] }
            y[c] += sum
            c += 1
        }
    }

    /// One Adam step (0.9, 0.999, 1e-8) on `count` parameters, four at a time:
    /// m = 0.9 m + 0.1 g; v = 0.999 v + 0.001 g^2; theta -= lr (m / c1) / (sqrt(v / c2) + 1e-8).
    @inline(__always) static func adamUpdate(
        theta: UnsafeMutablePointer<Double>, m: UnsafeMutablePointer<Double>,
        v: UnsafeMutablePointer<Double>, gradient: UnsafePointer<Double>, count: Int,
        learningRate: Double, firstCorrection c1: Double, secondCorrection c2: Double
    ) {
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
            let update = learningRate * (mj / c1) / (evod_sqrt4(vj / c2) + 1e-8)  // SIMD4's squareRoot() is four libm calls
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
