/// exp and log1p on four doubles at once, accurate to a few ulp, for the evaluator's hot loops.
///
/// Scalars go through the same code (padded to a vector), so a value does not depend on where it
/// sits in a batch, on the batch size, or on whether it was folded as a constant. Built for a CPU
/// with AVX2 and FMA (`make` does so where the build machine has them) these run several times
/// faster than glibc's scalar calls; on the x86-64 baseline they are about as fast.
public enum VectorMath {
    public typealias Vector = SIMD4<Double>

    @usableFromInline static let log2e = 1.4426950408889634
    @usableFromInline static let ln2Hi = 6.93147180369123816490e-01
    @usableFromInline static let ln2Lo = 1.90821492927058770002e-10
    /// 1.5 * 2^52: adding it rounds to an integer (to nearest, ties to even) held in the low bits.
    @usableFromInline static let roundingShift = 6_755_399_441_055_744.0

    /// e^x. Overflows to +inf above 709.78, underflows to 0 below -745.13; NaN stays NaN.
    @inlinable @inline(__always) public static func exp(_ x: Vector) -> Vector {
        // Lanes outside [-745.13, 709.78] (and NaN) compute garbage here and are replaced at the end.
        let (p, shifted) = expReduced(x)
        // 2^k as two factors so that subnormal results are reached without overflowing the exponent.
        let kInt = unsafeBitCast(shifted, to: SIMD4<Int64>.self) &- 0x4338_0000_0000_0000
        let k1 = kInt &>> 1
        let k2 = kInt &- k1
        let scale1 = unsafeBitCast((k1 &+ 1023) &<< 52, to: Vector.self)
        let scale2 = unsafeBitCast((k2 &+ 1023) &<< 52, to: Vector.self)
        var result = p * scale1 * scale2
        result.replace(with: Vector(repeating: .infinity), where: x .> 709.782712893384)
        result.replace(with: Vector(repeating: 0), where: x .< -745.1332191019412)
        result.replace(with: x, where: x .!= x)
        return result
    }

    /// e^r for x = k ln 2 + r, |r| <= ln2 / 2, and k (as `roundingShift + k`, its low bits the integer).
    @inlinable @inline(__always) static func expReduced(_ x: Vector) -> (p: Vector, shifted: Vector) {
        let shifted = x * log2e + roundingShift
        let k = shifted - roundingShift
        let r = (x - k * ln2Hi) - k * ln2Lo
        // Taylor series to r^13 (|r| <= ln2 / 2: truncation below 1e-17) in Estrin's form: pairs of
        // terms, then pairs of pairs, so the dependency chain is 5 deep instead of Horner's 14 and
        // independent exps (a softmax row, a batch) overlap in the pipeline.
        let r2 = r * r
        let r4 = r2 * r2
        let r8 = r4 * r4
        let q01 = Vector(repeating: 1).addingProduct(r, 1)
        let q23 = Vector(repeating: 0.5).addingProduct(r, 0.16666666666666666)
        let q45 = Vector(repeating: 0.041666666666666664).addingProduct(r, 0.008333333333333333)
        let q67 = Vector(repeating: 0.001388888888888889).addingProduct(r, 0.0001984126984126984)
        let q89 = Vector(repeating: 2.48015873015873e-05).addingProduct(r, 2.7557319223985893e-06)
        let q1011 = Vector(repeating: 2.755731922398589e-07).addingProduct(r, 2.505210838544172e-08)
        let q1213 = Vector(repeating: 2.08767569878681e-09).addingProduct(r, 1.6059043836821613e-10)
        let low = q01.addingProduct(q23, r2).addingProduct(q45.addingProduct(q67, r2), r4)
        let high = q89.addingProduct(q1011, r2).addingProduct(q1213, r4)
        return (low.addingProduct(high, r8), shifted)
    }

