/// Small dense kernels for the per-prompt products (K x d, typically 16 x 32): below the size where
/// a BLAS call's overhead pays off, so written out with SIMD accumulators.
enum VectorKernels {
    /// sum_j a[j] * b[j].
    @inline(__always) static func dot(_ a: UnsafePointer<Double>, _ b: UnsafePointer<Double>, _ n: Int) -> Double {
        var s0 = SIMD4<Double>(), s1 = SIMD4<Double>()
        var j = 0
        while j + 8 <= n {
            s0 += UnsafeRawPointer(a + j).loadUnaligned(as: SIMD4<Double>.self) * UnsafeRawPointer(b + j).loadUnaligned(as: SIMD4<Double>.self)
            s1 += UnsafeRawPointer(a + j + 4).loadUnaligned(as: SIMD4<Double>.self) * UnsafeRawPointer(b + j + 4).loadUnaligned(as: SIMD4<Double>.self)
            j += 8
        }
        var sum = (s0 + s1).sum()
        while j < n { sum += a[j] * b[j]; j += 1 }
        return sum
    }

    /// y += alpha * x.
    @inline(__always) static func axpy(_ alpha: Double, _ x: UnsafePointer<Double>, _ y: UnsafeMutablePointer<Double>, _ n: Int) {
        let a = SIMD4<Double>(repeating: alpha)
        var j = 0
        while j + 4 <= n {
            let sum = UnsafeRawPointer(y + j).loadUnaligned(as: SIMD4<Double>.self) + a * UnsafeRawPointer(x + j).loadUnaligned(as: SIMD4<Double>.self)
            UnsafeMutableRawPointer(y + j).storeBytes(of: sum, as: SIMD4<Double>.self)
            j += 4
        }
        while j < n { y[j] += alpha * x[j]; j += 1 }
    }
}
