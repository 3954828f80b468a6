/// The per-prompt softmax of the full training path, in float32 like the scores it reads: the
/// shifted exponentials with their sum, eight lanes at a time (the largest score comes with the
/// scores, from ``transposedScores(_:_:features:responses:into:)``).
extension VectorKernels {
    /// The larger of a and b in each lane, as a compare and a blend (Swift's `pointwiseMax` and
    /// `max()` branch per lane, and random scores made those branches mispredict).
    @inline(__always) static func larger(_ a: Lanes, _ b: Lanes) -> Lanes { a.replacing(with: b, where: b .> a) }

    /// The largest of the eight lanes (NaN-free input), by two compare-and-blend halvings.
    @inline(__always) static func largestLane(_ lanes: Lanes) -> Float {
        let four = lanes.lowHalf.replacing(with: lanes.highHalf, where: lanes.highHalf .> lanes.lowHalf)
        let two = four.lowHalf.replacing(with: four.highHalf, where: four.highHalf .> four.lowHalf)
        return two[1] > two[0] ? two[1] : two[0]
    }

    /// e^x for x <= 0 in float32 (within 2 ulp): x below -87 is raised to -87, so 2^k stays one
    /// normal factor and no lane needs replacing. Positive x is not supported; NaN stays NaN.
    /// Cody and Waite's reduction x = k ln 2 + r, |r| <= ln 2 / 2, then Cephes' degree-7 minimax
    /// polynomial for e^r.
    @inline(__always) static func expOfNonPositive(_ x: Lanes) -> Lanes {
        let clamped = x.replacing(with: -87, where: x .< -87)
        let roundingShift = Lanes(repeating: 12_582_912)  // 1.5 * 2^23: adding it rounds to an integer
        let shifted = clamped * 1.442_695_04 + roundingShift
        let k = shifted - roundingShift
        let r = (clamped - k * 0.693_359_375) - k * -2.121_944_4e-4
        var p = Lanes(repeating: 1.987_569_15e-4)
        p = p * r + 1.398_199_950_7e-3
        p = p * r + 8.333_451_907_3e-3
        p = p * r + 4.166_579_589_4e-2
        p = p * r + 1.666_666_545_9e-1
        p = p * r + 5.000_000_120_1e-1
        let e = (p * r * r + r) + 1
        let kInt = unsafeBitCast(shifted, to: SIMD8<Int32>.self) &- unsafeBitCast(roundingShift, to: SIMD8<Int32>.self)
        return e * unsafeBitCast((kInt &+ 127) &<< 23, to: Lanes.self)
    }

    /// x[r] = e^(x[r] - shift) for r < n, in place; returns their sum, in float64.
    @inline(__always) static func exponentiate(_ x: UnsafeMutablePointer<Float>, _ n: Int, shift: Float) -> Double {
        let shiftLanes = Lanes(repeating: shift)
        var sum = Lanes()
        var r = 0
        while r + 8 <= n {
            let e = expOfNonPositive(load(x + r) - shiftLanes)
            UnsafeMutableRawPointer(x + r).storeBytes(of: e, as: Lanes.self)
            sum += e
            r += 8
        }
        var total = Double(sum.lowHalf.sum()) + Double(sum.highHalf.sum())
        while r < n {
            x[r] = expOfNonPositive(Lanes(repeating: x[r] - shift))[0]
            total += Double(x[r])
            r += 1
        }
        return total
    }
}