    /// log(1 + e) for e in [0, 1] (the range softplus and logsigmoid need).
    @inlinable @inline(__always) public static func log1pUnit(_ e: Vector) -> Vector {
        let u = 1 + e
        let large = u .> 1.4142135623730951
        let m = u.replacing(with: u * 0.5, where: large)
        let k = Vector(repeating: 0).replacing(with: 1, where: large)
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        // log m = 2 atanh(s) = 2 s (1 + s^2/3 + s^4/5 + ...), |s| <= 0.172.
        var series = Vector(repeating: 0.043478260869565216)
        series = Vector(repeating: 0.047619047619047616).addingProduct(series, s2)
        series = Vector(repeating: 0.05263157894736842).addingProduct(series, s2)
        series = Vector(repeating: 0.058823529411764705).addingProduct(series, s2)
        series = Vector(repeating: 0.06666666666666667).addingProduct(series, s2)
        series = Vector(repeating: 0.07692307692307693).addingProduct(series, s2)
        series = Vector(repeating: 0.09090909090909091).addingProduct(series, s2)
        series = Vector(repeating: 0.1111111111111111).addingProduct(series, s2)
        series = Vector(repeating: 0.14285714285714285).addingProduct(series, s2)
        series = Vector(repeating: 0.2).addingProduct(series, s2)
        series = Vector(repeating: 0.3333333333333333).addingProduct(series, s2)
        let logM = 2 * s * Vector(repeating: 1).addingProduct(series, s2)
        // Correct for the rounding of 1 + e: log1p(e) = log(u) + (e - (u - 1)) / u.
        return k * ln2Hi + (logM + (k * ln2Lo + (e - (u - 1)) / u))
    }

    /// log(x) for positive, normal, finite x (softmax normalisers and the like); x = m 2^e with
    /// m in [1, 2), log x = e ln 2 + log1p(m - 1).
    @inlinable @inline(__always) public static func logPositive(_ x: Vector) -> Vector {
        let bits = unsafeBitCast(x, to: SIMD4<UInt64>.self)
        let exponent = SIMD4<Int64>(truncatingIfNeeded: (bits &>> 52) & 0x7FF) &- 1023
        let mantissa = unsafeBitCast((bits & 0x000F_FFFF_FFFF_FFFF) | 0x3FF0_0000_0000_0000, to: Vector.self)
        var e = Vector()
        for lane in 0..<4 { e[lane] = Double(exponent[lane]) }
        return e * ln2Hi + (log1pUnit(mantissa - 1) + e * ln2Lo)
    }

    /// Applies a vector function to `count` values, four at a time; the tail is padded.
    @inlinable @inline(__always) public static func map(
        _ x: UnsafePointer<Double>, _ out: UnsafeMutablePointer<Double>, _ count: Int,
        _ f: (Vector) -> Vector
    ) {
        var i = 0
        while i + 4 <= count {
            let y = f(UnsafeRawPointer(x + i).loadUnaligned(as: Vector.self))
            UnsafeMutableRawPointer(out + i).storeBytes(of: y, as: Vector.self)
            i += 4
        }
        if i < count {
            var v = Vector()
            for j in 0..<(count - i) { v[j] = x[i + j] }
            let y = f(v)
            for j in 0..<(count - i) { out[i + j] = y[j] }
        }
    }

    /// A vector function applied to one scalar.
    @inlinable @inline(__always) public static func scalar(_ x: Double, _ f: (Vector) -> Vector) -> Double {
        f(Vector(x, 0, 0, 0))[0]
    }

    // MARK: the logistic family, from one exp each

    /// sigmoid(x) = 1 / (1 + e^-x), computed from e = e^-|x| without overflow.
    @inlinable @inline(__always) public static func sigmoid(_ x: Vector) -> Vector {
        sigmoid(x, expMinusMagnitude: exp(-magnitude(x)))
    }

    /// sigmoid(x) given e = e^-|x| (from ``softplusAndExp(_:)``, say): no exp of its own.
    @inlinable @inline(__always) public static func sigmoid(_ x: Vector, expMinusMagnitude e: Vector) -> Vector {
        let positive = 1 / (1 + e)
        return positive.replacing(with: e * positive, where: x .< 0)
    }

    /// softplus(x) = log(1 + e^x) = max(x, 0) + log1p(e^-|x|).
    @inlinable @inline(__always) public static func softplus(_ x: Vector) -> Vector { softplusAndExp(x).value }

    /// softplus(x) and the e^-|x| it was computed from (which gives its derivative, sigmoid(x)).
    @inlinable @inline(__always) public static func softplusAndExp(_ x: Vector) -> (value: Vector, e: Vector) {
        let e = exp(-magnitude(x))
        let result = x.replacing(with: 0, where: x .< 0) + log1pUnit(e)
        return (result.replacing(with: x, where: x .!= x), e)
    }

    @inlinable @inline(__always) public static func logsigmoid(_ x: Vector) -> Vector { -softplus(-x) }

    @inlinable @inline(__always) static func magnitude(_ x: Vector) -> Vector { x.replacing(with: -x, where: x .< 0) }
}
