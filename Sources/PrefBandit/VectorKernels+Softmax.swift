import LossLanguage

/// The per-prompt softmax pieces of the full training path: the largest score, and the shifted
/// exponentials with their sum, each four lanes at a time.
extension VectorKernels {
    /// The larger of a and b in each lane, as a compare and a blend (Swift's `pointwiseMax` and
    /// `max()` branch per lane, and random scores made those branches mispredict).
    @inline(__always) static func larger(_ a: Vector, _ b: Vector) -> Vector { a.replacing(with: b, where: b .> a) }

    /// The largest of x[0..<n] (n >= 1), four lanes at a time, without branches on the values.
    @inline(__always) static func maximum(_ x: UnsafePointer<Double>, _ n: Int) -> Double {
        var r = 0, top = -Double.infinity
        if n >= 4 {
            var lanes = load(x)
            r = 4
            while r + 4 <= n {
                lanes = larger(lanes, load(x + r))
                r += 4
            }
            let pairs = larger(lanes, Vector(lanes[2], lanes[3], lanes[0], lanes[1]))
            top = pairs[1] > pairs[0] ? pairs[1] : pairs[0]
        }
        while r < n {
            top = x[r] > top ? x[r] : top
            r += 1
        }
        return top
    }

    /// x[r] = e^(x[r] - shift) for r < n, in place; returns their sum.
    @inline(__always) static func exponentiate(_ x: UnsafeMutablePointer<Double>, _ n: Int, shift: Double) -> Double {
        let shiftLanes = Vector(repeating: shift)
        var sum = Vector()
        var r = 0
        while r + 4 <= n {
            let e = VectorMath.expOfNonPositive(load(x + r) - shiftLanes)
            UnsafeMutableRawPointer(x + r).storeBytes(of: e, as: Vector.self)
            sum += e
            r += 4
        }
        var total = sum.sum()
        while r < n {
            x[r] = VectorMath.scalar(x[r] - shift, VectorMath.expOfNonPositive)
            total += x[r]
            r += 1
        }
        return total
    }
}
