/// softplus's transcendental part in float32, eight lanes a vector: for losses whose inputs are
/// float32 quantities already (the full training path's log-probabilities come from float32 scores).
///
/// softplus(x) = max(x, 0) + log1p(e^-|x|): the exact part, max(x, 0), stays float64, and only
/// log1p(e^-|x|) (at most log 2) and e^-|x| (which gives the derivative) are float32, so the
/// absolute error of softplus is below 1.2e-7 whatever the size of x, and e's relative error is a
/// few float32 ulp. e^-|x| below e^-87 (1.6e-38, float32's smallest normal) is flushed to 0.
extension VectorMath {
    public typealias SingleVector = SIMD8<Float>

    /// e^t for t <= 0 (the lanes of -|x|), float32; 0 below -87.
    @inlinable @inline(__always) static func expNonPositive(_ t: SingleVector) -> SingleVector {
        let clamped = t.replacing(with: -87, where: t .< -87)
        let shifted = clamped * 1.442_695_04 + 12_582_912  // 1.5 * 2^23: rounds to an integer in the low bits
        let k = shifted - 12_582_912
        let r = (clamped - k * 0.693_359_375) - k * -2.121_944_4e-4  // ln 2 as hi + lo
        // Taylor to r^7 (|r| <= ln2 / 2: truncation below 5e-9) in Estrin's form.
        let r2 = r * r
        let r4 = r2 * r2
        let q01 = SingleVector(repeating: 1).addingProduct(r, 1)
        let q23 = SingleVector(repeating: 0.5).addingProduct(r, 0.166_666_67)
        let q45 = SingleVector(repeating: 0.041_666_668).addingProduct(r, 0.008_333_334)
        let q67 = SingleVector(repeating: 0.001_388_888_9).addingProduct(r, 0.000_198_412_7)
        let p = q01.addingProduct(q23, r2).addingProduct(q45.addingProduct(q67, r2), r4)
        let kInt = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- 0x4B40_0000
        let result = p * unsafeBitCast((kInt &+ 127) &<< 23, to: SingleVector.self)
        return result.replacing(with: 0, where: t .< -87)
    }

    /// log(1 + e) for e in [0, 1], float32.
    @inlinable @inline(__always) static func log1pUnit(_ e: SingleVector) -> SingleVector {
        let u = 1 + e
        let large = u .> 1.414_213_5
        let m = u.replacing(with: u * 0.5, where: large)
        let k = SingleVector(repeating: 0).replacing(with: 0.693_147_18, where: large)
        let s = (m - 1) / (m + 1)
        let s2 = s * s
        // log m = 2 s (1 + s^2/3 + ... + s^10/11), |s| <= 0.172: truncation below 3e-10.
        var series = SingleVector(repeating: 0.090_909_09)
        series = SingleVector(repeating: 0.111_111_11).addingProduct(series, s2)
        series = SingleVector(repeating: 0.142_857_15).addingProduct(series, s2)
        series = SingleVector(repeating: 0.2).addingProduct(series, s2)
        series = SingleVector(repeating: 0.333_333_34).addingProduct(series, s2)
        let logM = 2 * s * SingleVector(repeating: 1).addingProduct(series, s2)
        return k + (logM + (e - (u - 1)) / u)  // the last term corrects for the rounding of 1 + e
    }

    /// softplus(sign * x) of `count` doubles, and the e^-|x| each was computed from, with the
    /// transcendental part in float32 (see the extension's summary); `scratch` holds 3 count
    /// floats. Three passes over memory (narrow, transcendentals, widen): each keeps its eight
    /// lanes in one AVX register, where one fused pass was split into 4-lane halves. NaN stays NaN.
    @inlinable public static func softplusAndExpSingle(
        _ x: UnsafePointer<Double>, sign: Double, _ out: UnsafeMutablePointer<Double>,
        _ e: UnsafeMutablePointer<Double>, _ count: Int, scratch: UnsafeMutablePointer<Float>
    ) {
        let (t, exps, logs) = (scratch, scratch + count, scratch + 2 * count)
        for i in 0..<count { t[i] = Float(-Swift.abs(x[i])) }
        if count < 8 {
            var lanes = SingleVector(repeating: 0)
            for j in 0..<count { lanes[j] = t[j] }
            let exp = expNonPositive(lanes), part = log1pUnit(exp)
            for j in 0..<count { (exps[j], logs[j]) = (exp[j], part[j]) }
        } else {
            var i = 0
            while i < count {
                let start = Swift.min(i, count - 8)  // the tail is the last eight, some recomputed
                let exp = expNonPositive(UnsafeRawPointer(t + start).loadUnaligned(as: SingleVector.self))
                UnsafeMutableRawPointer(exps + start).storeBytes(of: exp, as: SingleVector.self)
                UnsafeMutableRawPointer(logs + start).storeBytes(of: log1pUnit(exp), as: SingleVector.self)
                i = start + 8
            }
        }
        for i in 0..<count {
            let v = sign * x[i]
            let value = (v < 0 ? 0 : v) + Double(logs[i])
            out[i] = sign * (v.isNaN ? v : value)
            e[i] = Double(exps[i])
        }
    }
}
